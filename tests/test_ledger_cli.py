"""`earful route`, `earful ledger …` and `earful audit --export` as a user runs them: through the
command-line entry point `earful.cli.main` (in this process, to keep the suite fast), and once as a
real process."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

from _ledger import SECRET, EXAMPLES, _free_port, _log, _start, add_insight, earful, write  # noqa: F401 - fixture
from earful.store import connect


def _process(*args, db):
    return subprocess.run([sys.executable, "-m", "earful.cli", *map(str, args), "--db", str(db)],
                          capture_output=True, text=True, timeout=60, env=dict(os.environ))


def _err(p, needle):
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1 and needle in p.stderr, p.stderr


def test_route_lifecycle_value_and_audit_from_the_cli(tmp_path, earful):
    db, port, log = tmp_path / "s.duckdb", _free_port(), tmp_path / "got.jsonl"
    con = connect(db)
    add_insight(con, "fee1", "driver", reason="card_payment_fee_charged", metrics={"avoidable_cost": 1000.0})
    add_insight(con, "cmp1", "competitor", metrics={"leads": 4})
    add_insight(con, "odd1", "testimonial")
    con.close()
    rules = write(tmp_path / "routing.yaml", (EXAMPLES / "routing.yaml").read_text().replace(
        "http://localhost:8088/earful", f"http://127.0.0.1:{port}/hook").replace(
        "    email: [product-lead@company.example]\n", ""))
    assert earful("route", "--rules", rules, "--check", db=db).returncode == 0
    env = {"EARFUL_WEBHOOK_SECRET": SECRET}
    p = earful("route", "--rules", rules, "--deliver", db=db, env=env)      # receiver down: kept in the outbox
    assert p.returncode == 0 and "1 pending" in p.stdout, p.stdout + p.stderr
    proc = _start(port, log)
    try:
        # back-off pushed the retry 1 s ahead: retrying for 5 s drains it
        p = earful("route", "--rules", rules, "--deliver", "--retry-for", "5", db=db, env=env)
    finally:
        proc.kill()
        proc.wait()
    assert p.returncode == 0 and "1 delivered" in p.stdout, p.stdout + p.stderr
    got = _log(log)
    assert [g["key"] for g in got] == ["shared:fee1:billing:webhook"] and got[0]["sig_ok"]

    p = earful("ledger", "list", "--json", db=db)
    routes = {(r["insight_id"], r["department"]): r["state"] for r in json.loads(p.stdout)}
    assert routes == {("fee1", "billing"): "shared", ("cmp1", "marketing"): "shared", ("cmp1", "sales"): "shared",
                      ("odd1", "marketing"): "shared"}
    _err(earful("ledger", "action", "fee1", "-d", "billing", "--who", "bea", db=db), "cannot move")
    _err(earful("ledger", "dismiss", "cmp1", "-d", "marketing", "--who", "mo", db=db), "reason")
    assert earful("ledger", "dismiss", "cmp1", "-d", "marketing", "--who", "mo", "--reason", "sales owns it",
                  db=db).returncode == 0
    for step in ("ack", "action"):
        assert earful("ledger", step, "fee1", "-d", "billing", "--who", "bea", db=db).returncode == 0
    p = earful("ledger", "estimate", "--model", EXAMPLES / "value.yaml", db=db)
    assert p.returncode == 0 and "5,887.10" in p.stdout   # 1000 × 0.5 × 365 ÷ 31 (August)
    _err(earful("ledger", "confirm", "fee1", "-d", "billing", "--amount", "lots", db=db), "not an amount")
    p = earful("ledger", "confirm", "fee1", "-d", "billing", "--amount", "4100.50", "--who", "bea", db=db)
    assert p.returncode == 0 and "4,100.50 EUR" in p.stdout
    rep = {r["department"]: r for r in json.loads(earful("ledger", "credit-report", "--json", db=db).stdout)}
    assert rep["billing"]["confirmed"] == "4100.50" and rep["billing"]["estimated"] == "5887.10"
    assert rep["marketing"]["dismissed"] == 1
    md = earful("ledger", "credit-report", "--markdown", db=db).stdout
    assert "| billing | 1 | 0 | 1 | 1 | 1 | 0 | 5,887.10 EUR | 0.00 EUR | 4,100.50 EUR |" in md, md
    # cmp1 (360.00) went to marketing and sales: 180.00 each, marketing's dismissed; counted once in the total
    assert "| **total** | 3 | 2 | 1 | 1 | 1 | 1 | 6,247.10 EUR | 180.00 EUR | 4,100.50 EUR |" in md, md
    tot = json.loads(earful("ledger", "totals", "--by", "kind,period", "--json", db=db).stdout)
    assert {(t["kind"], t["period"]): t["estimated"] for t in tot} == {("competitor", "2025-08"): "360.00",
                                                                       ("driver", "2025-08"): "5887.10"}
    _err(earful("ledger", "totals", "--by", "colour", db=db), "cannot total by")

    assert earful("audit", "--export", tmp_path / "audit.csv", db=db).returncode == 0
    assert earful("audit", "--export", tmp_path / "audit.jsonl", db=db).returncode == 0
    rows = list(csv.DictReader((tmp_path / "audit.csv").open()))
    jrows = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert len(rows) == len(jrows)
    events = [r["event"] for r in rows]
    assert events.count("state") == 4 + 4 + 1 + 2 + 1     # routed, shared, dismissed, ack+action, confirmed
    assert events.count("delivery") == 2 and events.count("value_confirmed") == 1 and events.count("value_estimated") == 2
    assert any("sales owns it" in r["detail"] and r["who"] == "mo" for r in rows)
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)
    _err(earful("audit", "--export", tmp_path / "audit.xlsx", db=db), ".csv or .jsonl")
    missing = tmp_path / "typo.duckdb"
    _err(earful("ledger", "list", db=missing), "no earful store")
    assert not missing.exists()                                   # a mistyped --db creates nothing


def test_bad_routing_file_is_one_line_error_in_a_real_process(tmp_path):
    bad = write(tmp_path / "routing.yaml", "departments:\n  a:\nrules:\n  - when: {kind: x}\n    to: b\n")
    _err(_process("route", "--rules", bad, db=tmp_path / "s.duckdb"), "routing.yaml:5: rule 'rule 1': unknown department")
