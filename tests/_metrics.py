"""Small hand-checkable call logs for the metrics tests, loaded through the canonical importer."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from earful.ingest import ingest_file

BASE = dt.datetime(2025, 8, 4, 9, 0, 0)  # a Monday


def call(n: int, *, at: dt.datetime | str = BASE, wait: float | None = 10, talk: float | None = 100,
         abandoned: bool = False, hold: float | None = None, wrap: float | None = None, queue: str = "billing",
         agent: str | None = "a1", customer: str | None = None, channel: str = "voice", **extra) -> dict:
    """One canonical record: answered after ``wait`` s (or abandoned after ``wait`` s) at ``at``."""
    at = dt.datetime.fromisoformat(at) if isinstance(at, str) else at
    rec: dict = {"source": "t", "source_id": f"c{n}", "channel": channel, "queue": queue, "offered_at": at.isoformat()}
    if wait is not None:
        rec["wait_s"] = wait
    if abandoned:
        rec["abandoned"] = True
        rec["ended_at"] = (at + dt.timedelta(seconds=wait or 0)).isoformat()
    else:
        rec["abandoned"] = False
        ans = at + dt.timedelta(seconds=wait or 0)
        rec["answered_at"] = ans.isoformat()
        rec["ended_at"] = (ans + dt.timedelta(seconds=talk or 0)).isoformat()
        rec["agent_id"] = agent
        if talk is not None:
            rec["talk_s"] = talk
        if hold is not None:
            rec["hold_s"] = hold
        if wrap is not None:
            rec["wrap_s"] = wrap
    if customer is not None:
        rec["customer_id"] = customer
    rec.update(extra)
    return {k: v for k, v in rec.items() if v is not None}


def load(con, tmp_path: Path, records: list[dict], name: str = "calls.jsonl") -> None:
    """Write ``records`` as canonical JSONL and import them; every row must load."""
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = ingest_file(con, path, fmt="earful")
    assert result.quarantined == 0, result.as_dict()
