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

import duckdb
import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo on ten simulated days, left serving on a free loopback port."""
    folder = tmp_path_factory.mktemp("demo")
    port = _free_port()
    db = folder / "demo.duckdb"
    log = (folder / "demo.log").open("w+")
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "earful.demo", "--days", "10", "--topic-days", "2", "--train-per-reason", "10",
         "--db", str(db), "--out", str(folder / "out"), "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
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
        yield {"url": url, "db": db, "out": folder / "out", "log": log.read()}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()


def test_every_step_ran_and_the_source_is_named(demo):
    out = demo["log"]
    assert "BANKING77" in out and "simulator" in out  # where the data came from
    assert "failed" not in out
    assert re.search(r"\d+ steps in \d+ s", out)
    steps = re.findall(r"✓ (.+?) \(\d+\.\d s\)", out)
    assert len(steps) == 13, steps
    assert "hear a handful of recorded calls" in steps


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
    assert "<svg" in html and "fix first" in html


def test_demo_logins_work_and_a_department_sees_only_its_own(demo):
    logins = re.findall(r"^\s+(\w+)\s+(demo-\w+)\s+(\w+)", demo["log"], flags=re.M)
    assert {r[2] for r in logins} >= {"admin", "analyst", "department", "executive"}
    with httpx.Client(base_url=demo["url"], follow_redirects=False) as web:
        user, password, _ = next(r for r in logins if r[0] == "operations")
        r = web.post("/login", data={"username": user, "password": password, "next": "/"})
        assert r.status_code == 303 and r.headers["location"] == "/"
        assert web.get("/").status_code == 200
        items = web.get("/api/v1/insights").json()["items"]
        assert items and all(i["department"] == "operations" for i in items)
    with httpx.Client(base_url=demo["url"], follow_redirects=False) as web:  # the agent lands on their own page
        user, password, _ = next(r for r in logins if r[2] == "agent")
        assert web.post("/login", data={"username": user, "password": password, "next": "/"}).status_code == 303
        assert web.get("/").headers["location"] == "/agents"
        assert web.get("/agents").headers["location"].startswith("/agents/A")
        assert web.get("/qa").status_code == 403
    with httpx.Client(base_url=demo["url"]) as web:
        r = web.post("/login", data={"username": "operations", "password": "wrong", "next": "/"})
        assert web.get("/api/v1/insights").status_code == 401
