"""The audit log: list with filters and Excel export, read-only, auditor role only."""
