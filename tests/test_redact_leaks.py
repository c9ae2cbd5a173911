"""Nothing a department or an executive can read carries a customer's personal data.

Personal data is planted in the customers' own words of a generated month (lower case, spoken
digits, spoken e-mail, international phone, flat and postcode, DOB, IBAN, policy number,
password), loaded into a real store, and the product's path runs on it: `earful enrich --fast`,
`earful insights`, `earful route --deliver` to a webhook receiver and an SMTP server on loopback,
`earful report`, `earful ledger credit-report`. Then everything an executive and a department
user can fetch from the running web app (every page and API route reachable from the navigation,
every insight, every quoted interaction, the CSV export) and everything that left the centre
(webhook bodies, e-mails, the briefing) is searched for the planted items.
"""

from __future__ import annotations

import json
import re
import threading
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import urljoin, urlparse

import httpx
import pytest

from _insights import write_month
from _ledger import _free_port, _Sink
from _web import PASSWORD, login, serve

# (words a customer adds, pieces of them that must never be readable)
PLANTED = [
    ("my name is oluwaseun adebayo-fairweather", ["oluwaseun", "fairweather"]),
    ("email me at marguerite dot quillfeather at gmail dot com", ["marguerite", "quillfeather"]),
    ("i live at flat 7, 14 quarry lane, sheffield s10 2tn", ["quarry lane", "s10 2tn"]),
    ("i was born on the third of may nineteen eighty seven", ["nineteen eighty seven"]),
    ("my iban is gb33 bukb 2020 1555 5555 55", ["bukb", "1555 5555"]),
    ("my policy number is PLX-448812", ["448812"]),
    ("my password is tangerine88", ["tangerine88"]),
    ("ni number jg 10 37 46 b", ["jg 10 37 46"]),
    ("call me on plus four four seven seven double oh nine double oh four six one", ["double oh four six one"]),
    ("my card is four nine two nine one two three four five six seven eight nine zero one five",
     ["seven eight nine zero one five"]),
    ("or on +33 6 12 34 56 78 after six", ["12 34 56 78"]),
    ("Thanks, Siobhan Ni Dhuibhir", ["siobhan", "dhuibhir"]),
]
NEEDLES = [n for _, ns in PLANTED for n in ns]


class _Receiver(BaseHTTPRequestHandler):
    bodies: list[str] = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        _Receiver.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


def _plant(path) -> int:
    """Add a planted sentence to every customer turn and survey comment; returns how many."""
    rows = [json.loads(x) for x in path.read_text().splitlines()]
    n = 0
    for r in rows:
        for t in r.get("turns") or []:
            if t["speaker"] == "customer":
                t["text"] = f"{t['text']} {PLANTED[n % len(PLANTED)][0]}"
                n += 1
        if r.get("channel") == "survey" and r.get("text"):
            r["text"] = f"{r['text']} {PLANTED[n % len(PLANTED)][0]}"
            n += 1
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return n


def _leaks(blob: str) -> list[str]:
    low = blob.lower()
    return [n for n in NEEDLES if n in low]


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    """A store whose contacts carry planted personal data, run through enrich, insights,
    routing with delivery, the briefing and the credit report; what left the centre."""
    from aiosmtpd.controller import Controller

    from earful.cli import main
    from earful.ingest import ingest_file
    from earful.store import connect
    from earful.web.auth import add_user

    d = tmp_path_factory.mktemp("leaks")
    month = d / "month.jsonl"
    write_month(month, days=42, per_day=60)
    assert _plant(month) > 1000
    db = d / "earful.duckdb"
    con = connect(db)
    ingest_file(con, month, "earful")
    raw = " ".join(r[0] for r in con.execute("SELECT text FROM turns WHERE text IS NOT NULL").fetchall()).lower()
    assert all(n in raw for n in NEEDLES)  # the data is there to leak
    add_user(con, "eve", PASSWORD, "executive")
    add_user(con, "olga", PASSWORD, "department", "operations")
    add_user(con, "bill", PASSWORD, "department", "billing")
    con.close()

    hook_port, smtp_port = _free_port(), _free_port()
    _Receiver.bodies = []
    server = HTTPServer(("127.0.0.1", hook_port), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sink = _Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    rules = d / "routing.yaml"
    rules.write_text(
        "triage: operations\n"
        f"smtp: {{host: 127.0.0.1, port: {smtp_port}, sender: earful@centre.example}}\n"
        "departments:\n"
        f"  operations:\n    webhook: http://127.0.0.1:{hook_port}/hook\n    email: [ops-lead@company.example]\n"
        f"  billing:\n    webhook: http://127.0.0.1:{hook_port}/billing\n    email: [billing@company.example]\n"
        "rules:\n  - when: {reason: [\"*fee*\", \"*transfer*\"]}\n    to: billing\n", encoding="utf-8")
    out: dict[str, str] = {}

    def run(*args: str) -> None:
        try:
            main([*args, "--db", str(db)])
        except SystemExit as exc:
            assert not exc.code, (args, exc.code)

    import os

    os.environ["EARFUL_WEBHOOK_SECRET"] = "leak-test-secret"
    try:
        run("enrich", "--fast")
        run("insights", "--from", "2025-07-22", "--to", "2025-08-11")
        run("route", "--rules", str(rules), "--deliver")
        run("report", "--period", "2025-08", "--out", str(d / "briefing.html"))
    finally:
        os.environ.pop("EARFUL_WEBHOOK_SECRET", None)
        smtp.stop()
        server.shutdown()
    out["briefing"] = (d / "briefing.html").read_text(encoding="utf-8")
    out["webhooks"] = "\n".join(_Receiver.bodies)
    out["emails"] = "\n".join(message_from_bytes(m.content).get_payload(decode=True).decode() for m in sink.messages)
    return {"db": db, "out": out, "n_webhooks": len(_Receiver.bodies), "n_emails": len(sink.messages)}


def test_notifications_and_briefing_carry_no_planted_item(product, capsys):
    out = product["out"]
    assert product["n_webhooks"] >= 3 and product["n_emails"] >= 3
    assert "quotes" in out["webhooks"] and re.search(r"\[(?:NAME|CARD|EMAIL|PHONE|ADDRESS|DOB|IBAN)\]", out["webhooks"])
    for name, blob in out.items():
        assert _leaks(blob) == [], name


def _crawl(base: str, user: str) -> dict[str, str]:
    """Every page and API answer the user can reach: the navigation, links on each page, every
    insight and every interaction an insight quotes, and the CSV export."""
    seen: dict[str, str] = {}
    with httpx.Client(base_url=base, follow_redirects=True, timeout=60) as c:
        assert login(c, user).status_code == 200
        todo = ["/", "/insights", "/ledger", "/reasons", "/metrics", "/staffing", "/interactions", "/metrics.csv",
                "/api/v1/me", "/api/v1/insights", "/api/v1/ledger", "/api/v1/overview", "/api/v1/reasons",
                "/api/v1/interactions", "/api/v1/metrics", "/api/v1/staffing"]
        while todo and len(seen) < 400:
            path = todo.pop(0)
            if path in seen or "logout" in path:
                continue
            r = c.get(path)
            seen[path] = r.text
            if r.status_code != 200:
                continue
            if "json" in r.headers.get("content-type", ""):
                body = r.json()
                items = body.get("items", body if isinstance(body, list) else []) if isinstance(body, (dict, list)) else []
                for it in items if isinstance(items, list) else []:
                    if isinstance(it, dict) and "id" in it and path.startswith("/api/v1/insights"):
                        todo += [f"/api/v1/insights/{it['id']}", f"/insights/{it['id']}"]
                for iid in re.findall(r'"interaction_id":\s*"([^"]+)"', r.text):
                    todo += [f"/api/v1/interactions/{iid}", f"/interactions/{iid}"]
            else:
                for href in re.findall(r'href="([^"#]+)"', r.text):
                    u = urlparse(urljoin(base + path, href))
                    if u.netloc == urlparse(base).netloc and not u.path.startswith("/static"):
                        todo.append(u.path + (f"?{u.query}" if u.query else ""))
    return seen


@pytest.mark.parametrize("user", ["eve", "olga", "bill"])
def test_nothing_an_executive_or_department_can_fetch_carries_a_planted_item(product, user):
    with serve(product["db"]) as base:
        pages = _crawl(base, user)
    ok = [p for p, body in pages.items() if body]
    assert len(ok) >= 15, sorted(pages)
    quoted = [p for p in pages if p.startswith("/insights/") or p.startswith("/api/v1/insights/")]
    assert quoted, "no insight reached"
    assert any(re.search(r"\[(?:NAME|CARD|EMAIL|PHONE|ADDRESS|DOB|IBAN|SECRET|CUSTOMER_NUMBER|NATIONAL_ID)\]", b)
               for b in pages.values())
    leaked = {p: _leaks(b) for p, b in pages.items() if _leaks(b)}
    assert leaked == {}
