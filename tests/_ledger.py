"""Shared helpers for the ledger tests: insight rows written straight into the store."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "earful" / "ledger" / "examples"


def add_insight(con: Any, iid: str, kind: str, *, reason: str | None = None, topic: str | None = None,
                metrics: dict | None = None, evidence: dict | None = None, suggested: str | None = None,
                period_end: date = date(2025, 8, 31), created_at: datetime = datetime(2025, 9, 1, 8)) -> None:
    con.execute(
        "INSERT INTO insights (id, kind, title, summary, period_start, period_end, reason, topic, metrics, evidence,"
        " suggested_department, confidence, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [iid, kind, f"{kind} {reason or topic or iid}", "summary", date(period_end.year, period_end.month, 1),
         period_end, reason, topic, json.dumps(metrics or {}), json.dumps(evidence or {}), suggested, 0.9, created_at])


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
