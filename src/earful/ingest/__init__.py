"""Ingestion: any channel's records into the canonical store, one transaction per file.

``ingest_file(con, path, fmt)`` is the one entry point. Generic formats (`csv`, `jsonl`,
`json`, `parquet`) take a mapping; `earful` is the canonical JSON Lines (docs/formats.md); the
named adapters know real public formats and platforms' documented exports. Bad rows go to
`quarantine` with reasons, good rows load, re-imports change nothing, and a record whose
content changed under a known id is reported (and replaced with ``update=True``).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from pathlib import Path

import duckdb

from earful.errors import EarfulError, InputError
from earful.ingest.adapters import ADAPTERS, DEFAULT_SOURCES
from earful.ingest.generic import ingest_csv, ingest_json, ingest_jsonl, ingest_parquet
from earful.ingest.intervals import IntervalBatch, ingest_intervals, load_interval_mapping
from earful.ingest.load import ImportBatch, ImportResult, Progress, quarantine_summary
from earful.ingest.mapping import Mapping, load_mapping
from earful.ingest.readers import check_readable

__all__ = ["FORMATS", "ImportResult", "ingest_file", "quarantine_summary"]

MAPPED_FORMATS = ("csv", "jsonl", "json", "parquet", "intervals")
FORMATS: dict[str, str] = {
    "csv": "CSV with a mapping file",
    "jsonl": "JSON Lines with a mapping file",
    "json": "a JSON document (array, API page or stream of objects) with a mapping file",
    "parquet": "Parquet with a mapping file",
    "earful": "earful's canonical JSON Lines (docs/formats.md)",
    **{name: desc for name, (desc, _) in ADAPTERS.items()},
    "intervals": "interval or daily reports from an ACD or WFM system (CSV with an interval mapping)",
}


def _canonical(batch: ImportBatch, path: Path, mapping: Mapping | None, **kw) -> None:
    ingest_jsonl(batch, path, None, canonical=True, **kw)


_READERS: dict[str, Callable[..., None]] = {
    "csv": ingest_csv, "jsonl": ingest_jsonl, "json": ingest_json, "parquet": ingest_parquet, "earful": _canonical,
    **{name: reader for name, (_, reader) in ADAPTERS.items()},
    "intervals": ingest_intervals,
}


def default_source(path: Path, fmt: str) -> str | None:
    """The `source` a named format gives its records when the user names none (None: the data must)."""
    if fmt == "intents":
        return f"{path.parent.name}_{path.stem}"
    return DEFAULT_SOURCES.get(fmt)


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    fmt: str,
    mapping: str | Path | Mapping | None = None,
    *,
    source: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    progress: Progress | None = None,
    update: bool = False,
    dry_run: bool = False,
    keep_identifiers: bool = False,
) -> ImportResult:
    """Import one file in one transaction and say what happened.

    Raises ``EarfulError`` (nothing written) for a file or mapping that cannot be used at
    all; row-level problems are quarantined instead and counted in the result. ``update``
    replaces stored records whose content changed; ``dry_run`` does everything, keeps the first
    rows as mapped in ``result.preview`` and rolls back; ``keep_identifiers`` stores phone
    numbers and e-mail addresses in customer ids and metadata as they are instead of hashed.
    """
    path = Path(path)
    if fmt not in _READERS:
        raise InputError(f"unknown format {fmt!r}", hint="one of " + ", ".join(FORMATS))
    check_readable(path)
    if fmt in MAPPED_FORMATS and mapping is None:
        raise InputError(f"--format {fmt} needs --mapping FILE",
                         hint=f"`earful ingest {path} --infer` prints a starting mapping")
    if fmt == "intervals":
        m = load_interval_mapping(mapping)
    else:
        m = load_mapping(mapping) if isinstance(mapping, (str, Path)) else mapping
    src = source or (m.source if m else None) or default_source(path, fmt)
    if fmt in MAPPED_FORMATS and not src:
        raise InputError("the mapping names no source system for these records",
                         hint="add `source: NAME` to the mapping (e.g. the platform's name) or pass --source")
    options = {"source": src, "encoding": encoding, "delimiter": delimiter, "mapping": _mapping_digest(m)}
    if keep_identifiers:
        options["keep_identifiers"] = True

    def new_batch() -> ImportBatch:
        if fmt == "intervals":  # its own table and rules (earful.ingest.intervals)
            return IntervalBatch(con, path, fmt, options, source_tz=m.timezone if m else None, dry_run=dry_run)
        return ImportBatch(con, path, fmt, options, source_tz=m.timezone if m else None, mapping=m,
                           update=update, dry_run=dry_run, keep_identifiers=keep_identifiers)

    batch = new_batch()
    previous = None if dry_run else batch.previous_import()
    if previous is not None and not update:
        r = batch.result
        r.already_imported, r.import_id = True, previous
        r.rows_read, r.skipped = con.execute(
            "SELECT rows_read, rows_loaded + rows_skipped FROM imports WHERE import_id = ?", [previous]).fetchall()[0]
        r.notes.append(f"the same file was imported as import {previous}: nothing new")
        return r
    return run_import(batch, lambda b, lenient: _READERS[fmt](
        b, path, m, source=src, encoding=encoding, delimiter=delimiter, progress=progress, lenient=lenient),
        progress, new_batch)


def run_import(batch: ImportBatch, read: Callable[[ImportBatch, bool], None], progress: Progress | None,
               new_batch: Callable[[], ImportBatch]) -> ImportResult:
    """Begin, read, finish: one transaction, rolled back on any error; a CSV the strict parser gives up
    on is read again leniently."""
    path = batch.path
    for lenient in (False, True):
        batch.begin()
        try:
            with _poll_progress(batch.con, progress):
                read(batch, lenient)
            if lenient:
                batch.result.notes.append("read leniently: the strict CSV parser gave up on this file "
                                          "(a bare carriage return or stray quote inside a value)")
            return batch.finish(progress)
        except EarfulError:
            batch.rollback()
            raise
        except duckdb.Error as exc:
            batch.rollback()
            if not lenient and "invalid state" in str(exc):
                batch = new_batch()
                continue
            raise InputError(f"cannot import {path.name}: {_first_line(exc)}") from None
        except RecursionError:
            batch.rollback()
            raise InputError(f"cannot import {path.name}: it is nested too deeply to read") from None
        except BaseException:
            batch.rollback()
            raise
    raise AssertionError("unreachable")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _mapping_digest(m: Mapping | None) -> str | None:
    if m is None:
        return None
    return hashlib.sha256(json.dumps(repr(m), sort_keys=True).encode()).hexdigest()[:16]


class _poll_progress:
    """While one long DuckDB statement runs, report its progress from a side thread."""

    def __init__(self, con: duckdb.DuckDBPyConnection, progress: Progress | None) -> None:
        self.con, self.progress = con, progress
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "_poll_progress":
        if self.progress is not None:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            try:
                pct = self.con.query_progress()
            except Exception:  # noqa: BLE001 - progress is best effort
                return
            if pct is not None and pct >= 0 and self.progress:
                self.progress(0.9 * pct / 100.0, "reading")

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
