"""Domain rules as plain functions. Services flush; the view or CLI command commits."""
