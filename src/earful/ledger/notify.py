"""Notifications through an outbox: webhooks (JSON POST, HMAC-SHA256 signed) and e-mail (SMTP).

Every notification is first written to ``ledger_outbox`` with an idempotency key, in the
same transaction as the lifecycle change that caused it; ``deliver`` then sends what is
due, logs each attempt in ``ledger_deliveries`` and retries failures with exponential
back-off (``base_delay_s × 2^(attempts-1)``, capped at ``max_delay_s``). A receiver that is
down loses nothing: its messages stay pending until it answers 2xx. Delivery is at least
once; receivers de-duplicate on the ``X-Earful-Idempotency-Key`` header.

Webhook signatures cover a timestamp as well as the body (``t=<unix s>,v1=<hex HMAC-SHA256 of
"<t>.<raw body>">``, made afresh for every attempt), so a receiver can refuse a captured request
replayed later: :func:`verify` rejects a signature older (or newer) than ``tolerance_s``, and a
key already processed within that window is ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, Callable

import duckdb

from earful.errors import ConfigError
from earful.ledger import _config
from earful.ledger.lifecycle import overdue
from earful.ledger.routing import RoutingConfig, load_insights
from earful.store import transaction

SIGNATURE_HEADER = "X-Earful-Signature"
KEY_HEADER = "X-Earful-Idempotency-Key"
TOLERANCE_S = 300


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the shared secret>``."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={t},v1={_mac(secret, t, body)}"


def verify(secret: str, body: bytes, signature: str, *, tolerance_s: float = TOLERANCE_S,
           now: float | None = None) -> bool:
    """For receivers: whether the signature header is ours for this body and was made within
    ``tolerance_s`` seconds of ``now`` (default: the clock). Constant-time on the HMAC."""
    fields: dict[str, list[str]] = {}
    for part in (signature or "").split(","):
        key, _, value = part.strip().partition("=")
        fields.setdefault(key, []).append(value)
    try:
        t = int(fields["t"][0])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - t) > tolerance_s:
        return False
    expected = _mac(secret, t, body)
    return any(hmac.compare_digest(expected, v) for v in fields.get("v1", []))


def enqueue(con: duckdb.DuckDBPyConnection, *, key: str, channel: str, department: str, target: str,
            payload: dict[str, Any], subject: str | None = None, now: datetime | None = None) -> bool:
    """Add one message to the outbox; False (and nothing written) when the key is already there."""
    if channel not in ("webhook", "email"):
        raise ValueError(channel)
    now = now or datetime.now()
    if con.execute("SELECT 1 FROM ledger_outbox WHERE idempotency_key = ?", [key]).fetchone():
        return False
    con.execute("INSERT INTO ledger_outbox (idempotency_key, channel, department, target, subject, payload, status,"
                " attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
                [key, channel, department, target, subject, json.dumps(payload, default=str), now, now])
    return True


def _redactor() -> Callable[[str], str]:
    """``earful.nlp.redact.redact`` (fast rules): quotes are redacted by the insight engine, and
    once more here before they leave the centre. A quote the redactor fails on is withheld."""
    from earful.nlp.redact import redact

    def run(text: str) -> str:
        try:
            return redact(text, fast=True)
        except Exception:  # noqa: BLE001 - never send what could not be redacted
            return "[quote withheld: redaction failed]"

    return run


def _insight_payload(ins: dict[str, Any], department: str, event: str) -> dict[str, Any]:
    quotes = []
    ev = ins.get("evidence")
    if isinstance(ev, dict) and isinstance(ev.get("quotes"), list):
        redact = _redactor()
        quotes = [{**q, "text": redact(str(q.get("text", "")))} for q in ev["quotes"][:3] if isinstance(q, dict)]
    return {"event": event, "department": department, "insight": {
        "id": ins["id"], "kind": ins.get("kind"), "title": ins.get("title"), "summary": ins.get("summary"),
        "period_start": ins.get("period_start"), "period_end": ins.get("period_end"), "reason": ins.get("reason"),
        "topic": ins.get("topic"), "metrics": ins.get("metrics"), "quotes": quotes,
        "confidence": ins.get("confidence")}}


def _messages_for(config: RoutingConfig, department: str, key_base: str, payload: dict[str, Any],
                  subject: str) -> list[tuple[str, str, str, str, str, str]]:
    """(key, channel, department, target, subject, payload JSON) for each channel the department has."""
    dept = config.departments.get(department)
    if dept is None:
        return []
    body = json.dumps(payload, default=str)
    out = []
    if dept.webhook:
        out.append((f"{key_base}:webhook", "webhook", department, dept.webhook, subject, body))
    if dept.email:
        out.append((f"{key_base}:email", "email", department, ",".join(dept.email), subject, body))
    return out


def _enqueue_many(con: duckdb.DuckDBPyConnection, messages: list[tuple[str, str, str, str, str, str]],
                  now: datetime) -> int:
    """Queue messages in one statement; keys already in the outbox are skipped. Returns rows added."""
    if not messages:
        return 0
    have = {k for (k,) in con.execute("SELECT idempotency_key FROM ledger_outbox WHERE idempotency_key IN "
                                      "(SELECT unnest(?))", [[m[0] for m in messages]]).fetchall()}
    fresh = list({m[0]: m for m in messages if m[0] not in have}.values())
    _config.insert_rows(con, "ledger_outbox", ["idempotency_key", "channel", "department", "target", "subject",
                                                "payload", "status", "attempts", "next_attempt_at", "created_at"],
                        [(*m, "pending", 0, now, now) for m in fresh])
    return len(fresh)


def share_new(con: duckdb.DuckDBPyConnection, config: RoutingConfig, *, who: str = "earful",
              now: datetime | None = None) -> int:
    """Queue a notification for every route in state ``new`` and move it to ``shared``.

    The outbox rows and the state change are written in one transaction, so a route is
    never marked shared without its message safely queued. Returns routes shared.
    """
    now = now or datetime.now()
    pending = con.execute("SELECT insight_id, department FROM ledger_routes WHERE state = 'new'"
                          " ORDER BY routed_at, insight_id, department").fetchall()
    if not pending:
        return 0
    insights = {i["id"]: i for i in load_insights(con, sorted({p[0] for p in pending}))}
    messages = []
    for iid, dept in pending:
        ins = insights.get(iid, {"id": iid})
        payload = _insight_payload(ins, dept, "insight.shared")
        subject = f"[earful] {ins.get('kind', 'insight')}: {ins.get('title', iid)}"
        messages += _messages_for(config, dept, f"shared:{iid}:{dept}", payload, subject)
    with transaction(con):
        _enqueue_many(con, messages, now)
        # new → shared is always legal; done for the routes read above, with their history rows
        con.execute("CREATE OR REPLACE TEMP TABLE _earful_sharing AS SELECT unnest(?) AS insight_id, unnest(?) AS department",
                    [[p[0] for p in pending], [p[1] for p in pending]])
        con.execute("INSERT INTO ledger_history (insight_id, department, from_state, to_state, who, at_time)"
                    " SELECT r.insight_id, r.department, 'new', 'shared', ?, ? FROM ledger_routes r"
                    " JOIN _earful_sharing USING (insight_id, department) WHERE r.state = 'new'", [who, now])
        con.execute("UPDATE ledger_routes SET state = 'shared', updated_at = ? FROM _earful_sharing s"
                    " WHERE ledger_routes.insight_id = s.insight_id AND ledger_routes.department = s.department"
                    " AND ledger_routes.state = 'new'", [now])
        con.execute("DROP TABLE _earful_sharing")
    return len(pending)


def queue_reminders(con: duckdb.DuckDBPyConnection, config: RoutingConfig, days: int | None = None, *,
                    now: datetime | None = None) -> list[Any]:
    """Queue one reminder per day for each route left unacknowledged more than ``days`` days."""
    now = now or datetime.now()
    days = config.remind_after_days if days is None else days
    late = overdue(con, days, now=now)
    messages = []
    for o in late:
        payload = {"event": "insight.reminder", "department": o.department, "days_open": o.days_open,
                   "state": o.state, "insight": {"id": o.insight_id, "title": o.title}}
        subject = f"[earful] reminder: '{o.title or o.insight_id}' waiting {o.days_open} days"
        messages += _messages_for(config, o.department,
                                  f"reminder:{o.insight_id}:{o.department}:{now.date().isoformat()}", payload, subject)
    _enqueue_many(con, messages, now)
    return late


@dataclass
class DeliveryReport:
    attempted: int = 0
    delivered: int = 0
    failed: int = 0
    pending: int = 0
    dead: int = 0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is a failure: following it would turn the signed POST into a GET without body."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _send_webhook(row: dict[str, Any], config: RoutingConfig | None, timeout_s: float) -> str:
    dept = config.departments.get(row["department"]) if config else None
    env = dept.secret_env if dept else "EARFUL_WEBHOOK_SECRET"
    secret = os.environ.get(env)
    if not secret:
        raise ConfigError(f"webhook secret not set: put it in the environment variable {env}")
    body = json.dumps({"idempotency_key": row["idempotency_key"], **json.loads(row["payload"])},
                      sort_keys=True).encode("utf-8")
    req = urllib.request.Request(row["target"], data=body, method="POST", headers={
        "Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body),
        KEY_HEADER: row["idempotency_key"], "User-Agent": "earful"})
    with _OPENER.open(req, timeout=timeout_s) as resp:  # non-2xx raises HTTPError
        return f"HTTP {resp.status}"


def _send_email(row: dict[str, Any], config: RoutingConfig | None, timeout_s: float) -> str:
    if config is None:
        raise ConfigError("e-mail delivery needs the routing configuration (smtp section)")
    s = config.smtp
    payload = json.loads(row["payload"])
    ins = payload.get("insight", {})
    lines = [row["subject"] or "earful notification", ""]
    if payload.get("event") == "insight.reminder":
        lines.append(f"This insight has waited {payload.get('days_open')} days without acknowledgement.")
    for k in ("kind", "summary", "reason", "topic", "period_start", "period_end"):
        if ins.get(k):
            lines.append(f"{k}: {ins[k]}")
    for q in ins.get("quotes") or []:
        lines.append(f"  \u201c{q.get('text', '')}\u201d")
    lines += ["", f"insight id: {ins.get('id')}", f"reference: {row['idempotency_key']}"]
    msg = EmailMessage()
    msg["From"] = s.sender
    msg["To"] = row["target"]
    msg["Subject"] = row["subject"] or "earful notification"
    msg["Message-ID"] = f"<{hashlib.sha256(row['idempotency_key'].encode()).hexdigest()[:32]}@earful>"
    msg[KEY_HEADER] = row["idempotency_key"]
    msg.set_content("\n".join(lines))
    with smtplib.SMTP(s.host, s.port, timeout=timeout_s) as smtp:
        if s.starttls:  # certificate and host name verified (smtplib's default context checks neither)
            smtp.starttls(context=ssl.create_default_context(cafile=s.ca_file))
        if s.username:
            if not s.starttls:
                raise ConfigError("smtp: a username needs starttls: true (the password would travel in clear)")
            password = os.environ.get(s.password_env or "")
            if password is None:
                raise ConfigError(f"smtp password not set: put it in the environment variable {s.password_env}")
            smtp.login(s.username, password)
        smtp.send_message(msg)
    return "SMTP accepted"


def _flush(con: duckdb.DuckDBPyConnection, results: list[tuple[Any, ...]]) -> None:
    """Record a batch of attempts in one transaction: outbox rows updated, one log row each."""
    if not results:
        return
    import pyarrow as pa

    cols = ["id", "status", "attempts", "next_attempt_at", "delivered_at", "last_error", "at_time", "ok", "detail"]
    data = pa.table({c: [r[i] for r in results] for i, c in enumerate(cols)})
    con.register("_earful_attempts", data)
    try:
        with transaction(con):
            con.execute("UPDATE ledger_outbox SET status = a.status, attempts = a.attempts,"
                        " next_attempt_at = coalesce(a.next_attempt_at, ledger_outbox.next_attempt_at),"
                        " delivered_at = a.delivered_at, last_error = a.last_error"
                        " FROM _earful_attempts a WHERE ledger_outbox.id = a.id")
            con.execute("INSERT INTO ledger_deliveries (outbox_id, attempt, at_time, ok, detail)"
                        " SELECT id, attempts, at_time, ok, detail FROM _earful_attempts")
    finally:
        con.unregister("_earful_attempts")
    results.clear()


def deliver(con: duckdb.DuckDBPyConnection, config: RoutingConfig | None = None, *, retry_for_s: float = 0.0,
            base_delay_s: float = 1.0, max_delay_s: float = 3600.0, max_attempts: int | None = None,
            timeout_s: float = 5.0, commit_every: int = 20, now: Callable[[], datetime] = datetime.now,
            sleep: Callable[[float], None] = time.sleep) -> DeliveryReport:
    """Send every due outbox message; keep retrying (with back-off sleeps) for ``retry_for_s``.

    A message whose receiver fails stays ``pending`` with its next attempt pushed back;
    with ``max_attempts`` it becomes ``dead`` after that many failures (kept, never deleted).
    Attempts are recorded every ``commit_every`` messages (and whenever the run stops, even
    on an error), so a crash of this process re-sends at most that many messages.
    """
    report = DeliveryReport()
    deadline = time.monotonic() + retry_for_s
    senders = {"webhook": _send_webhook, "email": _send_email}
    results: list[tuple[Any, ...]] = []
    try:
        while True:
            t = now()
            cur = con.execute("SELECT * FROM ledger_outbox WHERE status = 'pending' AND next_attempt_at <= ?"
                              " ORDER BY id", [t])
            cols = [d[0] for d in cur.description]
            due = [dict(zip(cols, r)) for r in cur.fetchall()]
            for row in due:
                attempt = row["attempts"] + 1
                report.attempted += 1
                try:
                    detail = senders[row["channel"]](row, config, timeout_s)
                    ok = True
                except ConfigError:
                    raise
                except urllib.error.HTTPError as exc:
                    ok, detail = False, f"HTTP {exc.code}"
                except (OSError, http.client.HTTPException, smtplib.SMTPException, ValueError) as exc:
                    ok, detail = False, f"{type(exc).__name__}: {exc}"[:300]
                t = now()
                if ok:
                    report.delivered += 1
                    results.append((row["id"], "delivered", attempt, None, t, None, t, True, detail))
                else:
                    report.failed += 1
                    delay = min(max_delay_s, base_delay_s * 2 ** (attempt - 1))
                    status = "dead" if max_attempts is not None and attempt >= max_attempts else "pending"
                    results.append((row["id"], status, attempt, t + timedelta(seconds=delay), None, detail, t, False,
                                    detail))
                if len(results) >= commit_every:
                    _flush(con, results)
            _flush(con, results)
            nxt = con.execute("SELECT min(next_attempt_at) FROM ledger_outbox WHERE status = 'pending'").fetchone()[0]
            if nxt is None:
                break
            wait = max(0.0, (nxt - now()).total_seconds())
            if time.monotonic() + wait > deadline:
                break
            sleep(wait)
    finally:
        _flush(con, results)
    report.pending, report.dead = con.execute(
        "SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'dead')"
        " FROM ledger_outbox").fetchone()
    return report
