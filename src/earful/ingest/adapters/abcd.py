"""ABCD (Action-Based Conversations Dataset): agent/customer chats with flow/subflow labels."""

from __future__ import annotations

import json
from pathlib import Path

from earful.errors import InputError
from earful.ingest.generic import stage_records
from earful.ingest.load import ImportBatch, Progress
from earful.ingest.mapping import Mapping
from earful.ingest.readers import check_readable

_SPEAKER = {"agent": "agent", "customer": "customer", "action": "system"}


def ingest_abcd(batch: ImportBatch, path: Path, mapping: Mapping | None = None, *, source: str = "abcd",
                progress: Progress | None = None, **_: object) -> None:
    """One chat per dialogue: turns in order (actions as system turns), `flow/subflow` as disposition."""
    check_readable(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path.name} is not ABCD JSON: {exc}") from None
    if isinstance(data, dict):  # the full corpus: {"train": [...], "dev": [...], "test": [...]}
        dialogues = [(split, d) for split, items in data.items() for d in (items or [])]
    elif isinstance(data, list):
        dialogues = [(None, d) for d in data]
    else:
        raise InputError(f"{path.name} must hold a list of dialogues (or an object of splits)")
    good = []
    for row, (split, d) in enumerate(dialogues, start=1):
        raw = json.dumps(d, ensure_ascii=False)[:100_000]
        if not isinstance(d, dict) or "convo_id" not in d or not isinstance(d.get("original"), list):
            batch.reject(row, "convo_id", "not an ABCD dialogue (needs convo_id and original)", raw)
            continue
        scenario = d.get("scenario") or {}
        turns = []
        for t in d["original"]:
            if isinstance(t, list) and len(t) == 2:
                turns.append({"speaker": _SPEAKER.get(str(t[0]).lower(), str(t[0])), "text": t[1]})
            else:
                turns.append({"speaker": None, "text": json.dumps(t)})
        flow, subflow = scenario.get("flow"), scenario.get("subflow")
        personal = scenario.get("personal") or {}
        good.append((row, {
            "source": source, "source_id": str(d["convo_id"]), "channel": "chat",
            "customer_id": personal.get("username"),
            "disposition": f"{flow}/{subflow}" if flow and subflow else flow,
            "metadata": {"flow": flow, "subflow": subflow, "split": split, "scenario": scenario},
            "turns": turns,
        }, raw))
    if good:
        stage_records(batch, good, mapping=None, source=source)
