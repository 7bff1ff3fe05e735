"""``flask roster import FILE [--dry-run]`` and ``flask roster export FILE``."""
