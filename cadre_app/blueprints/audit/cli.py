"""``flask audit verify``: walk the hash chain and report tampering."""
