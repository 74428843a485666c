"""Read models derived from the ledger's events; dropped and rebuilt at will."""
