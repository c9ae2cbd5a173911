"""The generic readers with a mapping (CSV, Parquet, JSON Lines, JSON) and earful's own JSON Lines.

Every reader ends in the same place: a canonical SELECT that ``ImportBatch`` loads (in one pass
for a CSV or Parquet file) or stages (records read in batches); named adapters
(``earful.ingest.adapters``) are mappings or SQL over these same readers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from earful.errors import InputError
from earful.ingest._sql import canonical_select
from earful.ingest.load import UNNUMBERED, ImportBatch, Progress
from earful.ingest.mapping import CANONICAL_FIELDS, FieldSpec, Mapping
from earful.ingest.readers import (
    CsvSource,
    ParquetSource,
    iter_json_records,
    iter_jsonl,
    records_table,
    turns_table,
)

Records = Iterator[tuple[list[tuple[int, dict, str]], list[tuple[int, str, str]]]]


def check_columns(mapping: Mapping, columns: list[str], path: Path, *, nested: bool = False) -> None:
    """Every column the mapping names must exist in the file (a wrong delimiter shows here).

    ``nested``: JSON records, where ``Agent.Username`` is found through its first part.
    """
    have = set(columns)
    missing = sorted(c for c in mapping.columns_used() if c not in have and not (nested and c.split(".")[0] in have))
    if not missing:
        return
    shown = ", ".join(columns[:12]) + (" …" if len(columns) > 12 else "")
    hint = None
    if len(columns) == 1 and any(d in columns[0] for d in ";|\t,"):
        hint = "the header was read as one column: is the delimiter right? (set `delimiter:` or --delimiter)"
    elif nested:
        hint = "reach into nested objects with a dotted path, e.g. Agent.Username"
    raise InputError(f"the mapping names column {missing[0]!r} that {path.name} lacks (it has: {shown})", hint=hint)


def ingest_csv(batch: ImportBatch, path: Path, mapping: Mapping, *, source: str,
               encoding: str | None = None, delimiter: str | None = None, progress: Progress | None = None,
               lenient: bool = False, **_: object) -> None:
    """Load a CSV file through a mapping, in one streaming DuckDB statement."""
    src = CsvSource(path, encoding=encoding or mapping.encoding, delimiter=delimiter or mapping.delimiter, strict=not lenient)
    if src.encoding != "utf-8":
        batch.result.notes.append(f"read as {src.encoding} (not valid UTF-8)")
    cols = src.columns()
    check_columns(mapping, cols, path)
    batch.load_direct(canonical_select(mapping, source=source, from_sql=src.from_sql(numbered=False),
                                       row_expr=UNNUMBERED, raw_columns=cols, **batch.rules))
    batch.csv_rejects(src.rejects_table)


def ingest_parquet(batch: ImportBatch, path: Path, mapping: Mapping, *, source: str,
                   progress: Progress | None = None, lenient: bool = False, **_: object) -> None:
    """Load a Parquet file through a mapping (DuckDB streams its row groups)."""
    src = ParquetSource(path)
    cols = src.columns(batch.con)
    check_columns(mapping, cols, path)
    batch.load_direct(canonical_select(mapping, source=source, from_sql=src.from_sql(cols), row_expr=UNNUMBERED,
                                       raw_columns=cols, **batch.rules))


def ingest_jsonl(batch: ImportBatch, path: Path, mapping: Mapping | None, *, source: str | None,
                 encoding: str | None = None, progress: Progress | None = None, canonical: bool = False,
                 **_: object) -> None:
    """Stage JSON Lines in bounded batches: through a mapping, or as earful's canonical records.

    Canonical records (``canonical=True``, docs/formats.md) name their own `source` and may
    carry `turns`; a bad line is quarantined and the rest load.
    """
    enc = encoding or (mapping.encoding if mapping else None)
    stage_batches(batch, path, iter_jsonl(path, encoding=enc), None if canonical else mapping, source=source,
                  progress=progress)


def ingest_json(batch: ImportBatch, path: Path, mapping: Mapping, *, source: str, encoding: str | None = None,
                progress: Progress | None = None, **_: object) -> None:
    """Stage a JSON document's records (an array, an API page wrapping one, or objects one after another)."""
    stage_batches(batch, path, iter_json_records(path, encoding=encoding or mapping.encoding), mapping,
                  source=source, progress=progress)


def stage_batches(batch: ImportBatch, path: Path, records: Records, mapping: Mapping | None, *, source: str | None,
                  progress: Progress | None = None, shape: Callable[[dict], dict] | None = None,
                  total_bytes: int | None = None) -> None:
    """Stage batches of (row, object, raw) records: refusals quarantined, the rest through `mapping`
    (earful's canonical records when None); ``shape`` turns a platform's record into canonical form first."""
    total = max(total_bytes if total_bytes is not None else path.stat().st_size, 1)
    done_bytes = 0
    checked = False
    for good, bad in records:
        for row, reason, raw in bad:
            batch.reject(row, None, reason, raw)
        if shape is not None:
            good = _shaped(batch, good, shape)
        if not good:
            continue
        if mapping is not None and not checked:
            check_columns(mapping, sorted(set().union(*(obj.keys() for _, obj, _ in good))), path, nested=True)
            checked = True
        stage_records(batch, good, mapping=mapping, source=source)
        done_bytes += sum(len(line) + 1 for _, _, line in good)
        if progress:
            progress(min(0.9, 0.9 * done_bytes / total), f"staged {batch_rows(batch)} records")


def _shaped(batch: ImportBatch, good: list[tuple[int, dict, str]], shape: Callable[[dict], dict]
            ) -> list[tuple[int, dict, str]]:
    out = []
    for row, obj, raw in good:
        try:
            out.append((row, shape(obj), raw))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            batch.reject(row, None, f"not a record of this format ({type(exc).__name__}: {str(exc)[:80]})", raw)
    return out


def stage_records(batch: ImportBatch, good: list[tuple[int, dict, str]], *, mapping: Mapping | None,
                  source: str | None) -> None:
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
    if not good:
        return
    if mapping is not None and not source:
        raise InputError("the records name no source system", hint="add `source:` to the mapping or pass --source")
    batch.stage_arrow("_records", records_table(good, keys), canonical_select(
        m, source=source or "", from_sql="_records", row_expr="_rownum", raw_columns=[], raw_sql="_line",
        source_sql="source" if mapping is None else None, **batch.rules))
    if turns is not None and turns.num_rows:
        batch.con.register("_turns_batch", turns)
        try:
            batch.stage_turns("_turns_batch")
        finally:
            batch.con.unregister("_turns_batch")


def batch_rows(batch: ImportBatch) -> int:
    """Rows staged so far (for progress lines)."""
    return int(batch.con.execute("SELECT count(*) FROM _stage").fetchall()[0][0])
