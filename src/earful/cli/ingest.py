"""`earful ingest` (filled in by the foundation work)."""
