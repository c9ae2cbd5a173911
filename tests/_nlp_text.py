"""Shared helpers for the nlp-text tests: real carrier sentences and a small canonical file."""

from __future__ import annotations

import csv
import json
from pathlib import Path


def banking77_texts(shared_data: Path) -> list[str]:
    with open(shared_data / "banking77" / "train.csv", encoding="utf-8", newline="") as f:
        return [row["text"] for row in csv.DictReader(f)]


def write_canonical(path: Path, rows: list[dict]) -> Path:
    """Write canonical earful JSON Lines (docs/formats.md)."""
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    return path


def chat_rows(texts: list[str], start: int = 0) -> list[dict]:
    """Chats built from real BANKING77 utterances, some with planted PII and an ending."""
    rows = []
    for i, text in enumerate(texts):
        n = start + i
        turns = [{"speaker": "agent", "text": "Hello, how can I help?"},
                 {"speaker": "customer", "text": text}]
        if n % 3 == 0:
            turns += [{"speaker": "agent", "text": "Can I have your card number?"},
                      {"speaker": "customer", "text": "sure it's 4111 1111 1111 1111 and my email is pat.doe@example.com"}]
        if n % 4 == 0:
            turns += [{"speaker": "customer", "text": "Thanks a lot, that fixed it, great help!"}]
        rows.append({"source": "chat", "source_id": f"c{n}", "channel": "chat",
                     "offered_at": f"2025-08-01T09:{n % 60:02d}:00", "turns": turns})
    return rows
