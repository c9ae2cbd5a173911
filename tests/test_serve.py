"""One store, one server, many commands: real `earful serve` and `earful` processes side by side.

DuckDB lets one process open a file read-write or many read-only, not both. These tests show what
earful makes of that: readers never create a store and share it read-only; while `earful serve`
runs, the other commands (readers, administration, imports) run through it; a busy port, a second
server and a writer that cannot reach the server each end in one line."""

from __future__ import annotations

import json
import shutil
import socket
import time
from pathlib import Path

import httpx
import pytest
from _serve import earful, earful_serve, free_port
from _web import PASSWORD, ROLE_USER, web_store  # noqa: F401


def _one_line(r) -> str:
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr and "terminate called" not in r.stderr
    return lines[0]


@pytest.fixture()
def store(tmp_path, web_store):
    db = tmp_path / "store" / "earful.duckdb"
    db.parent.mkdir()
    shutil.copy(web_store[0], db)
    return db


@pytest.mark.parametrize("args", [["metrics"], ["status"], ["quarantine"], ["users", "list"], ["token", "list"],
                                  ["report", "--period", "2010-08", "--out", "b.html"], ["ledger", "list"],
                                  ["speech"], ["ledger", "totals"], ["limits"],
                                  # writers that work on loaded data do not start an empty store either
                                  ["enrich"], ["insights"], ["topics"], ["reasons", "assign"], ["users", "unlock", "ana"]])
def test_a_reader_never_creates_a_store(tmp_path, args):
    r = earful(*args, "--db", "typo.duckdb", cwd=tmp_path)
    assert r.returncode != 0
    assert "no earful store at typo.duckdb" in _one_line(r)
    assert not (tmp_path / "typo.duckdb").exists()


def test_readers_share_the_store_and_a_writer_waits_for_them(store, tmp_path):
    import duckdb

    held = duckdb.connect(str(store), read_only=True)  # e.g. a notebook reading the store
    try:
        r = earful("status", "--db", str(store), "--json")
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["interactions"] > 50_000
        assert earful("metrics", "--db", str(store), "--by", "channel", "-f", "csv").returncode == 0
        csv = tmp_path / "calls.csv"
        csv.write_text("text,label\nmy card has not arrived,card_arrival\n", encoding="utf-8")
        r = earful("ingest", str(csv), "--format", "intents", "--db", str(store))
        assert r.returncode == 2
        line = _one_line(r)
        assert "is in use by another process, " in line and "wait for it to finish" in line
    finally:
        held.close()


def test_commands_run_through_a_running_server(store, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "chats.csv").write_text("text,label\nmy card has still not arrived,card_arrival\n"
                                         "where is my new card,card_arrival\n", encoding="utf-8")
    rel = Path("..") / "store" / "earful.duckdb"   # relative to the caller's folder, not the server's
    with earful_serve(store) as (url, proc):
        before = json.loads(earful("status", "--db", str(store), "--json").stdout)
        # readers
        r = earful("metrics", "--db", str(rel), "--by", "channel", "-f", "json", cwd=elsewhere)
        assert r.returncode == 0, r.stderr
        assert {row["channel"] for row in json.loads(r.stdout)} >= {"voice", "chat"}
        r = earful("report", "--period", "2010-08", "--out", "briefing.html", cwd=elsewhere,
                   env={"EARFUL_DB": str(rel)})
        assert r.returncode == 0, r.stderr
        assert "<svg" in (elsewhere / "briefing.html").read_text()
        # administration: a user and a token made from the shell work on the server at once
        r = earful("users", "add", "shelly", "--role", "analyst", "--db", str(store), env={"EARFUL_PASSWORD": PASSWORD})
        assert r.returncode == 0, r.stderr
        web = httpx.Client(base_url=url, headers={"origin": url}, timeout=60)
        assert web.post("/login", data={"username": "shelly", "password": PASSWORD}).status_code == 303
        r = earful("token", "create", "shelly", "--label", "from the shell", "--db", str(store))
        assert r.returncode == 0, r.stderr
        bearer = r.stdout.strip().splitlines()[-1]
        api = httpx.Client(base_url=url, headers={"authorization": f"Bearer {bearer}"}, timeout=60)
        assert api.get("/api/v1/me").json()["name"] == "shelly"
        ident = next(line.split("\t")[0] for line in earful("token", "list", "--db", str(store)).stdout.splitlines()
                     if "from the shell" in line)
        assert earful("token", "revoke", ident, "--db", str(store)).returncode == 0
        assert api.get("/api/v1/me").status_code == 401
        assert earful("users", "disable", "shelly", "--db", str(store)).returncode == 0
        assert web.get("/api/v1/me").status_code == 401, "a session of a user disabled from the shell ends at once"
        # a writer: an import while the dashboard keeps answering
        r = earful("ingest", "chats.csv", "--format", "intents", "--db", str(rel), cwd=elsewhere)
        assert r.returncode == 0, r.stderr
        after = json.loads(earful("status", "--db", str(store), "--json").stdout)
        assert after["interactions"] == before["interactions"] + 2
        # mistakes are still one line and a non-zero exit
        r = earful("users", "disable", "nobody", "--db", str(store))
        assert r.returncode == 2 and "no user 'nobody'" in _one_line(r)
        assert proc.poll() is None, "the server is still up"
    assert proc.returncode == 0, proc.stdout.read()
    assert earful("users", "list", "--db", str(store)).stdout.count("shelly") == 1, "written to the store itself"


def test_a_writer_that_cannot_reach_the_server_says_what_to_do(store, tmp_path):
    (tmp_path / "a").mkdir(mode=0o700)
    (tmp_path / "b").mkdir(mode=0o700)
    with earful_serve(store, env={"XDG_RUNTIME_DIR": str(tmp_path / "a")}) as (_url, _proc):
        r = earful("users", "add", "late", "--password", PASSWORD, "--db", str(store),
                   env={"XDG_RUNTIME_DIR": str(tmp_path / "b")})
    assert r.returncode == 2
    line = _one_line(r)
    assert "held by the earful server" in line and "stop that server" in line


def test_a_busy_port_is_one_line_before_any_work(store):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        t = time.perf_counter()
        r = earful("serve", "--db", str(store), "--port", str(port), timeout=60)
        took = time.perf_counter() - t
    assert r.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in _one_line(r)
    assert "dashboard on" not in r.stdout
    assert took < 30


def test_a_second_server_for_the_same_store_names_the_first(store):
    with earful_serve(store) as (url, proc):
        r = earful("serve", "--db", str(store), "--port", str(free_port()), timeout=60)
    assert r.returncode == 2
    assert f"already served by process {proc.pid} at {url}/" in _one_line(r)
