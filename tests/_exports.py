"""Exports shaped like real systems' files, each with the truth it was written from.

Each builder writes a file the way a platform or a CRM exports it (the column names, value
formats and layout its documentation or its export screen gives; sources in docs/exports.md)
and returns what a correct load must give: the number of records, and a few values to check
per record. They were written from those column lists, not from earful's inference: the
inference has to meet them as a user's file would.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

BASE = datetime(2025, 8, 4, 8, 0, 0)


@dataclass
class Export:
    """A file written on disk and what loading it correctly must give."""

    name: str
    path: Path
    fmt: str
    rows: int
    truth: dict[str, dict] = field(default_factory=dict)  # source id -> canonical values to check
    bad_rows: int = 0
    edit: tuple[str, str] | None = None  # the one edit a user makes to the inferred mapping: (old, new)
    edit_why: str = ""


def _hms(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _phone(rng: random.Random) -> str:
    return f"+44 7700 {rng.randrange(900000, 999999)}"


def crm_call_log(folder: Path, n: int = 3000, *, bad: int = 0, seed: int = 1) -> Export:
    """A CRM's call log: date and time in separate columns, HH:MM:SS durations, outcome codes
    (AGENT, HANG, PHANTOM, XFER — the rare ones only far down), a client number and a phone column."""
    rng = random.Random(seed)
    rows, truth = [], {}
    for i in range(n):
        t = BASE + timedelta(seconds=i * 53 + rng.randrange(40))
        outcome = "AGENT" if i < n * 2 // 3 else rng.choice(["AGENT", "AGENT", "HANG", "PHANTOM", "XFER"])
        wait = rng.randrange(0, 400)
        talk = rng.randrange(60, 900) if outcome in ("AGENT", "XFER") else 0
        cid = f"C{i:07d}"
        rows.append([cid, t.strftime("%d/%m/%Y"), t.strftime("%H:%M:%S"), f"{400000 + rng.randrange(900)}",
                     _phone(rng), f"agent{rng.randrange(35):02d}", rng.choice(["Cards", "Loans", "Mortgages"]),
                     _hms(wait), _hms(talk), outcome])
        truth[cid] = {"offered_at": t, "wait_s": float(wait), "talk_s": float(talk),
                      "abandoned": {"AGENT": False, "XFER": False, "HANG": True, "PHANTOM": None}[outcome]}
    for k in range(bad):  # rows a person typed badly: a duration that is not one, a date that is not one
        j = n // 2 + k * 7
        rows[j][7 if k % 2 == 0 else 1] = "n/a" if k % 2 == 0 else "31/02/2025"
        truth.pop(rows[j][0])
    path = folder / "crm_calls.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Call Ref", "Date", "Time", "Client", "Phone", "Agent", "Queue", "Wait", "Talk", "Outcome"])
        w.writerows(rows)
    return Export("CRM call log (date and time apart, H:MM:SS, outcome codes)", path, "csv", n - bad, truth, bad)
