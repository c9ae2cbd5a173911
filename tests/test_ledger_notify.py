"""Notifications on real loopback servers: a webhook receiver that fails, is killed mid-delivery and
restarted (nothing lost), back-off retries, HMAC signatures, and e-mail through aiosmtpd."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from _ledger import add_insight, write
from earful.ledger import deliver, load_routing, queue_reminders, route_insights, share_new
from earful.ledger.lifecycle import routes
from earful.ledger.notify import sign, verify

RECEIVER = Path(__file__).with_name("_ledger_receiver.py")
SECRET = "s3cret-for-tests"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(port: int, log: Path, *extra: str) -> subprocess.Popen:
    p = subprocess.Popen([sys.executable, str(RECEIVER), str(port), str(log), SECRET, *extra])
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return p
        except OSError:
            time.sleep(0.02)
    p.kill()
    raise RuntimeError("receiver did not start")


def _log(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def _setup(con, tmp_path, port, n, email_port=None):
    text = (f"departments:\n  billing:\n    webhook: http://127.0.0.1:{port}/hook\n"
            + (f"    email: [billing-lead@company.example]\n" if email_port else "")
            + "rules:\n  - when: {kind: driver}\n    to: billing\n")
    if email_port:
        text += f"smtp: {{host: 127.0.0.1, port: {email_port}, sender: earful@centre.example}}\n"
    cfg = load_routing(write(tmp_path / "routing.yaml", text))
    for i in range(n):
        add_insight(con, f"ins{i:02d}", "driver", reason="atm_fee",
                    evidence={"quotes": [{"interaction_id": f"x{i}", "text": f"why a fee [CARD] {i}"}]})
    route_insights(con, cfg, now=datetime(2025, 9, 1))
    assert share_new(con, cfg) == n
    return cfg


@pytest.fixture()
def secret_env(monkeypatch):
    monkeypatch.setenv("EARFUL_WEBHOOK_SECRET", SECRET)


def test_signature_roundtrip():
    body = b'{"a": 1}'
    assert verify("k", body, sign("k", body)) and not verify("k", body + b" ", sign("k", body))
    assert not verify("other", body, sign("k", body))


def test_receiver_killed_mid_delivery_and_restarted_loses_nothing(con, tmp_path, secret_env):
    port, log = _free_port(), tmp_path / "received.jsonl"
    cfg = _setup(con, tmp_path, port, 8)
    assert {r["state"] for r in routes(con)} == {"shared"}
    keys = {r[0] for r in con.execute("SELECT idempotency_key FROM ledger_outbox").fetchall()}
    assert len(keys) == 8
    proc = _start(port, log, "--die-after", "3", "--fail-every", "2")
    try:
        rep = deliver(con, cfg, base_delay_s=60)   # no retry inside this call: back-off is 60 s
        assert proc.wait(timeout=10) == 3           # the receiver died on its 3rd request
        # request 1 ok, 2 got 503, 3 arrived then the receiver died, 4..8 refused
        assert rep.delivered == 1 and rep.pending == 7
        assert deliver(con, cfg).attempted == 0     # nothing is due before its back-off
        proc = _start(port, log)                    # restarted on the same port
        later = datetime.now() + timedelta(minutes=5)
        rep = deliver(con, cfg, now=lambda: later)
        assert rep.delivered == 7 and rep.pending == 0
    finally:
        proc.kill()
        proc.wait()
    got = _log(log)
    assert all(g["sig_ok"] for g in got) and all(g["key"] == g["body_key"] for g in got)
    accepted = [g["key"] for g in got if g["answer"] == 200]
    assert set(accepted) | {g["key"] for g in got if g["answer"] == -1} == keys   # nothing lost
    assert len(accepted) == len(set(accepted))                                 # no duplicate acceptances
    # at least once: only the request the dying receiver swallowed came twice
    counts = {k: sum(g["key"] == k for g in got) for k in keys}
    died = [g["key"] for g in got if g["answer"] == -1]
    assert len(died) == 1 and counts[died[0]] == 2
    assert con.execute("SELECT count(*) FROM ledger_outbox WHERE status = 'delivered'").fetchone()[0] == 8
    log_rows = con.execute("SELECT outbox_id, attempt, ok FROM ledger_deliveries ORDER BY id").fetchall()
    assert sum(ok for *_, ok in log_rows) == 8 and len(log_rows) == 8 + 7     # every attempt is logged
    assert deliver(con, cfg, now=lambda: later + timedelta(hours=2)).attempted == 0  # nothing sent twice


def test_backoff_retries_within_one_call(con, tmp_path, secret_env):
    port, log = _free_port(), tmp_path / "received.jsonl"
    cfg = _setup(con, tmp_path, port, 1)
    proc = _start(port, log, "--fail-every", "1")   # every request fails
    try:
        rep = deliver(con, cfg, retry_for_s=0.5, base_delay_s=0.05)
        assert rep.delivered == 0 and rep.pending == 1 and rep.attempted >= 3
    finally:
        proc.kill()
        proc.wait()
    times = [r[0] for r in con.execute("SELECT at_time FROM ledger_deliveries ORDER BY id").fetchall()]
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.10  # 0.05 × 2^(n-1)
    assert gaps[1] > gaps[0] * 1.5
    proc = _start(port, log)
    try:
        rep = deliver(con, cfg, retry_for_s=5, base_delay_s=0.05)
        assert rep.delivered == 1 and rep.pending == 0
    finally:
        proc.kill()
        proc.wait()


def test_wrong_secret_is_refused_and_kept(con, tmp_path, monkeypatch):
    monkeypatch.setenv("EARFUL_WEBHOOK_SECRET", "not-the-receivers")
    port, log = _free_port(), tmp_path / "received.jsonl"
    cfg = _setup(con, tmp_path, port, 1)
    proc = _start(port, log)
    try:
        rep = deliver(con, cfg)
    finally:
        proc.kill()
        proc.wait()
    assert rep.delivered == 0 and rep.pending == 1 and _log(log)[0]["answer"] == 401
    assert con.execute("SELECT last_error FROM ledger_outbox").fetchone()[0] == "HTTP 401"


def test_max_attempts_marks_dead_but_keeps_it(con, tmp_path, secret_env):
    cfg = _setup(con, tmp_path, _free_port(), 1)  # nobody listens
    rep = deliver(con, cfg, retry_for_s=2, base_delay_s=0.01, max_attempts=3)
    assert rep.dead == 1 and rep.attempted == 3
    assert con.execute("SELECT status, attempts FROM ledger_outbox").fetchone() == ("dead", 3)


class _Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def test_email_over_smtp_with_outage(con, tmp_path, secret_env):
    from email import message_from_bytes

    from aiosmtpd.controller import Controller

    smtp_port, web_port = _free_port(), _free_port()
    cfg = _setup(con, tmp_path, web_port, 2, email_port=smtp_port)
    rep = deliver(con, cfg, base_delay_s=1)   # SMTP and webhook both down: all kept
    assert rep.delivered == 0 and rep.pending == 4
    sink = _Sink()
    ctl = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    ctl.start()
    try:
        later = datetime.now() + timedelta(minutes=1)
        rep = deliver(con, cfg, now=lambda: later)
    finally:
        ctl.stop()
    assert rep.delivered == 2 and rep.pending == 2  # the e-mails; the webhook receiver is still down
    assert len(sink.messages) == 2
    env = sink.messages[0]
    assert env.rcpt_tos == ["billing-lead@company.example"] and env.mail_from == "earful@centre.example"
    msg = message_from_bytes(env.content)
    assert msg["Subject"].startswith("[earful] driver:") and msg["X-Earful-Idempotency-Key"].endswith(":email")
    body = msg.get_payload(decode=True).decode()
    assert "why a fee [CARD]" in body and "insight id: ins0" in body


def test_reminders_queued_once_per_day(con, tmp_path, secret_env):
    cfg = _setup(con, tmp_path, _free_port(), 2)
    day = datetime(2025, 9, 20, 9)
    assert len(queue_reminders(con, cfg, 7, now=day)) == 2
    queue_reminders(con, cfg, 7, now=day + timedelta(hours=3))   # same day: no second message
    queue_reminders(con, cfg, 7, now=day + timedelta(days=1))
    kinds = [r[0] for r in con.execute("SELECT payload->>'event' FROM ledger_outbox ORDER BY id").fetchall()]
    assert kinds.count("insight.shared") == 2 and kinds.count("insight.reminder") == 4
