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


def _write_csv(path: Path, header: list[str], rows: list[list], *, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path


def connect_ctr_jsonl(folder: Path, n: int = 400, seed: int = 2) -> Export:
    """Amazon Connect contact records as JSON Lines (nested Agent, Queue, CustomerEndpoint), read with --infer."""
    rng = random.Random(seed)
    lines, truth = [], {}
    for i in range(n):
        start = BASE + timedelta(seconds=i * 97)
        queued = rng.random() > 0.1
        answered = queued and rng.random() > 0.15
        wait = rng.randrange(1, 300)
        cid = f"{rng.getrandbits(32):08x}-0000-4000-8000-{i:012d}"
        rec = {"AWSAccountId": "123456789012", "ContactId": cid, "Channel": rng.choice(["VOICE", "VOICE", "CHAT"]),
               "InitiationMethod": "INBOUND", "InitiationTimestamp": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
               "DisconnectTimestamp": (start + timedelta(seconds=600)).strftime("%Y-%m-%dT%H:%M:%SZ"),
               "CustomerEndpoint": {"Address": f"+1415555{i:04d}", "Type": "TELEPHONE_NUMBER"},
               "Queue": {"Name": rng.choice(["Billing", "Support"]), "Duration": wait,
                         "EnqueueTimestamp": (start + timedelta(seconds=20)).strftime("%Y-%m-%dT%H:%M:%SZ")} if queued else None,
               "Agent": {"Username": f"agent{rng.randrange(20)}", "AgentInteractionDuration": rng.randrange(30, 600),
                         "CustomerHoldDuration": rng.randrange(0, 60), "AfterContactWorkDuration": rng.randrange(0, 90),
                         "ConnectedToAgentTimestamp": (start + timedelta(seconds=20 + wait)).strftime("%Y-%m-%dT%H:%M:%SZ")}
               if answered else None,
               "DisconnectReason": rng.choice(["CUSTOMER_DISCONNECT", "AGENT_DISCONNECT"])}
        lines.append(json.dumps(rec))
        truth[cid] = {"channel": rec["Channel"].lower(), "wait_s": float(wait) if queued else None,
                      "talk_s": float(rec["Agent"]["AgentInteractionDuration"]) if answered else None}
    path = folder / "ctr.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Export("Amazon Connect contact records (JSON Lines, nested objects)", path, "jsonl", n, truth)


def genesys_interactions_csv(folder: Path, n: int = 500, seed: int = 3) -> Export:
    """Genesys Cloud's Interactions view exported to CSV: durations in milliseconds ("Total Talk" …), ANI, wrap-up."""
    rng = random.Random(seed)
    header = ["Date", "Conversation ID", "Users - Interacted", "Queue", "Direction", "Media Type", "ANI", "DNIS",
              "Wrap-up", "Abandoned", "Total Queue", "Total Talk", "Total Hold", "Total ACW", "Total Handle"]
    rows, truth = [], {}
    for i in range(n):
        t = BASE + timedelta(seconds=i * 61)
        abandoned = rng.random() < 0.12
        queue_ms, talk_ms = rng.randrange(1000, 200000), 0 if abandoned else rng.randrange(20000, 900000)
        hold_ms, acw_ms = (0, 0) if abandoned else (rng.randrange(0, 60000), rng.randrange(0, 120000))
        cid = f"9f{rng.getrandbits(48):012x}-{i:06d}"
        rows.append([t.strftime("%m/%d/%Y %I:%M:%S %p"), cid, "" if abandoned else f"Agent {rng.randrange(25)}",
                     rng.choice(["Sales", "Service"]), "Inbound", rng.choice(["Voice", "Voice", "Chat", "Email"]),
                     f"tel:+1317555{i:04d}", "tel:+18005550199", "" if abandoned else rng.choice(["Billing", "Order status"]),
                     "YES" if abandoned else "NO", queue_ms, talk_ms, hold_ms, acw_ms, talk_ms + hold_ms + acw_ms])
        truth[cid] = {"offered_at": t, "abandoned": abandoned, "talk_s": talk_ms / 1000.0}
    path = _write_csv(folder / "genesys_interactions.csv", header, rows)
    return Export("Genesys Cloud Interactions view (CSV, milliseconds, AM/PM dates)", path, "csv", n, truth)


def twilio_call_log_csv(folder: Path, n: int = 300, seed: int = 4) -> Export:
    """Twilio's call logs exported from the console: Call SID, RFC 2822 times, Duration (s), Status, From/To."""
    rng = random.Random(seed)
    header = ["Date Created", "Start Time", "End Time", "Duration", "From", "To", "Direction", "Status", "Price",
              "Price Unit", "Call Sid"]
    rows, truth = [], {}
    for i in range(n):
        t = (BASE + timedelta(seconds=i * 211)).replace(tzinfo=timezone.utc)
        status = rng.choice(["completed"] * 6 + ["no-answer", "busy", "canceled"])
        dur = rng.randrange(10, 900) if status == "completed" else 0
        sid = f"CA{rng.getrandbits(128):032x}"
        rows.append([t.strftime("%a, %d %b %Y %H:%M:%S %z"), t.strftime("%a, %d %b %Y %H:%M:%S %z"),
                     (t + timedelta(seconds=dur)).strftime("%a, %d %b %Y %H:%M:%S %z"), dur, f"+1415555{i:04d}",
                     "+18005550100", "inbound", status, "-0.0085", "USD", sid])
        truth[sid] = {"offered_at": t.replace(tzinfo=None), "talk_s": float(dur)}
    path = _write_csv(folder / "twilio_calls.csv", header, rows)
    return Export("Twilio call logs (CSV, RFC 2822 times with a zone)", path, "csv", n, truth)


def zendesk_tickets_csv(folder: Path, n: int = 300, seed: int = 5) -> Export:
    """Zendesk Support's ticket CSV export: Id, Requester, Requester email, Via, Created at, First reply time in minutes …"""
    rng = random.Random(seed)
    header = ["Id", "Requester", "Requester id", "Requester email", "Assignee", "Group", "Subject", "Status", "Priority",
              "Via", "Ticket type", "Created at", "Solved at", "First reply time in minutes", "Satisfaction Score", "Tags"]
    rows, truth = [], {}
    for i in range(n):
        t = BASE + timedelta(seconds=i * 367)
        reply = rng.randrange(1, 600)
        via = rng.choice(["Mail", "Web form", "Chat", "Phone call (inbound)"])
        rows.append([1000 + i, f"Customer {i}", 50000 + rng.randrange(250), f"customer{i}@example.com",
                     f"Agent {rng.randrange(12)}", rng.choice(["Support", "Billing"]), f"Question {i}",
                     rng.choice(["Solved", "Closed", "Open"]), rng.choice(["Normal", "High", ""]), via,
                     rng.choice(["Question", "Incident", "Problem"]), t.strftime("%Y-%m-%d %H:%M:%S"),
                     (t + timedelta(hours=5)).strftime("%Y-%m-%d %H:%M:%S"), reply, rng.choice(["Good", "Bad", "Offered", ""]),
                     "cards"])
        truth[str(1000 + i)] = {"offered_at": t, "wait_s": reply * 60.0,
                                "channel": {"Mail": "email", "Web form": "email", "Chat": "chat", "Phone call (inbound)": "voice"}[via]}
    path = _write_csv(folder / "zendesk_tickets.csv", header, rows)
    return Export("Zendesk ticket export (CSV, minutes, requester e-mails)", path, "csv", n, truth)


def freshdesk_tickets_csv(folder: Path, n: int = 300, seed: int = 6) -> Export:
    """Freshdesk's ticket export (CSV): Ticket ID, Source, Agent, Group, Created time, Resolved time, Contact ID, Email."""
    rng = random.Random(seed)
    header = ["Ticket ID", "Subject", "Status", "Priority", "Source", "Type", "Agent", "Group", "Created time",
              "Due by Time", "Resolved time", "Closed time", "Initial response time", "Full name", "Contact ID", "Email"]
    rows, truth = [], {}
    for i in range(n):
        t = BASE + timedelta(seconds=i * 293)
        first = t + timedelta(seconds=rng.randrange(60, 20000))
        src = rng.choice(["Email", "Portal", "Phone", "Chat"])
        rows.append([i + 1, f"Refund {i}", rng.choice(["Resolved", "Closed", "Open"]), "Medium", src, "Refund",
                     f"Agent {rng.randrange(9)}", "Returns", t.strftime("%Y-%m-%d %H:%M:%S"),
                     (t + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S"), (t + timedelta(hours=6)).strftime("%Y-%m-%d %H:%M:%S"),
                     "", first.strftime("%Y-%m-%d %H:%M:%S"), f"Person {i}", 9000 + rng.randrange(200), f"p{i}@example.org"])
        truth[str(i + 1)] = {"offered_at": t, "answered_at": first,
                             "channel": {"Email": "email", "Portal": "email", "Phone": "voice", "Chat": "chat"}[src]}
    path = _write_csv(folder / "freshdesk_tickets.csv", header, rows)
    return Export("Freshdesk ticket export (CSV, contact ids and e-mails)", path, "csv", n, truth)


def five9_call_log_csv(folder: Path, n: int = 500, seed: int = 7) -> Export:
    """Five9's Call Log report: CALL ID, DATE and TIME apart, ANI, SKILL, DISPOSITION, H:MM:SS times."""
    rng = random.Random(seed)
    header = ["CALL ID", "DATE", "TIME", "CAMPAIGN", "CALL TYPE", "AGENT NAME", "SKILL", "ANI", "DNIS", "DISPOSITION",
              "QUEUE WAIT TIME", "TALK TIME", "HOLD TIME", "AFTER CALL WORK TIME", "HANDLE TIME"]
    rows, truth = [], {}
    for i in range(n):
        t = BASE + timedelta(seconds=i * 71)
        disp = rng.choice(["Resolved", "Resolved", "Transferred To 3rd Party", "Abandon", "Caller Disconnected"])
        abandoned = disp in ("Abandon",)
        wait, talk = rng.randrange(0, 500), 0 if abandoned else rng.randrange(20, 1200)
        cid = str(300000000 + i * 17)
        rows.append([cid, t.strftime("%Y/%m/%d"), t.strftime("%H:%M:%S"), "Inbound Care", "Inbound",
                     "" if abandoned else f"Agent {rng.randrange(30)}", rng.choice(["English", "Spanish"]),
                     f"415555{i:04d}", "8005550100", disp, _hms(wait), _hms(talk), _hms(0), _hms(rng.randrange(0, 90)),
                     _hms(talk + 30)])
        truth[cid] = {"offered_at": t, "wait_s": float(wait), "talk_s": float(talk),
                      "transferred": disp == "Transferred To 3rd Party"}
    path = _write_csv(folder / "five9_call_log.csv", header, rows)
    return Export("Five9 call log (DATE and TIME apart, H:MM:SS, dispositions)", path, "csv", n, truth)


def talkdesk_calls_csv(folder: Path, n: int = 400, seed: int = 8) -> Export:
    """Talkdesk's calls report: ISO times with an offset, Call Type (inbound, abandoned, missed, voicemail), seconds."""
    rng = random.Random(seed)
    header = ["Call ID", "Call Type", "Start Time", "End Time", "Wait Time", "Talk Time", "Hold Time", "Ring Groups",
              "Agent Name", "Customer Phone Number", "Disposition", "Rating"]
    rows, truth = [], {}
    for i in range(n):
        t = (BASE + timedelta(seconds=i * 131)).replace(tzinfo=timezone(timedelta(hours=-4)))
        kind = rng.choice(["inbound"] * 6 + ["abandoned", "short_abandoned", "missed", "voicemail"])
        talk = rng.randrange(30, 900) if kind == "inbound" else 0
        wait = rng.randrange(0, 200)
        cid = f"{rng.getrandbits(64):016x}"
        rows.append([cid, kind, t.isoformat(), (t + timedelta(seconds=wait + talk)).isoformat(), wait, talk, 0,
                     rng.choice(["support", "sales"]), f"Agent {rng.randrange(15)}" if talk else "", f"+1 (415) 555-{i:04d}",
                     rng.choice(["Resolved", "Escalated", ""]) if talk else "", rng.choice(["", "good", "bad"])])
        truth[cid] = {"offered_at": t.astimezone(timezone.utc).replace(tzinfo=None), "talk_s": float(talk),
                      "abandoned": {"inbound": False, "abandoned": True, "short_abandoned": True, "missed": True,
                                    "voicemail": None}[kind]}
    path = _write_csv(folder / "talkdesk_calls.csv", header, rows)
    return Export("Talkdesk calls (ISO times with offsets, call types)", path, "csv", n, truth,
                  edit=('"inbound": null', '"inbound": false'), edit_why="an inbound call that was not abandoned was answered")


def intercom_conversations_json(folder: Path, n: int = 200, seed: int = 9) -> Export:
    """Intercom conversations as the API lists them: a JSON page, epoch-second times, nested source and statistics."""
    rng = random.Random(seed)
    convs, truth = [], {}
    for i in range(n):
        created = int((BASE + timedelta(seconds=i * 401)).replace(tzinfo=timezone.utc).timestamp())
        reply = created + rng.randrange(30, 7200)
        cid = str(1911149811 + i)
        convs.append({"type": "conversation", "id": cid, "created_at": created, "updated_at": reply + 100,
                      "state": rng.choice(["open", "closed"]), "admin_assignee_id": 814860 + rng.randrange(5),
                      "team_assignee_id": 5017691, "source": {"type": "conversation", "delivered_as": "customer_initiated",
                                                              "author": {"type": "user", "id": f"5310d8e7{i:04d}",
                                                                         "email": f"user{i}@example.com"},
                                                              "body": f"<p>Help with order {i}</p>"},
                      "statistics": {"first_contact_reply_at": reply, "time_to_assignment": rng.randrange(0, 60)}})
        truth[cid] = {"offered_at": datetime.fromtimestamp(created, timezone.utc).replace(tzinfo=None)}
    path = folder / "intercom_conversations.json"
    path.write_text(json.dumps({"type": "conversation.list", "conversations": convs, "total_count": n}), encoding="utf-8")
    return Export("Intercom conversations (a JSON API page, epoch seconds, nested objects)", path, "json", n, truth,
                  edit=('"conversation": ???', '"conversation": chat'), edit_why="say which channel a conversation is")


def asterisk_cdr_csv(folder: Path, n: int = 400, seed: int = 10) -> Export:
    """An Asterisk CDR exported with a header, semicolons and Latin-1 caller names: billsec, disposition."""
    rng = random.Random(seed)
    header = ["calldate", "clid", "src", "dst", "dcontext", "channel", "dstchannel", "lastapp", "duration", "billsec",
              "disposition", "uniqueid"]
    rows, truth = [], {}
    for i in range(n):
        t = BASE + timedelta(seconds=i * 83)
        disp = rng.choice(["ANSWERED"] * 5 + ["NO ANSWER", "BUSY", "FAILED"])
        bill = rng.randrange(5, 900) if disp == "ANSWERED" else 0
        uid = f"{1754298000 + i * 83}.{i}"
        rows.append([t.strftime("%Y-%m-%d %H:%M:%S"), f'"{rng.choice(["José", "Zoë", "Ana"])}" <0{rng.randrange(10**9, 10**10)}>',
                     f"0{rng.randrange(10**9, 10**10)}", "600", "from-trunk", f"SIP/trunk-{i:08x}", f"SIP/{200 + i % 20}-x",
                     "Dial", bill + rng.randrange(0, 30), bill, disp, uid])
        truth[uid] = {"offered_at": t, "talk_s": float(bill), "abandoned": {"ANSWERED": False, "NO ANSWER": True,
                                                                          "BUSY": None, "FAILED": None}[disp]}
    path = _write_csv(folder / "asterisk_cdr.csv", header, rows, delimiter=";", encoding="latin-1")
    return Export("Asterisk CDR (semicolons, Latin-1, billsec and dispositions)", path, "csv", n, truth)


def warehouse_parquet(folder: Path, n: int = 500, seed: int = 11) -> Export:
    """A data-warehouse extract as Parquet: typed timestamps and integer seconds, snake_case names."""
    import duckdb

    rng = random.Random(seed)
    rows, truth = [], {}
    for i in range(n):
        t = BASE + timedelta(seconds=i * 59)
        ab = rng.random() < 0.1
        rows.append((f"int-{i:06d}", rng.choice(["voice", "chat", "email"]), t, None if ab else t + timedelta(seconds=30),
                     rng.randrange(0, 300), 0 if ab else rng.randrange(30, 900), ab, f"acct{rng.randrange(800)}",
                     rng.choice(["retail", "business"])))
        truth[f"int-{i:06d}"] = {"offered_at": t, "abandoned": ab}
    con = duckdb.connect()
    con.execute("CREATE TABLE x (interaction_id VARCHAR, channel VARCHAR, created_at TIMESTAMP, answered_at TIMESTAMP, "
                "queue_seconds INTEGER, handle_seconds INTEGER, is_abandoned BOOLEAN, account_id VARCHAR, segment VARCHAR)")
    con.executemany("INSERT INTO x VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    path = folder / "warehouse.parquet"
    con.execute(f"COPY x TO '{path}' (FORMAT parquet)")
    return Export("Warehouse extract (Parquet, typed columns)", path, "parquet", n, truth)


def builders():
    """Every export of the evaluation set, in the order docs/exports.md lists them."""
    return [crm_call_log, connect_ctr_jsonl, genesys_interactions_csv, twilio_call_log_csv, zendesk_tickets_csv,
            freshdesk_tickets_csv, five9_call_log_csv, talkdesk_calls_csv, intercom_conversations_json, asterisk_cdr_csv,
            warehouse_parquet]
