"""The documented month after the demo: on the store the demo leaves (a simulated August, its
insights found over every day loaded, routed and valued), `earful report --period 2025-08`,
`earful insights` over the month and part of it, and `earful route` again store no second copy of
any insight, route nothing twice, queue no second notification and leave the ledger's totals and
every department's inbox as they were; an acknowledged insight stays acknowledged."""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from _ledger import EXAMPLES, earful  # noqa: F401 - fixture

from earful.store import connect

ROUTING = EXAMPLES / "routing.yaml"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory) -> Path:
    """The demo's month and its analysis steps: 30 simulated days from 1 Aug (seed 7, the demo's),
    insights over every day loaded, routed by the example rules and valued by the example model."""
    from earful.ingest import ingest_file
    from earful.insights import find_insights
    from earful.ledger import load_routing, load_value_model, record_estimates, route_insights
    from earful.sim import simulate, write_simulation

    d = tmp_path_factory.mktemp("rerun")
    write_simulation(simulate(days=30, seed=7, scale=0.5), d / "sim")
    db = d / "demo.duckdb"
    con = connect(db)
    ingest_file(con, d / "sim" / "interactions.jsonl", "earful")
    find_insights(con)
    route_insights(con, load_routing(ROUTING), who="demo")
    record_estimates(con, load_value_model(EXAMPLES / "value.yaml"), who="demo")
    con.close()
    return db


def _snapshot(db: Path) -> dict:
    """Everything a re-run could duplicate: the live insights by identity, the routes and their
    states, the notifications queued, every department's inbox and the ledger's reconciliation."""
    from earful.ledger.value import reconcile
    from earful.web import _queries as q

    con = connect(db)
    try:
        insights = con.execute("SELECT id, kind, subject, episode_start FROM insights WHERE retired_at IS NULL "
                               "ORDER BY id").fetchall()
        routes = con.execute("SELECT insight_id, department, state FROM ledger_routes ORDER BY 1, 2").fetchall()
        outbox = con.execute("SELECT count(*) FROM ledger_outbox").fetchone()[0]
        inbox = {dept: sorted((i["id"], i["state"], i["value"]) for i in
                              q.insights_list(con, department=dept, limit=1000)["items"])
                 for dept in q.departments(con)}
        rec = reconcile(con, month="2025-08")
        return {"insights": insights, "routes": routes, "outbox": outbox, "inbox": inbox,
                "totals": rec["totals"], "rows": rec["rows"]}
    finally:
        con.close()


def test_report_and_routing_after_the_demo_add_nothing(demo_store, tmp_path, earful):
    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_store, db)
    first = earful("route", "--rules", ROUTING, db=db)            # the director shares what the demo found
    assert first.returncode == 0, first.stdout + first.stderr
    con = connect(db)
    spike, dept = con.execute("SELECT r.insight_id, r.department FROM ledger_routes r JOIN insights i ON i.id = r.insight_id "
                              "WHERE i.kind = 'emerging_issue' ORDER BY i.confidence DESC, 1 LIMIT 1").fetchone()
    con.close()
    ack = earful("ledger", "ack", spike, "-d", dept, "--who", "ops-lead", db=db)
    assert ack.returncode == 0, ack.stdout + ack.stderr
    before = _snapshot(db)
    assert len(before["insights"]) >= 10 and before["outbox"] > 0
    assert (spike, dept, "acknowledged") in before["routes"]
    assert before["totals"][0]["estimated"] > 0

    runs = [("report", "--period", "2025-08", "--out", tmp_path / "briefing.html"),
            ("route", "--rules", ROUTING),
            ("insights", "--from", "2025-08-01", "--to", "2025-08-31"),
            ("insights", "--from", "2025-08-10", "--to", "2025-08-20"),
            ("report", "--period", "2025-08", "--out", tmp_path / "briefing.html"),
            ("route", "--rules", ROUTING)]
    for args in runs:
        r = earful(*args, db=db)
        assert r.returncode == 0, (args, r.stdout, r.stderr)
        if args[0] == "route":
            assert "routed: none" in r.stdout and "0 route(s) shared" in r.stdout, r.stdout
    after = _snapshot(db)
    assert after == before

    # the briefing written by the last report shows the ledger's figure for the month
    html = (tmp_path / "briefing.html").read_text()
    shown = dict(re.findall(r'data-figure="(estimated|confirmed)" data-amount="([\d.]+)"', html))
    assert Decimal(shown["estimated"]) == before["totals"][0]["estimated"]
    # and the CLI's credit report its total row
    rows = json.loads(earful("ledger", "credit-report", "--period", "2025-08", "--json", db=db).stdout)
    assert rows[-1]["department"] == "total" and Decimal(rows[-1]["estimated"]) == before["totals"][0]["estimated"]
