"""Insight identity: runs over any windows leave the insights of one run over their union; re-runs
update in place (lifecycle, values and comments stay); a store holding twins is repaired by its
migration with every route, history row and value kept."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from _insights import write_month
from _ledger import EXAMPLES
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from earful.ingest import ingest_file
from earful.insights import find_insights
from earful.store import connect

FIRST, LAST = date(2025, 7, 1), date(2025, 8, 11)   # the generated data; a fee spike on 5-6 Aug
SPAN = (LAST - FIRST).days


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A loaded store (no insights yet), copied for each case."""
    d = tmp_path_factory.mktemp("identity")
    write_month(d / "month.jsonl")
    db = d / "template.duckdb"
    con = connect(db)
    ingest_file(con, d / "month.jsonl", "earful")
    con.close()
    return db


def _fresh(template: Path, tmp: Path, name: str) -> duckdb.DuckDBPyConnection:
    db = tmp / f"{name}.duckdb"
    shutil.copy(template, db)
    return connect(db)


def _same(x):
    """Figures as a reader sees them: floats to 9 significant digits (DuckDB adds floats in
    whatever order its threads finish, so the last bits of a sum may differ between runs)."""
    if isinstance(x, float):
        return float(f"{x:.9g}")
    if isinstance(x, dict):
        return {k: _same(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_same(v) for v in x)
    return x


def _state(con) -> dict:
    """The live insights by identity, with everything a reader sees of them."""
    rows = con.execute(
        "SELECT kind, subject, episode_start, period_start, period_end, title, summary, metrics, evidence, "
        "confidence, suggested_department FROM insights WHERE retired_at IS NULL").fetchall()
    out = {}
    for kind, subject, ep, a, b, title, summary, metrics, evidence, conf, dept in rows:
        key = (kind, subject, ep)
        assert key not in out, f"two live insights share the identity {key}"
        out[key] = _same((a, b, title, summary, json.loads(metrics), json.loads(evidence), conf, dept))
    return out


def _components(windows: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """The union of the windows as separate stretches of consecutive days."""
    out: list[list[date]] = []
    for a, b in sorted(windows):
        if out and a <= out[-1][1] + timedelta(days=1):
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


windows = st.lists(st.tuples(st.integers(0, SPAN), st.integers(0, SPAN)).map(
    lambda t: (FIRST + timedelta(days=min(t)), FIRST + timedelta(days=max(t)))), min_size=1, max_size=3)


@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@example([(date(2025, 8, 1), date(2025, 8, 4)), (date(2025, 8, 5), date(2025, 8, 5)),
          (date(2025, 8, 3), date(2025, 8, 11))])                         # the spike split over three runs
@example([(date(2025, 8, 6), date(2025, 8, 11)), (date(2025, 7, 20), date(2025, 8, 5))])  # later days first
@example([(date(2025, 7, 25), date(2025, 8, 8)), (date(2025, 7, 25), date(2025, 8, 8))])  # the same run twice
@given(windows)
def test_any_sequence_of_runs_equals_one_run_over_their_union(template, tmp_path_factory, windows):
    tmp = tmp_path_factory.mktemp("case")
    seq = _fresh(template, tmp, "sequence")
    for a, b in windows:
        find_insights(seq, a, b)
    union = _fresh(template, tmp, "union")
    for a, b in _components(windows):
        find_insights(union, a, b)
    got, want = _state(seq), _state(union)
    seq.close()
    union.close()
    assert got.keys() == want.keys()
    for key in want:
        assert got[key] == want[key], key


def test_rerun_over_a_longer_window_updates_and_keeps_the_lifecycle(template, tmp_path):
    from earful.ledger import load_routing, load_value_model, record_estimates, route_insights, transition
    from earful.ledger.plans import add_comment, comments
    from earful.ledger.value import reconcile

    con = _fresh(template, tmp_path, "rerun")
    first = find_insights(con, date(2025, 8, 1), date(2025, 8, 5))
    spike = next(i for i in first if i.kind == "emerging_issue" and i.subject == "fees")
    assert (spike.period_start, spike.period_end) == (date(2025, 8, 5), date(2025, 8, 5))
    route_insights(con, load_routing(EXAMPLES / "routing.yaml"))
    record_estimates(con, load_value_model(EXAMPLES / "value.yaml"))
    dept = con.execute("SELECT department FROM ledger_routes WHERE insight_id = ?", [spike.id]).fetchone()[0]
    transition(con, spike.id, dept, "shared", who="ana")
    transition(con, spike.id, dept, "acknowledged", who="bea")
    add_comment(con, spike.id, "looking into the fee table", who="bea", department=dept)
    before = con.execute("SELECT amount FROM ledger_values WHERE insight_id = ? ORDER BY id DESC", [spike.id]).fetchone()
    n, routes = (con.execute("SELECT count(*) FROM insights").fetchone()[0],
                 con.execute("SELECT count(*) FROM ledger_routes").fetchone()[0])

    again = find_insights(con, date(2025, 8, 1), date(2025, 8, 11))   # longer: the spike's second day is in
    grown = next(i for i in again if i.kind == "emerging_issue" and i.subject == "fees")
    assert grown.id == spike.id and grown.period_end > spike.period_end       # its end day moved, same insight
    assert con.execute("SELECT count(*) FROM ledger_routes").fetchone()[0] == routes
    assert con.execute("SELECT state FROM ledger_routes WHERE insight_id = ? AND department = ?",
                       [spike.id, dept]).fetchone()[0] == "acknowledged"
    assert [c["text"] for c in comments(con, spike.id)] == ["looking into the fee table"]
    # its figures changed, so the ledger re-estimated it with the value model it keeps (a new row)
    after = con.execute("SELECT amount FROM ledger_values WHERE insight_id = ? ORDER BY id DESC", [spike.id]).fetchone()
    assert after[0] > before[0]
    assert route_insights(con, load_routing(EXAMPLES / "routing.yaml")) == [] or \
        con.execute("SELECT count(*) FROM insights").fetchone()[0] > n   # only new findings get routes
    total = reconcile(con, month="2025-08")["totals"][0]["estimated"]
    find_insights(con, date(2025, 8, 3), date(2025, 8, 9))             # inside what was analysed: no change
    assert reconcile(con, month="2025-08")["totals"][0]["estimated"] == total
    con.close()


def test_merge_keeps_the_route_that_got_furthest_and_every_history_row(con):
    from earful.insights.identity import resolve
    from earful.ledger.lifecycle import merge_insights

    for iid, created in (("keep", datetime(2025, 9, 1, 8)), ("twin", datetime(2025, 9, 2, 8))):
        con.execute("INSERT INTO insights (id, kind, title, period_start, period_end, subject, episode_start, created_at)"
                    " VALUES (?, 'driver', 'x', DATE '2025-08-01', DATE '2025-08-31', 'fees', DATE '2025-08-01', ?)",
                    [iid, created])
    routes = [("keep", "ops", "new"), ("twin", "ops", "acknowledged"), ("twin", "billing", "dismissed")]
    for iid, dept, st_ in routes:
        con.execute("INSERT INTO ledger_routes (insight_id, department, rule, state, routed_at, updated_at) "
                    "VALUES (?, ?, 'r', ?, TIMESTAMP '2025-09-01 08:00', TIMESTAMP '2025-09-02 08:00')", [iid, dept, st_])
        con.execute("INSERT INTO ledger_history (insight_id, department, to_state, who, at_time) "
                    "VALUES (?, ?, ?, 'x', TIMESTAMP '2025-09-02 08:00')", [iid, dept, st_])
    con.execute("INSERT INTO ledger_values (insight_id, department, kind, amount, currency, who, at_time) "
                "VALUES ('twin', 'ops', 'confirmed', 10, 'EUR', 'x', now())")
    merge_insights(con, "keep", ["twin"], note="test")
    assert dict(con.execute("SELECT department, state FROM ledger_routes WHERE insight_id = 'keep'").fetchall()) == \
        {"ops": "acknowledged", "billing": "dismissed"}
    assert con.execute("SELECT count(*) FROM ledger_history WHERE insight_id = 'keep'").fetchone()[0] == 3 + 2
    assert con.execute("SELECT count(*) FROM ledger_values WHERE insight_id = 'keep'").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM insights").fetchone()[0] == 1
    assert resolve(con, "twin") == "keep" and resolve(con, "keep") == "keep"


def test_migration_merges_twins_stored_by_runs_over_different_windows(tmp_path):
    """A store written before identity existed: the demo's month (1-30 Aug) and the report's (1-31 Aug)
    stored every insight twice and routing sent both; the migration leaves one of each, with all
    routes (the furthest state), history and values."""
    from earful.store import schema

    db = tmp_path / "old.duckdb"
    raw = duckdb.connect(str(db))
    old = [m for m in schema.MIGRATIONS if m[0] < 11]
    schema._ensure_version_table(raw)
    for number, name, sql in old:
        raw.execute(sql)
        raw.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [number, name])
    windows = [(date(2025, 8, 1), date(2025, 8, 30), datetime(2025, 9, 1, 8)),
               (date(2025, 8, 1), date(2025, 8, 31), datetime(2025, 9, 2, 8))]
    for k, (a, b, at) in enumerate(windows):
        for kind, reason, metrics in (("emerging_issue", "fees", {"first_day": "2025-08-19", "contacts": 120 + k}),
                                      ("driver", "lost_card", {"rank": 1, "avoidable_cost": 100.0 + k}),
                                      ("competitor", None, {"competitor": "Northwind Bank", "count": 7})):
            iid = f"{kind}-{k}"
            raw.execute("INSERT INTO insights (id, kind, title, period_start, period_end, reason, metrics, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [iid, kind, f"{kind} run {k}", a, b, reason,
                                                            json.dumps(metrics), at])
            raw.execute("INSERT INTO ledger_routes VALUES (?, 'ops', 'r', ?, ?, ?)",
                        [iid, "acknowledged" if k == 0 else "new", at, at])
            raw.execute("INSERT INTO ledger_history (id, insight_id, department, to_state, who, at_time) "
                        "VALUES (nextval('ledger_history_seq'), ?, 'ops', 'new', 'x', ?)", [iid, at])
            raw.execute("INSERT INTO ledger_values (id, insight_id, kind, amount, currency, who, at_time) "
                        "VALUES (nextval('ledger_value_seq'), ?, 'estimated', ?, 'EUR', 'x', ?)", [iid, 100 + k, at])
    raw.close()

    con = connect(db)   # applies 011 and 012
    rows = con.execute("SELECT id, kind, subject, episode_start, period_end, title FROM insights ORDER BY id").fetchall()
    assert [(r[0], r[2], r[3]) for r in rows] == [
        ("competitor-0", "Northwind Bank", date(2025, 8, 1)), ("driver-0", "lost_card", date(2025, 8, 1)),
        ("emerging_issue-0", "fees", date(2025, 8, 19))]
    assert all(r[4] == date(2025, 8, 31) and r[5].endswith("run 1") for r in rows)   # the latest run's figures
    assert con.execute("SELECT count(*), count(DISTINCT insight_id), min(state) FROM ledger_routes").fetchone() == \
        (3, 3, "acknowledged")                                                       # the furthest state kept
    assert con.execute("SELECT count(*) FROM ledger_history WHERE note IS NULL").fetchone()[0] == 6
    assert con.execute("SELECT count(*) FROM ledger_values").fetchone()[0] == 6
    assert con.execute("SELECT count(*) FROM insight_merges").fetchone()[0] == 3
    assert con.execute("SELECT count(*) FROM insight_runs").fetchone()[0] == 2
    con.close()
