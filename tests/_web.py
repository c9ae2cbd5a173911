"""Shared pieces of the web tests: a store built from real public data, users of every role,
and a real uvicorn server on the loopback address in a background thread."""

from __future__ import annotations

import json
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

PASSWORD = "correct horse battery"
USERS = {  # name: (role, department)
    "ada": ("admin", None),
    "ana": ("analyst", None),
    "eve": ("executive", None),
    "carla": ("department", "cards"),
    "paul": ("department", "payments"),
}
ROLE_USER = {"admin": "ada", "analyst": "ana", "executive": "eve", "department": "carla"}
PII_CARD = "4111 1111 1111 1111"
PII_EMAIL = "jo.bloggs@example.com"


def _pii_records() -> list[dict]:
    """Two chats whose customers give away a card number and an e-mail address."""
    recs = []
    for i, (q, words) in enumerate([("cards", f"my card {PII_CARD} was charged twice, mail me at {PII_EMAIL}"),
                                    ("payments", f"the transfer to {PII_EMAIL} never arrived")]):
        recs.append({"source": "webtest", "source_id": f"pii{i}", "channel": "chat", "queue": q,
                     "offered_at": f"2010-08-30T10:0{i}:00", "wait_s": 12, "talk_s": 240, "abandoned": False,
                     "disposition": "card_payment_wrong_exchange_rate" if q == "cards" else "transfer_not_received_by_recipient",
                     "turns": [{"speaker": "customer", "text": words, "at": f"2010-08-30T10:0{i}:05"},
                               {"speaker": "agent", "text": "Sorry about that, let me look into it.",
                                "at": f"2010-08-30T10:0{i}:30"}]})
    return recs


def build_store(db_path: Path, shared_data: Path) -> dict:
    """A store with the Anonymous Bank calls, BANKING77 chats, the ABCD dialogues, two chats with
    personal data, six insights over three departments, and one user per role."""
    from earful.ingest import ingest_file
    from earful.store import connect
    from earful.web.auth import add_user

    con = connect(db_path)
    ingest_file(con, shared_data / "anonymous_bank" / "august_calls.csv", "technion")
    ingest_file(con, shared_data / "banking77" / "train.csv", "intents")
    ingest_file(con, shared_data / "abcd" / "abcd_sample.json", "abcd")
    jl = db_path.parent / "pii.jsonl"
    jl.write_text("\n".join(json.dumps(r) for r in _pii_records()) + "\n", encoding="utf-8")
    ingest_file(con, jl, "earful")
    # Insights as the insight engine would write them: reasons of the BANKING77 chats, with quotes.
    plan = [("cards", "card_arrival"), ("cards", "card_payment_wrong_exchange_rate"),
            ("payments", "transfer_not_received_by_recipient"), ("payments", "pending_transfer"),
            ("digital", "passcode_forgotten"), (None, "lost_or_stolen_card")]
    ids = []
    for k, (dept, reason) in enumerate(plan):
        quotes = con.execute("SELECT id, text FROM interactions WHERE disposition = ? AND text IS NOT NULL "
                             "ORDER BY id LIMIT 2", [reason]).fetchall()
        n = con.execute("SELECT count(*) FROM interactions WHERE disposition = ?", [reason]).fetchone()[0]
        if reason == "card_payment_wrong_exchange_rate":
            quotes = [("webtest:pii0", f"my card {PII_CARD} was charged twice, mail me at {PII_EMAIL}")] + quotes
        if reason == "transfer_not_received_by_recipient":
            quotes = [("webtest:pii1", f"the transfer to {PII_EMAIL} never arrived")] + quotes
        iid = f"ins-{k + 1:03d}"
        ids.append(iid)
        con.execute(
            "INSERT INTO insights (id, kind, title, summary, period_start, period_end, reason, metrics, evidence, "
            "suggested_department, confidence, created_at) VALUES (?, ?, ?, ?, DATE '2010-08-01', DATE '2010-08-31', "
            "?, ?, ?, ?, ?, TIMESTAMP '2010-09-01 08:00:00' + INTERVAL (?) MINUTE)",
            [iid, "driver" if k % 2 else "emerging_issue", f"{reason.replace('_', ' ').capitalize()}: {n} contacts",
             f"Customers contacted us {n} times about {reason.replace('_', ' ')}.", reason,
             json.dumps({"contacts": n, "value": 100.0 * (k + 1)}),
             json.dumps({"series": [{"day": f"2010-08-{d:02d}", "n": (d * (k + 3)) % 11} for d in range(1, 15)],
                         "quotes": [{"interaction_id": i, "text": t} for i, t in quotes]}),
             dept, 0.6 + 0.05 * k, k])
    for name, (role, dept) in USERS.items():
        add_user(con, name, PASSWORD, role, dept)
    con.close()
    return {"insights": ids, "by_department": {d: [i for i, (dd, _) in zip(ids, plan) if dd == d]
                                               for d in ("cards", "payments", "digital")}}


@contextmanager
def serve(db_path: Path, lifespan: str = "off", **app_options):
    """A real uvicorn server over the store on 127.0.0.1 (a free port), stopped on exit; ``lifespan="on"``
    runs the app's start-up hooks as ``earful serve`` does."""
    import uvicorn

    from earful.web import create_app

    app = create_app(db_path, **app_options)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan=lifespan))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(60)  # requests still waiting for a password check finish first
        sock.close()
        app.state.earful.con.close()


def login(client, name: str, password: str = PASSWORD):
    """Sign a httpx client in through the login form, as a browser on the dashboard's own page
    would (its Origin, then the session's form token on every later write); returns the response."""
    client.headers["origin"] = str(client.base_url).rstrip("/")
    r = client.post("/login", data={"username": name, "password": password, "next": "/"})
    if r.status_code == 303:
        client.headers["x-csrf-token"] = client.get("/api/v1/me").json()["csrf_token"]
    return r


import pytest  # noqa: E402


_BUILT: dict = {}


@pytest.fixture(scope="session")
def web_store(tmp_path_factory, shared_data):
    """The test store, built once per session (each test module imports this fixture, hence the
    memo): (path, insight ids)."""
    if "store" not in _BUILT:
        db = tmp_path_factory.mktemp("web-template") / "earful.duckdb"
        _BUILT["store"] = (db, build_store(db, shared_data))
    return _BUILT["store"]


@contextmanager
def serve_copy(tmp_path_factory, web_store, **app_options):
    """A running server over a fresh copy of the test store: {url, db, insight ids}."""
    import shutil

    template, info = web_store
    db = tmp_path_factory.mktemp("web") / "earful.duckdb"
    shutil.copy(template, db)
    with serve(db, **app_options) as url:
        yield {"url": url, "db": db, **info}


@pytest.fixture(scope="module")
def site(tmp_path_factory, web_store):
    """(base URL, store path, insight ids) of a running server over a fresh copy of the test store."""
    with serve_copy(tmp_path_factory, web_store) as running:
        yield running


def submit_login(page, url: str, name: str, next_path: str = "/") -> None:
    """Fill the sign-in form a Playwright page shows, send it and wait for the page it lands on."""
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(url + next_path)


def sign_in_page(page, url: str, name: str, next_path: str = "/") -> None:
    """Sign a Playwright page in through the login form, as a person would."""
    page.goto(url + "/login" + (f"?next={next_path}" if next_path != "/" else ""))
    submit_login(page, url, name, next_path)


#: Debian's Chromium, which the browser tests drive through Playwright.
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium for one test module (skipped where Debian's chromium is not installed)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


# ---------------------------------------------------------------- a store the insight engine filled

DEPT_USERS = {"bill": "billing", "sam": "sales", "mark": "marketing", "olga": "operations"}


def build_insight_store(db_path: Path) -> dict:
    """A generated month (a fee spike on 5 Aug, three planted cost drivers, customers talking of
    leaving for a competitor, praise) analysed by the engine for 1-11 Aug, routed with the example
    rules (and every emerging issue to operations too), valued with the example value model; users of
    every role and department."""
    from datetime import date

    from _insights import write_month
    from _ledger import EXAMPLES

    from earful.ingest import ingest_file
    from earful.insights import find_insights
    from earful.insights.competitors import decide
    from earful.ledger import load_routing, load_value_model, record_estimates, route_insights
    from earful.store import connect
    from earful.web.auth import add_user

    truth = write_month(db_path.parent / "month.jsonl")
    con = connect(db_path)
    ingest_file(con, db_path.parent / "month.jsonl", "earful")
    decide(con, ["Northwind Bank"], "confirmed", who="ada")  # the reviewer confirms the rival customers name
    found = find_insights(con, date(2025, 8, 1), date(2025, 8, 11))
    rules = (EXAMPLES / "routing.yaml").read_text() + (
        "  - name: operations hears of every emerging issue\n    when:\n      kind: emerging_issue\n    to: operations\n")
    (db_path.parent / "routing.yaml").write_text(rules, encoding="utf-8")
    route_insights(con, load_routing(db_path.parent / "routing.yaml"))
    record_estimates(con, load_value_model(EXAMPLES / "value.yaml"))
    for name, (role, dept) in USERS.items():
        if role != "department":
            add_user(con, name, PASSWORD, role, dept)
    for name, dept in DEPT_USERS.items():
        add_user(con, name, PASSWORD, "department", dept)
    customers = sorted({c for i in found for c in i.evidence.get("customers", [])})
    con.close()
    return {"truth": truth, "ids": {(i.kind, i.subject): i.id for i in found}, "customers": customers}


@pytest.fixture(scope="module")
def insight_site(tmp_path_factory):
    """(base URL, store path, insight ids by (kind, subject), customer ids in the evidence) of a real
    server over a store the engine filled."""
    db = tmp_path_factory.mktemp("insight-site") / "earful.duckdb"
    info = build_insight_store(db)
    with serve(db) as url:
        yield {"url": url, "db": db, **info}
