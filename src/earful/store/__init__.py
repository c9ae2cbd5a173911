"""The embedded DuckDB store: one file, one schema, numbered migrations applied on open."""

from earful.store.db import DEFAULT_DB, connect, record_batches, resolve_path, transaction
from earful.store.schema import CHANNELS, MIGRATIONS, SPEAKERS, has_column, has_table, schema_version

__all__ = ["CHANNELS", "DEFAULT_DB", "MIGRATIONS", "SPEAKERS", "connect", "record_batches", "has_column", "has_table", "resolve_path", "schema_version", "transaction"]
