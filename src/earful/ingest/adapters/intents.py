"""Intent-labelled utterances: `text,label` CSV (BANKING77) or CLINC150's JSON of splits.

Each utterance becomes a one-message chat interaction whose disposition is its label,
so the reason classifier can train `--from disposition`.
"""

from __future__ import annotations

import json
from pathlib import Path

from earful.errors import InputError
from earful.ingest._sql import canonical_select
from earful.ingest.generic import stage_records
from earful.ingest.load import UNNUMBERED, ImportBatch, Progress
from earful.ingest.mapping import FieldSpec, Mapping
from earful.ingest.readers import CsvSource, check_readable

LABEL_COLUMNS = ("label", "category", "intent")


def ingest_intents(batch: ImportBatch, path: Path, mapping: Mapping | None = None, *, source: str,
                   progress: Progress | None = None, lenient: bool = False, **_: object) -> None:
    """Stage a `text,label` CSV, or a CLINC150-style JSON object of `split: [[text, intent], ...]`."""
    check_readable(path)
    if path.suffix.lower() == ".json":
        _clinc(batch, path, source)
        return
    src = CsvSource(path, strict=not lenient)
    cols = src.columns()
    label = next((c for c in cols if c.lower() in LABEL_COLUMNS), None)
    if "text" not in cols or label is None:
        raise InputError(f"{path.name} needs a `text` column and a label column ({', '.join(LABEL_COLUMNS)})",
                         hint=f"it has: {', '.join(cols[:8])}")
    m = Mapping(fields={
        "source_id": FieldSpec(sql="CAST(_rownum AS VARCHAR)"),
        "channel": FieldSpec(value="chat"),
        "text": FieldSpec(column="text"),
        "disposition": FieldSpec(column=label),
    })
    batch.load_direct(canonical_select(m, source=source, from_sql=src.from_sql(), row_expr=UNNUMBERED,
                                       raw_columns=cols, **batch.rules))
    batch.csv_rejects(src.rejects_table)


def _clinc(batch: ImportBatch, path: Path, source: str) -> None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path.name} is not a JSON file of intent splits: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path.name} must be a JSON object of splits, e.g. {{\"train\": [[text, intent], ...]}}")
    good, row = [], 0
    for split, items in data.items():
        for i, item in enumerate(items if isinstance(items, list) else [None]):
            row += 1
            raw = json.dumps(item, ensure_ascii=False)
            if not (isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)):
                batch.reject(row, "text", f"{split}[{i}]: expected [text, intent]", raw)
                continue
            good.append((row, {"source": source, "source_id": f"{split}/{i}", "channel": "chat", "text": item[0],
                               "disposition": item[1], "metadata": {"split": split}}, raw))
    if good:
        stage_records(batch, good, mapping=None, source=source)
