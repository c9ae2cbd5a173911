"""Opening the store: path resolution, locking errors a person understands, migrations."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb

from earful.errors import StoreError
from earful.store.schema import migrate

DEFAULT_DB = "earful.duckdb"


def resolve_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The store file: the explicit path, else ``$EARFUL_DB``, else ``./earful.duckdb``."""
    return Path(path or os.environ.get("EARFUL_DB") or DEFAULT_DB)


def connect(path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the store and bring its schema up to date.

    A store held by another process, a missing file opened read-only, or a file that is
    not a DuckDB database raise ``StoreError`` with a one-line message.
    """
    db = resolve_path(path)
    if read_only and not db.exists():
        raise StoreError(f"no earful store at {db}", hint="run `earful init` or `earful ingest` first")
    if not read_only and db.parent and not db.parent.exists():
        raise StoreError(f"folder {db.parent} does not exist")
    try:
        con = duckdb.connect(str(db), read_only=read_only)
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise StoreError(f"the store {db} is in use by another process", hint="wait for it or use --db") from None
        raise StoreError(f"cannot open the store {db}: {text.splitlines()[0]}") from None
    except duckdb.Error as exc:
        raise StoreError(f"cannot open the store {db}: {str(exc).splitlines()[0]}") from None
    if not read_only:
        migrate(con)
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One unit of work: BEGIN, then COMMIT when the block ends, or ROLLBACK and re-raise on any error."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def record_batches(con: duckdb.DuckDBPyConnection, sql: str, batch_size: int,
                   params: Sequence | None = None) -> Iterator:
    """Stream a query's rows as non-empty Arrow record batches of at most ``batch_size``, on a cursor of its
    own, so that ``con`` stays free to write each batch's results while the query is read."""
    cur = con.cursor()
    try:
        rel = cur.sql(sql, params=list(params) if params else None)
        reader = rel.to_arrow_reader(batch_size) if hasattr(rel, "to_arrow_reader") else rel.fetch_arrow_reader(batch_size)
        for batch in reader:
            if batch.num_rows:
                yield batch
    finally:
        cur.close()
