"""The embedded DuckDB store: one file, one schema, numbered migrations applied on open."""

from earful.store.db import DEFAULT_DB, connect, resolve_path, transaction
from earful.store.schema import CHANNELS, MIGRATIONS, SPEAKERS, schema_version

__all__ = ["CHANNELS", "DEFAULT_DB", "MIGRATIONS", "SPEAKERS", "connect", "resolve_path", "schema_version", "transaction"]
