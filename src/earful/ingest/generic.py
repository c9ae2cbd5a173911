"""The generic readers with a mapping (CSV, JSON Lines, Parquet) and earful's own JSON Lines.

Every reader ends in the same place: a canonical SELECT staged by ``ImportBatch``; named
adapters (``earful.ingest.adapters``) are mappings or SQL over these same readers.
"""

from __future__ import annotations

from pathlib import Path

from earful.errors import InputError
from earful.ingest._sql import canonical_select
from earful.ingest.load import UNNUMBERED, ImportBatch, Progress
from earful.ingest.mapping import CANONICAL_FIELDS, FieldSpec, Mapping
from earful.ingest.readers import CsvSource, ParquetSource, iter_jsonl, records_table, turns_table


def check_columns(mapping: Mapping, columns: list[str], path: Path) -> None:
    """Every column the mapping names must exist in the file (a wrong delimiter shows here)."""
    missing = sorted(mapping.columns_used() - set(columns))
    if not missing:
        return
    shown = ", ".join(columns[:12]) + (" …" if len(columns) > 12 else "")
    hint = None
    if len(columns) == 1 and any(d in columns[0] for d in ";|\t,"):
        hint = "the header was read as one column: is the delimiter right? (set `delimiter:` or --delimiter)"
    raise InputError(f"the mapping names column {missing[0]!r} that {path.name} lacks (it has: {shown})", hint=hint)


def ingest_csv(batch: ImportBatch, path: Path, mapping: Mapping, *, source: str,
               encoding: str | None = None, delimiter: str | None = None, progress: Progress | None = None,
               lenient: bool = False, **_: object) -> None:
    """Stage a CSV file through a mapping, in one streaming DuckDB statement."""
    src = CsvSource(path, encoding=encoding or mapping.encoding, delimiter=delimiter or mapping.delimiter, strict=not lenient)
    if src.encoding != "utf-8":
        batch.result.notes.append(f"read as {src.encoding} (not valid UTF-8)")
    cols = src.columns()
    check_columns(mapping, cols, path)
    batch.stage_sql(canonical_select(mapping, source=source, from_sql=src.from_sql(numbered=False), row_expr=UNNUMBERED,
                                     raw_columns=cols, centre_tz=batch.centre_tz, source_tz=batch.source_tz),
                    rows_from_rowid=True)
    batch.csv_rejects(src.rejects_table)


def ingest_parquet(batch: ImportBatch, path: Path, mapping: Mapping, *, source: str,
                   progress: Progress | None = None, lenient: bool = False, **_: object) -> None:
    """Stage a Parquet file through a mapping (DuckDB streams its row groups)."""
    src = ParquetSource(path)
    cols = src.columns(batch.con)
    check_columns(mapping, cols, path)
    batch.stage_sql(canonical_select(mapping, source=source, from_sql=src.from_sql(cols), row_expr="_rownum",
                                     raw_columns=cols, centre_tz=batch.centre_tz, source_tz=batch.source_tz))


def ingest_jsonl(batch: ImportBatch, path: Path, mapping: Mapping | None, *, source: str,
                 encoding: str | None = None, progress: Progress | None = None, canonical: bool = False,
                 **_: object) -> None:
    """Stage JSON Lines in bounded batches: through a mapping, or as earful's canonical records.

    Canonical records (``canonical=True``, docs/formats.md) name their own `source` and may
    carry `turns`; a bad line is quarantined and the rest load.
    """
    total = max(path.stat().st_size, 1)
    done_bytes = 0
    checked = False
    for good, bad in iter_jsonl(path, encoding=encoding or (mapping.encoding if mapping else None)):
        for row, reason, raw in bad:
            batch.reject(row, None, reason, raw)
        if not good:
            continue
        if not canonical and not checked:
            assert mapping is not None
            check_columns(mapping, sorted(set().union(*(obj.keys() for _, obj, _ in good))), path)
            checked = True
        stage_records(batch, good, mapping=None if canonical else mapping, source=source)
        done_bytes += sum(len(line) + 1 for _, _, line in good)
        if progress:
            progress(min(0.9, 0.9 * done_bytes / total), f"staged {batch_rows(batch)} records")


def stage_records(batch: ImportBatch, good: list[tuple[int, dict, str]], *, mapping: Mapping | None,
                  source: str) -> None:
    """Stage in-memory records (row, object, raw text): canonical ones when `mapping` is None."""
    turns = None
    if mapping is None:
        turns, bad_turns = turns_table([(row, obj.get("turns")) for row, obj, _ in good])
        refused = {row for row, _ in bad_turns}
        raw_of = {row: line for row, _, line in good if row in refused}
        for row, reason in bad_turns:
            batch.reject(row, "turns", reason, raw_of[row])
        good = [g for g in good if g[0] not in refused]
        keys = list(CANONICAL_FIELDS) + ["source"]
        m = Mapping(fields={c: FieldSpec(column=c) for c in CANONICAL_FIELDS})
    else:
        m = mapping
        keys = sorted(m.columns_used())
    batch.stage_arrow("_records", records_table(good, keys), canonical_select(
        m, source=source, from_sql="_records", row_expr="_rownum", raw_columns=[], raw_sql="_line",
        source_sql="source" if mapping is None else None, centre_tz=batch.centre_tz, source_tz=batch.source_tz))
    if turns is not None and turns.num_rows:
        batch.con.register("_turns_batch", turns)
        try:
            batch.stage_turns("_turns_batch")
        finally:
            batch.con.unregister("_turns_batch")


def batch_rows(batch: ImportBatch) -> int:
    """Rows staged so far (for progress lines)."""
    return int(batch.con.execute("SELECT count(*) FROM _stage").fetchall()[0][0])
