"""Retrying quarantined rows after the mapping (or the store's limits) was fixed.

The quarantine keeps each refused record as it was read: the line of a JSON Lines file, or
the columns of a CSV or Parquet row as a JSON object. A retry runs those records through the
mapping again as one new import (its `retry_of` names the import retried), in one
transaction: the rows that now pass load, the ones still refused are quarantined again under
the new import with their original row numbers, and the retried rows leave the old import's
quarantine. Rows the file reader itself refused (a broken CSV line) and repeated ids are left
where they are: no mapping can fix those.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb

from earful.errors import InputError
from earful.ingest import MAPPED_FORMATS, _mapping_digest, run_import
from earful.ingest.generic import stage_batches
from earful.ingest.load import ImportBatch, ImportResult, Progress
from earful.ingest.mapping import Mapping, load_mapping, parse_mapping
from earful.ingest.readers import decode_record

RETRYABLE = MAPPED_FORMATS + ("earful",)


def last_import_with_quarantine(con: duckdb.DuckDBPyConnection, file: str | Path | None = None) -> int | None:
    """The latest import (of ``file``, when given) that left rows in quarantine."""
    sql = ("SELECT max(i.import_id) FROM imports i WHERE EXISTS (SELECT 1 FROM quarantine q WHERE q.import_id = i.import_id)"
           + (" AND i.file = ?" if file is not None else ""))
    row = con.execute(sql, [str(Path(file).resolve())] if file is not None else []).fetchall()
    return int(row[0][0]) if row and row[0][0] is not None else None


def retry_quarantine(con: duckdb.DuckDBPyConnection, import_id: int, mapping: str | Path | Mapping | None = None, *,
                     progress: Progress | None = None, update: bool = False, dry_run: bool = False) -> ImportResult:
    """Run import ``import_id``'s quarantined records through ``mapping`` (default: the mapping it used)."""
    row = con.execute("SELECT file, format, options, mapping_text FROM imports WHERE import_id = ?", [import_id]).fetchall()
    if not row:
        raise InputError(f"there is no import {import_id}", hint="`earful status` lists the imports")
    file, fmt, options, mapping_text = row[0]
    if fmt not in RETRYABLE:
        raise InputError(f"import {import_id} read the named format {fmt!r}, whose rows cannot be re-mapped",
                         hint="fix the file and import it again")
    m = load_mapping(mapping) if isinstance(mapping, (str, Path)) else mapping
    if m is None and fmt != "earful":
        if not mapping_text:
            raise InputError(f"import {import_id}'s mapping was not kept", hint="pass the fixed one with --mapping FILE")
        m = parse_mapping(mapping_text, origin=f"import {import_id}'s mapping")
    opts = json.loads(options) if isinstance(options, str) else (options or {})
    source = (m.source if m else None) or opts.get("source")
    queued = con.execute(
        "SELECT rowid, row_number, raw FROM quarantine WHERE import_id = ? AND raw IS NOT NULL "
        "AND NOT (field = 'source_id' AND starts_with(reason, 'duplicate source_id')) ORDER BY row_number", [import_id]).fetchall()
    records = []
    for rid, row_number, raw in queued:
        obj, _ = decode_record(raw)
        if obj is not None:
            records.append((rid, row_number, obj, raw))
    digest = hashlib.sha256(("\n".join(raw for *_, raw in records) + str(_mapping_digest(m))).encode()).hexdigest()
    batch = ImportBatch(con, Path(file), fmt if fmt != "json" else "json",
                        {"retry_of": import_id, "source": source, "mapping": _mapping_digest(m)},
                        source_tz=m.timezone if m else None, mapping=m, update=update, dry_run=dry_run,
                        sha256=digest, retry_of=import_id)
    if not records:
        batch.result.notes.append(f"import {import_id} has no quarantined records a mapping could fix")
        return batch.result
    retried = [rid for rid, *_ in records]

    def read(b: ImportBatch, lenient: bool) -> None:
        chunks = ((records_chunk, []) for records_chunk in _chunks([(n, o, raw) for _, n, o, raw in records]))
        stage_batches(b, b.path, chunks, m, source=source, progress=progress,
                      total_bytes=sum(len(raw) + 1 for *_, raw in records))

    def forget_retried(b: ImportBatch) -> None:
        b.con.execute("DELETE FROM quarantine WHERE import_id = ? AND rowid IN (SELECT unnest(?))", [import_id, retried])
        b.result.notes.append(f"retried {len(retried):,} quarantined records of import {import_id}: "
                              f"{b.result.loaded:,} loaded, {b.result.quarantined:,} still refused")

    batch.before_commit.append(forget_retried)
    return run_import(batch, read, progress, lambda: batch)


def _chunks(items: list, size: int = 20_000):
    for i in range(0, len(items), size):
        yield items[i:i + size]
