"""The platforms' documented exports, read by their named adapters.

Each sample is written here from the platform's published schema (the fields, their types and
the values its documentation lists; sources in docs/formats.md), the way its API or stream
delivers it: Amazon Connect contact records as a Firehose stream writes them (objects one
after another), a Genesys Cloud conversation details query page, a Twilio Calls list page, a
Zendesk incremental export page with metric sets, a Freshdesk ticket list with stats.
"""

from __future__ import annotations

import json

from earful.ingest import ingest_file


def _ctr(i: int, *, agent: bool = True, queued: bool = True, channel: str = "VOICE", method: str = "INBOUND",
         previous: str | None = None, transfer: bool = False) -> dict:
    start = f"2025-08-04T09:{i:02d}:00Z"
    rec = {
        "AWSAccountId": "123456789012", "AWSContactTraceRecordFormatVersion": "2017-03-10",
        "ContactId": f"6e0a1b2c-0000-4000-8000-{i:012d}", "InitialContactId": None, "PreviousContactId": previous,
        "Channel": channel, "InitiationMethod": method, "InitiationTimestamp": start,
        "DisconnectTimestamp": f"2025-08-04T09:{i:02d}:59Z", "DisconnectReason": "CUSTOMER_DISCONNECT",
        "CustomerEndpoint": {"Address": f"+1415555{i:04d}", "Type": "TELEPHONE_NUMBER"},
        "SystemEndpoint": {"Address": "+18005550100", "Type": "TELEPHONE_NUMBER"},
        "Queue": {"ARN": "arn:aws:connect:us-east-1:123456789012:instance/x/queue/q1", "Name": "BasicQueue",
                  "EnqueueTimestamp": f"2025-08-04T09:{i:02d}:05Z", "DequeueTimestamp": f"2025-08-04T09:{i:02d}:25Z",
                  "Duration": 20} if queued else None,
        "Agent": {"Username": f"agent{i % 3}", "ConnectedToAgentTimestamp": f"2025-08-04T09:{i:02d}:25Z",
                  "AgentInteractionDuration": 25, "CustomerHoldDuration": 5, "AfterContactWorkDuration": 10,
                  "NumberOfHolds": 1} if agent and queued else None,
        "TransferCompletedTimestamp": f"2025-08-04T09:{i:02d}:50Z" if transfer else None,
        "Attributes": {"greetingPlayed": "true"}, "Recording": None,
    }
    return rec


def test_amazon_connect_contact_records(con, tmp_path):
    recs = [_ctr(1), _ctr(2, agent=False), _ctr(3, queued=False), _ctr(4, channel="CHAT"),
            _ctr(5, method="TRANSFER", previous=_ctr(1)["ContactId"], transfer=True), _ctr(6, channel="TASK")]
    f = tmp_path / "ctr-stream"
    f.write_text("".join(json.dumps(r, indent=1) for r in recs))  # concatenated, as a Firehose delivers them
    r = ingest_file(con, f, "connect")
    assert (r.loaded, r.quarantined) == (5, 1)
    assert "TASK" in con.execute("SELECT reason FROM quarantine").fetchall()[0][0]
    rows = {sid[-1]: row for sid, *row in con.execute(
        "SELECT source_id, channel, queue, agent_id, offered_at, answered_at, wait_s, talk_s, hold_s, wrap_s, abandoned, "
        "transferred, related_id, metadata->>'ended_in', customer_id FROM interactions").fetchall()}
    assert rows["1"][:12] == ["voice", "BasicQueue", "agent1", rows["1"][3], rows["1"][4], 20.0, 25.0, 5.0, 10.0, False,
                              False, None]
    assert str(rows["1"][3]) == "2025-08-04 09:01:05" and str(rows["1"][4]) == "2025-08-04 09:01:25"
    assert rows["2"][9] is True and rows["2"][12] == "queue"        # queued, no agent: abandoned
    assert rows["3"][9] is None and rows["3"][12] == "ivr" and rows["3"][3] is None  # never queued: not offered
    assert rows["4"][0] == "chat"
    assert rows["5"][10] is True and rows["5"][11] == "connect:" + _ctr(1)["ContactId"]
    assert all(row[13].startswith("h:") for row in rows.values())  # the callers' numbers, hashed


def _participant(purpose: str, *, media: str = "voice", ani: str | None = None, queue: str | None = None,
                 user: str | None = None, start: str = "2025-08-04T10:00:00.000Z", metrics: dict | None = None,
                 wrapup: str | None = None, message_type: str | None = None) -> dict:
    segments = [{"segmentType": "interact", "segmentStart": start, "segmentEnd": "2025-08-04T10:05:00.000Z",
                 **({"queueId": queue} if queue else {})}]
    if wrapup:
        segments.append({"segmentType": "wrapup", "segmentStart": "2025-08-04T10:05:00.000Z",
                         "segmentEnd": "2025-08-04T10:05:30.000Z", "wrapUpCode": wrapup})
    session = {"mediaType": media, "sessionId": "s-" + purpose, "direction": "inbound", "segments": segments,
               "metrics": [{"name": k, "value": v, "emitDate": "2025-08-04T10:05:00.000Z"} for k, v in (metrics or {}).items()]}
    if ani:
        session["ani"] = ani
    if message_type:
        session["messageType"] = message_type
    return {"participantId": "p-" + purpose, "purpose": purpose, **({"userId": user} if user else {}), "sessions": [session]}


def test_genesys_cloud_conversation_details(con, tmp_path):
    answered = {"conversationId": "a1", "conversationStart": "2025-08-04T09:59:40.000Z",
                "conversationEnd": "2025-08-04T10:05:30.000Z", "originatingDirection": "inbound",
                "participants": [_participant("customer", ani="tel:+13175550101"),
                                 _participant("ivr", start="2025-08-04T09:59:40.000Z"),
                                 _participant("acd", queue="q-cards", start="2025-08-04T09:59:50.000Z",
                                              metrics={"tAcd": 12500, "nOffered": 1}),
                                 _participant("agent", user="u-1", start="2025-08-04T10:00:02.500Z",
                                              metrics={"tTalk": 240000, "tHeld": 15000, "tAcw": 30000, "tHandle": 285000},
                                              wrapup="billing")]}
    abandoned = {"conversationId": "a2", "conversationStart": "2025-08-04T11:00:00.000Z",
                 "conversationEnd": "2025-08-04T11:01:00.000Z", "originatingDirection": "inbound",
                 "participants": [_participant("customer", ani="tel:+13175550102"),
                                  _participant("acd", queue="q-cards", start="2025-08-04T11:00:05.000Z",
                                               metrics={"tAcd": 55000, "tAbandon": 55000})]}
    sms = {"conversationId": "a3", "conversationStart": "2025-08-04T12:00:00.000Z", "originatingDirection": "inbound",
           "participants": [_participant("customer", media="message", message_type="sms", ani="+13175550103")]}
    f = tmp_path / "details.json"
    f.write_text(json.dumps({"conversations": [answered, abandoned, sms], "totalHits": 3}))
    r = ingest_file(con, f, "genesys")
    assert (r.loaded, r.quarantined) == (3, 0)
    got = {sid: row for sid, *row in con.execute(
        "SELECT source_id, channel, queue, agent_id, CAST(offered_at AS VARCHAR), CAST(answered_at AS VARCHAR), wait_s, "
        "talk_s, hold_s, wrap_s, abandoned, disposition FROM interactions").fetchall()}
    assert got["a1"] == ["voice", "q-cards", "u-1", "2025-08-04 09:59:50", "2025-08-04 10:00:02.5", 12.5, 240.0, 15.0,
                         30.0, False, "billing"]
    assert got["a2"][9] is True and got["a2"][5] == 55.0 and got["a2"][2] is None
    assert got["a3"][0] == "sms" and got["a3"][9] is None
    assert all(c.startswith("h:") for (c,) in con.execute("SELECT customer_id FROM interactions").fetchall())


def test_twilio_calls(con, tmp_path):
    def call(i, status, direction="inbound", duration="0", parent=None):
        return {"sid": f"CA{i:032x}", "account_sid": "AC" + "0" * 32, "parent_call_sid": parent,
                "date_created": "Mon, 04 Aug 2025 09:00:00 +0000", "start_time": f"Mon, 04 Aug 2025 09:{i:02d}:00 +0000",
                "end_time": f"Mon, 04 Aug 2025 09:{i:02d}:{int(duration) % 60:02d} +0000", "duration": duration,
                "status": status, "direction": direction, "from": f"+1415555{i:04d}", "to": "+18005550100",
                "answered_by": None, "price": "-0.0085", "price_unit": "USD"}
    calls = [call(1, "completed", duration="42"), call(2, "no-answer"), call(3, "busy"), call(4, "canceled"),
             call(5, "completed", "outbound-dial", "30", parent=f"CA{1:032x}")]
    f = tmp_path / "calls.json"
    f.write_text(json.dumps({"calls": calls, "page": 0, "page_size": 50, "next_page_uri": None}))
    r = ingest_file(con, f, "twilio")
    assert (r.loaded, r.quarantined) == (5, 0)
    got = {sid[-1]: row for sid, *row in con.execute(
        "SELECT source_id, direction, talk_s, abandoned, offered_at IS NULL, disposition, related_id FROM interactions").fetchall()}
    assert got["1"] == ["inbound", 42.0, False, False, "completed", None]
    assert got["2"][2] is True and got["4"][2] is True          # rang out, or the caller gave up
    assert got["3"][3] is True and got["3"][2] is None           # busy: never offered
    assert got["5"][0] == "outbound" and got["5"][5] == f"twilio:CA{1:032x}"


def test_zendesk_tickets_with_metric_sets(con, tmp_path):
    def ticket(i, via, reply_min=None):
        t = {"id": 35436 + i, "url": f"https://example.zendesk.com/api/v2/tickets/{35436 + i}.json", "type": "question",
             "subject": f"Card declined {i}", "description": "My card was declined at the shop.", "priority": "normal",
             "status": "solved", "requester_id": 20978392 + i, "submitter_id": 20978392 + i, "assignee_id": 235323,
             "group_id": 98738, "tags": ["cards"], "via": {"channel": via},
             "created_at": f"2025-08-04T09:{i:02d}:00Z", "updated_at": "2025-08-05T10:00:00Z",
             "satisfaction_rating": {"score": "good"}}
        if reply_min is not None:
            t["metric_set"] = {"ticket_id": t["id"], "reply_time_in_minutes": {"calendar": reply_min, "business": reply_min},
                               "solved_at": "2025-08-04T15:00:00Z"}
        return t
    f = tmp_path / "tickets.json"
    f.write_text(json.dumps({"tickets": [ticket(1, "email", 90), ticket(2, "chat"), ticket(3, "voice", 1),
                                         ticket(4, "twitter")], "end_of_stream": True, "end_time": 1754300000}))
    r = ingest_file(con, f, "zendesk")
    assert (r.loaded, r.quarantined) == (4, 0)
    got = {sid: row for sid, *row in con.execute(
        "SELECT source_id, channel, wait_s, CAST(ended_at AS VARCHAR), agent_id, queue, disposition, metadata->>'satisfaction', "
        "text FROM interactions").fetchall()}
    assert got["35437"][:7] == ["email", 5400.0, "2025-08-04 15:00:00", "235323", "98738", "question", "good"]
    assert got["35437"][7].startswith("Card declined 1\n\n")
    assert [got[k][0] for k in ("35438", "35439", "35440")] == ["chat", "voice", "social"]


def test_freshdesk_tickets_with_stats(con, tmp_path):
    def ticket(i, source, status=4, first=None):
        return {"id": 100 + i, "subject": "Refund", "description_text": "Where is my refund?", "status": status,
                "priority": 2, "source": source, "type": "Refund", "requester_id": 7000 + i, "responder_id": 42,
                "group_id": 9, "created_at": f"2025-08-04T09:00:0{i}Z", "updated_at": "2025-08-04T12:00:00Z",
                "tags": [], "stats": {"first_responded_at": first, "resolved_at": "2025-08-04T12:00:00Z"}}
    lines = [ticket(1, 1, first="2025-08-04T09:30:01Z"), ticket(2, 7), ticket(3, 3, first="2025-08-04T09:00:33Z"),
             ticket(4, 10)]
    f = tmp_path / "tickets.jsonl"
    f.write_text("\n".join(json.dumps(t) for t in lines) + "\n")
    r = ingest_file(con, f, "freshdesk")
    assert (r.loaded, r.quarantined) == (4, 0)
    got = {sid: row for sid, *row in con.execute(
        "SELECT source_id, channel, direction, wait_s, metadata->>'status', metadata->>'priority' FROM interactions").fetchall()}
    assert got["101"] == ["email", "inbound", 1800.0, "resolved", "medium"]
    assert got["102"][0] == "chat" and got["103"][:3] == ["voice", "inbound", 30.0] and got["104"][1] == "outbound"


def test_a_platform_file_of_the_wrong_shape_is_quarantined_record_by_record(con, tmp_path):
    f = tmp_path / "wrong.json"
    f.write_text(json.dumps([{"ContactId": "ok", "Channel": "VOICE", "DisconnectTimestamp": "2025-08-04T09:00:00Z"},
                             {"id": 5}, ["not", "a", "record"]]))
    r = ingest_file(con, f, "connect")
    assert (r.loaded, r.quarantined) == (1, 2)
    reasons = [x for (x,) in con.execute("SELECT reason FROM quarantine ORDER BY row_number").fetchall()]
    assert "KeyError" in reasons[0] and "not a JSON object" in reasons[1]
