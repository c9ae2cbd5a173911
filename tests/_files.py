"""Generators of call-detail files for ingest tests (valid, and broken on purpose)."""

from __future__ import annotations

import json
from pathlib import Path

HEADER = "call_id,queue,agent,offered_at,wait_s,talk_s,abandoned,notes"
MAPPING = """\
source: pbx
fields:
  source_id: call_id
  channel: {value: voice}
  queue: queue
  agent_id: agent
  offered_at: {column: offered_at, format: "%Y-%m-%d %H:%M:%S"}
  wait_s: wait_s
  talk_s: talk_s
  abandoned: abandoned
  text: notes
"""


def call_row(i: int, *, delim: str = ",", agent: str | None = None) -> str:
    fields = [f"C{i:06d}", f"Q{i % 3}", agent or f"A{i % 7}", f"2025-08-{1 + i % 28:02d} {8 + i % 10:02d}:{i % 60:02d}:00",
              str(i % 90), str(60 + i % 300), "true" if i % 9 == 0 else "false", f"note {i}"]
    return delim.join(fields)


def write_calls(path: Path, n: int, *, delim: str = ",", extra: list[str] | None = None) -> Path:
    lines = [HEADER.replace(",", delim)] + [call_row(i, delim=delim) for i in range(n)] + (extra or [])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_mapping(path: Path, text: str = MAPPING) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def canonical_record(i: int, **over) -> dict:
    rec = {"source": "sim", "source_id": f"S{i:07d}", "channel": "chat", "queue": "cards",
           "offered_at": f"2025-08-{1 + i % 28:02d}T09:{i % 60:02d}:00", "wait_s": i % 50, "abandoned": False,
           "turns": [{"speaker": "customer", "text": f"my card {i} was declined", "at": "2025-08-01T09:00:00"},
                     {"speaker": "agent", "text": "let me check that for you", "at": "2025-08-01T09:00:30"}]}
    rec.update(over)
    return rec


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path
