"""Opening the store: path resolution, read-only readers, locking errors a person understands.

DuckDB lets one process open a file read-write, or many processes open it read-only, never
both at once. earful follows that rule this way:

- readers (``connect(path, read_only=True)``) never create a store, never migrate it, and
  share the file with other readers;
- writers open it read-write and bring the schema up to date; only they need the lock;
- the process serving the dashboard holds the store read-write for as long as it runs, and
  runs the commands sent to it (``earful`` finds the server and hands it the command line) on
  its own connection: inside that process :func:`connect` hands out a cursor of the open
  store instead of opening the file again (see :func:`serving`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import duckdb

from earful.errors import StoreError
from earful.store.schema import MIGRATIONS, has_table, migrate

DEFAULT_DB = "earful.duckdb"

# (resolved store path, its open connection, the cursors handed out) while a command runs
# inside the process that serves the store; set by ``serving``.
_SERVED: ContextVar[tuple[Path, duckdb.DuckDBPyConnection, list] | None] = ContextVar("earful_served", default=None)


def resolve_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The store file: the explicit path, else ``$EARFUL_DB``, else ``./earful.duckdb``."""
    return Path(path or os.environ.get("EARFUL_DB") or DEFAULT_DB)


@contextmanager
def serving(path: str | os.PathLike[str], con: duckdb.DuckDBPyConnection,
            handed: list[duckdb.DuckDBPyConnection] | None = None) -> Iterator[None]:
    """While the block runs (in this thread), ``connect`` to ``path`` gives a cursor of ``con``
    (each one also appended to ``handed``, so that the caller can interrupt them)."""
    token = _SERVED.set((_real(Path(path)), con, handed if handed is not None else []))
    try:
        yield
    finally:
        _SERVED.reset(token)


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


def connect(path: str | os.PathLike[str] | None = None, *, read_only: bool = False,
            create: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the store; a writer creates it if needed and brings its schema up to date.

    ``read_only`` opens an existing store without creating or changing it (other readers may
    have it open at the same time). ``create=False`` is for writers that work on data already
    loaded (enrich, insights, the ledger): a mistyped path is an error, not a new empty store. A missing store for a reader, a store held by another
    process, an out-of-date store for a reader, or a file that is not a DuckDB database raise
    ``StoreError`` with a one-line message that says what to do. A folder holding an earful lake
    opens as an in-memory store whose tables read the lake (what is written there is not kept).
    """
    db = resolve_path(path)
    if db.is_dir() and (db / "manifest.json").is_file():
        # An earful lake (`earful export --parquet`): the same tables, as views over its Parquet files.
        from earful.scale.lake import open_lake

        return open_lake(db)
    served = _SERVED.get()
    if served is not None and _real(db) == served[0]:
        cur = served[1].cursor()
        served[2].append(cur)
        return cur
    if (read_only or not create) and not db.is_file():
        raise StoreError(f"no earful store at {db}", hint="check --db, or create one with `earful init`")
    if not read_only and db.parent and not db.parent.exists():
        raise StoreError(f"folder {db.parent} does not exist")
    try:
        con = duckdb.connect(str(db), read_only=read_only)
    except duckdb.ConnectionException as exc:
        # This process already has the store open read-write: a reader shares that instance.
        if not read_only or "different configuration" not in str(exc):
            raise StoreError(f"cannot open the store {db}: {str(exc).splitlines()[0]}") from None
        return connect(db)
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise _locked(db, text, read_only) from None
        raise StoreError(f"cannot open the store {db}: {text.splitlines()[0]}") from None
    except duckdb.Error as exc:
        raise StoreError(f"cannot open the store {db}: {str(exc).splitlines()[0]}") from None
    if read_only:
        _check_current(con, db)
    else:
        migrate(con)
    return con


def _check_current(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    """A reader cannot migrate: an empty file or a store missing migrations is one clear line."""
    if not has_table(con, "schema_migrations"):
        con.close()
        raise StoreError(f"{db} is not an earful store", hint="check --db, or create one with `earful init`")
    done = {int(v) for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
    missing = [n for n, _, _ in MIGRATIONS if n not in done]
    if missing:
        con.close()
        raise StoreError(f"the store {db} was written by an older earful",
                         hint="run `earful init` once to bring it up to date")


def holder(text: str) -> tuple[int | None, str]:
    """The process DuckDB names in a lock error: (pid, its command line) when it can be read."""
    m = re.search(r"\(PID (\d+)\)", text)
    if not m:
        return None, ""
    pid = int(m.group(1))
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return pid, ""
    return pid, " ".join(Path(a).name if i == 0 else a for i, a in enumerate(raw.decode(errors="replace").split("\0")) if a)


def _locked(db: Path, text: str, read_only: bool) -> StoreError:
    pid, cmd = holder(text)
    what = f" ({cmd[:80]}{'…' if len(cmd) > 80 else ''})" if cmd else ""
    who = f"another process, {pid}{what}" if pid else "another process"
    if " serve" in f" {cmd}":
        return StoreError(f"the store {db} is held by the earful server, {who}",
                          hint="earful sends commands to a server it can reach; this one it cannot: "
                               "stop that server and run the command again")
    if read_only:
        return StoreError(f"the store {db} is being written by {who}", hint="run this again when it has finished")
    return StoreError(f"the store {db} is in use by {who}", hint="wait for it to finish, or use another --db")


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
