"""Exports kept apart from the inference: written after its rules were frozen and never tuned on.

`bench/infer.py` measures how many of their fields come out wrong after `--infer` with no edit;
docs/exports.md reports the figure beside the set the rules were developed on (tests/_exports.py).
Shapes follow each product's export as its help pages describe it (sources in docs/exports.md).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from _exports import BASE, Export, _hms, _write_csv


def aircall_calls_csv(folder: Path, n: int = 300, seed: int = 21) -> Export:
    """Aircall's calls export: direction, status (answered/missed/voicemail/abandoned), UTC times, seconds."""
    rng = random.Random(seed)
    header = ["id", "direction", "status", "missed_call_reason", "started_at", "answered_at", "ended_at",
              "duration", "raw_digits", "user", "number", "tags", "comments"]
    rows, truth = [], {}
    for i in range(n):
        t = BASE + timedelta(seconds=i * 173)
        status = rng.choice(["answered"] * 5 + ["missed", "voicemail", "abandoned"])
        talk = rng.randrange(20, 900) if status == "answered" else 0
        ans = t + timedelta(seconds=rng.randrange(3, 40)) if status == "answered" else None
        cid = str(812345000 + i)
        rows.append([cid, "inbound", status, "" if status == "answered" else "no_available_agent",
                     t.strftime("%Y-%m-%d %H:%M:%S UTC"), ans.strftime("%Y-%m-%d %H:%M:%S UTC") if ans else "",
                     (t + timedelta(seconds=talk + 45)).strftime("%Y-%m-%d %H:%M:%S UTC"), talk,
                     f"+44 20 7946 {i:04d}", f"Agent {rng.randrange(10)}" if ans else "", "Support line", "", ""])
        truth[cid] = {"offered_at": t, "answered_at": ans, "talk_s": float(talk),
                      "abandoned": {"answered": False, "missed": True, "abandoned": True, "voicemail": None}[status]}
    return Export("Aircall calls export", _write_csv(folder / "aircall_calls.csv", header, rows), "csv", n, truth)


def ringcentral_call_log_csv(folder: Path, n: int = 300, seed: int = 22) -> Export:
    """RingCentral's call log export: Date and Time apart (AM/PM), H:MM:SS duration, Action Result."""
    rng = random.Random(seed)
    header = ["Type", "Phone Number", "Name", "Date", "Time", "Action", "Action Result", "Result Description",
              "Duration", "Included", "Purchased"]
    rows, truth = [], {}
    for i in range(n):
        t = BASE + timedelta(seconds=i * 211)
        result = rng.choice(["Call connected"] * 5 + ["Missed", "Voicemail"])
        dur = rng.randrange(20, 1500) if result == "Call connected" else 0
        rows.append(["Voice", f"(415) 555-{i:04d}", f"Caller {i}", t.strftime("%a %m/%d/%Y"), t.strftime("%I:%M %p"),
                     "Phone Call", result, "", _hms(dur), "", ""])
        truth[str(i)] = {"talk_s": float(dur)}
    return Export("RingCentral call log", _write_csv(folder / "ringcentral_calls.csv", header, rows), "csv", n, truth)


def gorgias_tickets_csv(folder: Path, n: int = 300, seed: int = 23) -> Export:
    """Gorgias' ticket export: channel words, ISO times, customer e-mail, satisfaction."""
    rng = random.Random(seed)
    header = ["Ticket id", "Channel", "Status", "Created datetime", "First response datetime", "Closed datetime",
              "Assignee", "Customer email", "Customer name", "Subject", "Tags", "Satisfaction score"]
    rows, truth = [], {}
    for i in range(n):
        t = BASE + timedelta(seconds=i * 331)
        ch = rng.choice(["email", "chat", "facebook", "phone", "sms"])
        first = t + timedelta(seconds=rng.randrange(30, 30000))
        rows.append([70000 + i, ch, rng.choice(["closed", "open"]), t.strftime("%Y-%m-%dT%H:%M:%S"),
                     first.strftime("%Y-%m-%dT%H:%M:%S"), (first + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S"),
                     f"agent{rng.randrange(8)}@shop.example", f"buyer{i}@example.net", f"Buyer {i}", f"Order {i}",
                     "refund", rng.choice(["", "4", "5", "2"])])
        truth[str(70000 + i)] = {"offered_at": t, "answered_at": first,
                                 "channel": {"email": "email", "chat": "chat", "facebook": "social", "phone": "voice",
                                             "sms": "sms"}[ch]}
    return Export("Gorgias tickets", _write_csv(folder / "gorgias_tickets.csv", header, rows), "csv", n, truth)


def cxone_contact_history_csv(folder: Path, n: int = 400, seed: int = 24) -> Export:
    """NICE CXone contact history: Start Date and Start Time apart, media type words, Y/N abandon, seconds."""
    rng = random.Random(seed)
    header = ["Contact ID", "Master Contact ID", "Skill Name", "Agent Name", "Media Type", "Start Date", "Start Time",
              "ANI/From", "DNIS/To", "Abandon", "Inqueue Time", "Agent Time", "Hold Time", "ACW Time", "Disposition"]
    rows, truth = [], {}
    for i in range(n):
        t = BASE + timedelta(seconds=i * 97)
        ab = rng.random() < 0.12
        media = rng.choice(["Phone Call", "Phone Call", "Chat", "Email"])
        inq, agent = rng.randrange(0, 400), 0 if ab else rng.randrange(30, 900)
        cid = str(41500000000 + i * 3)
        rows.append([cid, cid, rng.choice(["Billing_IB", "Tech_IB"]), "" if ab else f"Agent {rng.randrange(20)}", media,
                     f"{t.month}/{t.day}/{t.year}", t.strftime("%I:%M:%S %p"), f"415555{i:04d}", "8005550100",
                     "Y" if ab else "N", inq, agent, 0, 0 if ab else rng.randrange(0, 60),
                     "" if ab else rng.choice(["Resolved", "Callback"])])
        truth[cid] = {"offered_at": t, "abandoned": ab, "wait_s": float(inq), "talk_s": float(agent),
                      "channel": {"Phone Call": "voice", "Chat": "chat", "Email": "email"}[media]}
    return Export("NICE CXone contact history", _write_csv(folder / "cxone_contacts.csv", header, rows), "csv", n, truth)


def builders():
    return [aircall_calls_csv, ringcentral_call_log_csv, gorgias_tickets_csv, cxone_contact_history_csv]
