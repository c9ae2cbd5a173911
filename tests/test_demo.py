"""`make demo` end to end in a real process: simulate, load, analyse, serve, log in as a demo user."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from decimal import Decimal

import duckdb
import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _earful(*args: str, db) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "earful.cli", *args, "--db", str(db)], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"}, timeout=300)


def _snapshot(db) -> dict:
    """What a director sees of the month: how many insights, every department's inbox (cards and
    states, as the dashboard lists them), and the ledger's totals and rows."""
    from earful.store import connect
    from earful.web import _queries as q
    from earful.ledger.value import reconcile

    copy = db.with_name(f"snap-{time.monotonic_ns()}.duckdb")
    copy.write_bytes(db.read_bytes())
    con = connect(copy)
    try:
        inbox = {}
        for dept in q.departments(con):
            page = q.insights_list(con, department=dept, limit=1000)
            inbox[dept] = sorted((i["id"], i["state"], i["value"]) for i in page["items"])
        rec = reconcile(con, month="2025-08")
        return {"insights": con.execute("SELECT count(*) FROM insights WHERE retired_at IS NULL").fetchone()[0],
                "inbox": inbox, "totals": rec["totals"], "rows": rec["rows"]}
    finally:
        con.close()
        copy.unlink()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo on ten simulated days; then `earful insights` and `earful report` over the month as
    a director would run them, a dismissal and a confirmed value from the CLI, and the demo again,
    left serving on a free loopback port."""
    folder = tmp_path_factory.mktemp("demo")
    port = _free_port()
    db = folder / "demo.duckdb"
    env = {**os.environ, "COLUMNS": "200"}
    args = [sys.executable, "-m", "earful.demo", "--days", "10", "--topic-days", "2", "--train-per-reason", "10",
            "--db", str(db), "--out", str(folder / "out"), "--port", str(port)]
    first = subprocess.run([*args, "--no-serve"], capture_output=True, text=True, env=env, timeout=420)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    snaps = {"demo": _snapshot(db)}
    runs = {"insights": _earful("insights", "--from", "2025-08-01", "--to", "2025-08-30", db=db),
            "report": _earful("report", "--period", "2025-08", "--out", str(folder / "report.html"), db=db)}
    snaps["insights and report"] = _snapshot(db)
    # a department dismisses its share of a shared insight; another confirms a value
    con = duckdb.connect(str(db), read_only=True)
    shared = con.execute("SELECT insight_id, min(department) FROM ledger_routes GROUP BY 1 HAVING count(*) > 1 "
                         "ORDER BY 1 LIMIT 1").fetchone()
    single = con.execute("SELECT insight_id, min(department) FROM ledger_routes GROUP BY 1 HAVING count(*) = 1 "
                         "ORDER BY 1 LIMIT 1").fetchone()
    con.close()
    moves = [("dismiss", *shared, "--reason", "not ours"), ("share", *single), ("ack", *single), ("action", *single)]
    for verb, iid, dept, *more in moves:
        runs[f"{verb} {iid}"] = _earful("ledger", verb, iid, "-d", dept, "--who", "demo-test", *more, db=db)
    runs["confirm"] = _earful("ledger", "confirm", single[0], "-d", single[1], "--amount", "1234.56", db=db)
    for name, r in runs.items():
        assert r.returncode == 0, (name, r.stdout[-2000:], r.stderr[-2000:])
    snaps["after the moves"] = _snapshot(db)
    log = (folder / "demo.log").open("w+")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600  # the demo hears three recorded calls too
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"demo exited with {proc.returncode}:\n{log.read()[-3000:]}")
            try:
                if httpx.get(f"{url}/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(1)
        else:
            pytest.fail("demo did not start serving within 10 minutes")
        log.seek(0)
        snaps["demo again"] = _snapshot(db)
        yield {"url": url, "db": db, "out": folder / "out", "log": log.read(), "first_log": first.stdout,
               "snaps": snaps, "runs": runs, "shared": shared, "single": single}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()


def test_rerunning_insights_report_and_the_demo_changes_nothing(demo):
    """After the demo: insights over 1-30 Aug, the report over 1-31 Aug, then the demo again leave the
    insight count, every inbox and the ledger's totals as they were (lifecycle moves in between
    stay as made)."""
    snaps = demo["snaps"]
    assert snaps["demo"]["insights"] > 0 and snaps["demo"]["totals"][0]["estimated"] > 0
    assert snaps["insights and report"] == snaps["demo"]
    assert snaps["demo again"] == snaps["after the moves"]
    moved = snaps["after the moves"]["totals"][0]
    assert moved["dismissed_value"] > 0 and moved["confirmed"] == Decimal("1234.56")
    assert moved["estimated"] == snaps["demo"]["totals"][0]["estimated"]   # dismissing moves money, adds none
    assert f"{snaps['demo']['insights']} insights for August 2025" in demo["runs"]["insights"].stdout


_MONEY = re.compile(r"EUR\s?([\d,]+(?:\.\d+)?)")


def _amounts(text: str) -> list[Decimal]:
    """Every 'EUR 1,234' in a text (HTML without its tags)."""
    from html import unescape

    plain = unescape(re.sub(r"<style.*?</style>|<[^>]+>", " ", text, flags=re.S))
    return [Decimal(m.replace(",", "")) for m in _MONEY.findall(plain)]


def test_every_money_figure_shown_is_the_ledgers(demo):
    """The demo line, the CLI, the API, the dashboard and the briefing (file and page) show for August
    the ledger's figures: the same estimated and confirmed totals, and no amount that is not one of
    the ledger's (a department's credit, an insight's estimate, a total)."""
    from earful.ledger.value import credits, reconcile
    from earful.store import connect

    copy = demo["db"].with_name("money.duckdb")
    copy.write_bytes(demo["db"].read_bytes())
    con = connect(copy)
    rec = reconcile(con, month="2025-08")
    cs = credits(con, month="2025-08")
    con.close()
    total = rec["totals"][0]
    estimated, confirmed = total["estimated"], total["confirmed"]
    known = {v for r in [*rec["rows"], total] for k, v in r.items() if isinstance(v, Decimal)}
    known |= {c.insight_estimate for c in cs if c.insight_estimate is not None}
    known |= {c.estimated for c in cs if c.estimated is not None} | {c.confirmed for c in cs}

    def shown_is_known(amount: Decimal) -> bool:
        places = -amount.as_tuple().exponent
        return any(abs(k - amount) <= Decimal(1).scaleb(-places) / 2 for k in known)

    seen: dict[str, list[Decimal]] = {}
    # the demo's own line
    line = re.search(r"estimated value of 2025-08 \(the ledger's figure, each insight counted once\): EUR ([\d,]+)",
                     demo["log"])
    assert line, demo["log"][-2000:]
    assert Decimal(line.group(1).replace(",", "")) == estimated.quantize(Decimal(1))
    # the CLI
    rows = json.loads(_earful("ledger", "credit-report", "--period", "2025-08", "--json", db=copy).stdout)
    assert Decimal(rows[-1]["estimated"]) == estimated and Decimal(rows[-1]["confirmed"]) == confirmed
    by_period = json.loads(_earful("ledger", "totals", "--by", "period", "--json", db=copy).stdout)
    assert {Decimal(r["estimated"]) for r in by_period if r["period"] == "2025-08"} == {estimated}
    seen["cli table"] = _amounts(_earful("ledger", "credit-report", "--period", "2025-08", db=copy).stdout)
    seen["cli insights"] = _amounts(_earful("insights", "--from", "2025-08-01", "--to", "2025-08-31", db=copy).stdout)
    # the API and the dashboard, as the centre's director
    user, password = next((u, pw) for u, pw, role in re.findall(r"^\s+(\w+)\s+(demo-\w+)\s+(\w+)", demo["log"], re.M)
                          if role == "admin")
    with httpx.Client(base_url=demo["url"], headers={"origin": demo["url"]}, timeout=60) as web:
        assert web.post("/login", data={"username": user, "password": password, "next": "/"}).status_code in (200, 303)
        led = web.get("/api/v1/ledger", params={"period": "2025-08"}).json()
        assert Decimal(led["totals"][0]["estimated"]) == estimated and Decimal(led["totals"][0]["confirmed"]) == confirmed
        cards = web.get("/api/v1/insights", params={"limit": 1000}).json()["items"]
        assert {Decimal(c["value"]) for c in cards if c["value"]} <= known
        page = web.get("/ledger", params={"period": "2025-08"}).text
        figures = dict(re.findall(r'data-figure="(total-\w+)" data-amount="([\d.]+)"', page))
        assert Decimal(figures["total-estimated"]) == estimated and Decimal(figures["total-confirmed"]) == confirmed
        seen["ledger page"] = _amounts(page)
        seen["inbox"] = _amounts(web.get("/insights", params={"limit": 100}).text)
        brief = web.get("/briefing", params={"period": "2025-08"}).text
        seen["briefing page"] = _amounts(brief)
    for html, where in ((brief, "briefing page"), ((demo["out"] / "briefing.html").read_text(), "briefing file")):
        figures = dict(re.findall(r'data-figure="(estimated|confirmed)" data-amount="([\d.]+)"', html))
        assert Decimal(figures["estimated"]) == estimated and Decimal(figures["confirmed"]) == confirmed, where
        seen[where] = _amounts(html)
    for where, amounts in seen.items():
        assert amounts, where
        wrong = [a for a in amounts if not shown_is_known(a)]
        assert not wrong, f"{where} shows money the ledger does not have: {wrong}"


def test_every_step_ran_and_the_source_is_named(demo):
    out = demo["log"]
    assert "BANKING77" in out and "simulator" in out  # where the data came from
    assert "failed" not in out
    assert re.search(r"\d+ steps in \d+ s", out)
    steps = re.findall(r"✓ (.+?) \(\d+\.\d s\)", out)
    assert len(steps) == 16, steps
    # each channel against its own target; voice staffed by Erlang, e-mail from its backlog
    flat = " ".join(out.split())  # the console wraps long lines
    assert re.search(r"voice \d+\.\d% vs 80%, chat \d+\.\d% vs 80%, email \d+\.\d% vs 90%", flat)
    assert re.search(r"voice peak \d+ agents .*Erlang C.*email peak \d+ agents .*backlog \+ response target", flat)
    assert "take the strategic assessment" in steps
    assert "hear a handful of recorded calls" in steps
    assert "forecast next week and schedule it" in steps
    assert "failed" not in demo["first_log"]


def test_the_store_holds_every_analysis(demo):
    # the server holds the file open; read a copy
    copy = demo["db"].with_name("copy.duckdb")
    copy.write_bytes(demo["db"].read_bytes())
    con = duckdb.connect(str(copy), read_only=True)
    try:
        n = con.execute("SELECT count(*) FROM interactions").fetchone()[0]
        assert n > 5000
        assert con.execute("SELECT count(*) FROM enrichment").fetchone()[0] == n
        assert con.execute("SELECT count(*) FROM enrichment WHERE reason IS NOT NULL").fetchone()[0] > 0.8 * n
        assert con.execute("SELECT count(*) FROM enrichment WHERE topic_id IS NOT NULL").fetchone()[0] > 0
        assert {r[0] for r in con.execute("SELECT DISTINCT kind FROM insights").fetchall()} >= {"driver"}
        assert con.execute("SELECT count(*) FROM ledger_routes").fetchone()[0] > 0
        assert con.execute("SELECT count(*) FROM ledger_values WHERE kind = 'estimated'").fetchone()[0] > 0
        talked = con.execute("SELECT count(DISTINCT interaction_id) FROM turns WHERE speaker = 'agent'").fetchone()[0]
        assert con.execute("SELECT count(*) FROM qa_scores").fetchone()[0] == talked  # QA on every interaction
        assert con.execute("SELECT count(*) FROM satisfaction_predictions").fetchone()[0] > 0.8 * talked
        assert con.execute("SELECT count(*) FROM agent_teams").fetchone()[0] > 20
        assert con.execute("SELECT count(*) FROM assessments").fetchone()[0] >= 1
        # nothing a department sees carries a card number
        quotes = json.dumps([json.loads(e) for (e,) in con.execute("SELECT evidence FROM insights").fetchall()])
        assert not re.search(r"\b(?:\d[ -]?){13,19}\b", quotes)
        # three recorded calls heard, analysed and redacted (one reads a card number out)
        assert con.execute("SELECT count(*) FROM voice_recordings").fetchone()[0] == 3
        assert con.execute("SELECT count(*) FROM speech_metrics").fetchone()[0] == 3
        heard = " ".join(t for (t,) in con.execute("SELECT redacted_text FROM voice_turns").fetchall())
        assert re.search(r"\[(CARD|NUMBER)\]", heard) and not re.search(r"\d{4}", heard)
        # the stereo and telephone calls have their speakers, so QA scored them with the recording's turn times
        timed = con.execute("SELECT count(*) FROM qa_items q JOIN voice_recordings r USING (interaction_id) "
                            "WHERE q.item = 'dead_air' AND q.verdict <> 'na'").fetchone()[0]
        assert timed >= 2
    finally:
        con.close()
    html = (demo["out"] / "briefing.html").read_text()
    assert "<svg" in html and "fix this first" in html


def test_demo_logins_work_and_a_department_sees_only_its_own(demo):
    logins = re.findall(r"^\s+(\w+)\s+(demo-\w+)\s+(\w+)", demo["log"], flags=re.M)
    assert {r[2] for r in logins} >= {"admin", "analyst", "department", "executive"}
    with httpx.Client(base_url=demo["url"], follow_redirects=False, headers={"origin": demo["url"]}, timeout=60) as web:
        user, password, _ = next(r for r in logins if r[0] == "operations")
        r = web.post("/login", data={"username": user, "password": password, "next": "/"})
        assert r.status_code == 303 and r.headers["location"] == "/"
        assert web.get("/").status_code == 200
        items = web.get("/api/v1/insights").json()["items"]
        assert items and all(i["department"] == "operations" for i in items)
    with httpx.Client(base_url=demo["url"], follow_redirects=False, headers={"origin": demo["url"]},
                      timeout=60) as web:  # the agent lands on their own page
        user, password, _ = next(r for r in logins if r[2] == "agent")
        assert web.post("/login", data={"username": user, "password": password, "next": "/"}).status_code == 303
        assert web.get("/").headers["location"] == "/agents"
        assert web.get("/agents").headers["location"].startswith("/agents/A")
        assert web.get("/qa").status_code == 403
    with httpx.Client(base_url=demo["url"], headers={"origin": demo["url"]}, timeout=60) as web:
        r = web.post("/login", data={"username": "operations", "password": "wrong", "next": "/"})
        assert web.get("/api/v1/insights").status_code == 401


def test_commands_run_while_the_demo_serves(demo):
    """The demo's server keeps the store open; `earful` commands on it run through the server."""
    env = {**os.environ, "COLUMNS": "200"}
    r = subprocess.run([sys.executable, "-m", "earful.cli", "status", "--db", str(demo["db"]), "--json"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["interactions"] > 5000
