"""Notifications on real loopback servers: a webhook receiver that fails, is killed mid-delivery and
restarted (nothing lost), back-off retries, HMAC signatures, and e-mail through aiosmtpd."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest

from _ledger import SECRET, _free_port, _log, _Sink, _start, add_insight, write
from earful.ledger import deliver, load_routing, queue_reminders, route_insights, share_new
from earful.ledger.lifecycle import routes
from earful.ledger.notify import sign, verify

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
        rep = deliver(con, cfg, retry_for_s=1.5, base_delay_s=0.05)
        assert rep.delivered == 0 and rep.pending == 1 and rep.attempted >= 3
    finally:
        proc.kill()
        proc.wait()
    times = [r[0] for r in con.execute("SELECT at_time FROM ledger_deliveries ORDER BY id").fetchall()]
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
    assert all(g >= 0.05 * 2**i for i, g in enumerate(gaps))  # attempt n+1 waits 0.05 × 2^(n-1) s at least
    nxt, = con.execute("SELECT next_attempt_at - max(d.at_time) FROM ledger_outbox o JOIN ledger_deliveries d"
                       " ON d.outbox_id = o.id GROUP BY o.next_attempt_at").fetchone()
    assert nxt.total_seconds() == pytest.approx(0.05 * 2 ** (len(times) - 1))   # the next wait doubles again
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


def test_sender_killed_mid_delivery_loses_nothing(tmp_path):
    """`earful route --deliver` killed while sending: the next run sends the rest; the only
    duplicates are messages sent but not yet recorded (at most one commit batch)."""
    import os
    import signal

    from earful.store import connect

    db, port, log = tmp_path / "s.duckdb", _free_port(), tmp_path / "received.jsonl"
    con = connect(db)
    _setup(con, tmp_path, port, 40)
    con.close()
    env = {**os.environ, "EARFUL_WEBHOOK_SECRET": SECRET}
    cmd = [sys.executable, "-m", "earful.cli", "route", "--rules", str(tmp_path / "routing.yaml"), "--deliver",
           "--db", str(db)]
    proc = _start(port, log, "--delay-s", "0.05")
    try:
        sender = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while len(_log(log)) < 15 and time.time() < deadline and sender.poll() is None:
            time.sleep(0.01)
        sender.send_signal(signal.SIGKILL)
        sender.wait()
        first = len(_log(log))
        assert 15 <= first < 40, first                       # really killed mid-delivery
        again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        assert again.returncode == 0, again.stderr
    finally:
        proc.kill()
        proc.wait()
    got = [g["key"] for g in _log(log)]
    con = connect(db)
    keys = {k for (k,) in con.execute("SELECT idempotency_key FROM ledger_outbox").fetchall()}
    assert con.execute("SELECT count(*) FROM ledger_outbox WHERE status <> 'delivered'").fetchone()[0] == 0
    con.close()
    assert set(got) == keys and len(keys) == 40             # nothing lost
    dupes = len(got) - len(set(got))
    assert dupes <= 20                                       # at most one unrecorded batch (commit_every)


def test_redirect_is_not_taken_for_delivered(con, tmp_path, secret_env):
    """A receiver answering 302 has not taken the message (a followed redirect would drop the body)."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    hits = []

    class Redirect(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            hits.append("POST")
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):
            hits.append("GET")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    srv = HTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        cfg = _setup(con, tmp_path, srv.server_address[1], 1)
        rep = deliver(con, cfg)
    finally:
        srv.shutdown()
    assert hits == ["POST"] and rep.delivered == 0 and rep.pending == 1
    assert con.execute("SELECT last_error FROM ledger_outbox").fetchone()[0] == "HTTP 302"


def test_email_with_starttls_and_login(con, tmp_path, secret_env, monkeypatch):
    """STARTTLS with the server's certificate verified against `ca_file`, then AUTH LOGIN."""
    import shutil
    import ssl

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(str(cert), str(key))
    logins = []

    def auth(server, session, envelope, mechanism, data):
        logins.append((data.login, data.password))
        return AuthResult(success=data.login == b"earful" and data.password == b"pw-123")

    smtp_port = _free_port()
    cfg = _setup(con, tmp_path, _free_port(), 1, email_port=smtp_port)
    text = (tmp_path / "routing.yaml").read_text().replace(
        "sender: earful@centre.example}", f"sender: earful@centre.example, starttls: true, ca_file: {cert}, "
                                         "username: earful, password_env: SMTP_PW}")
    cfg = load_routing(write(tmp_path / "routing.yaml", text))
    monkeypatch.setenv("SMTP_PW", "pw-123")
    sink = _Sink()
    ctl = Controller(sink, hostname="127.0.0.1", port=smtp_port, tls_context=tls, require_starttls=True,
                     authenticator=auth, auth_required=True)
    ctl.start()
    try:
        rep = deliver(con, cfg)
    finally:
        ctl.stop()
    assert rep.delivered == 1 and len(sink.messages) == 1 and logins == [(b"earful", b"pw-123")]
