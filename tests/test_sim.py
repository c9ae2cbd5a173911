"""The simulator: determinism, queueing against Erlang A, planted truth in raw counts, clean import."""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from typer.testing import CliRunner

from earful.sim import simulate, write_simulation
from earful.sim._queue import run_queue, server_ids_by_slot
from earful.sim._text import luhn_valid
from _sim import erlang_a


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    """The demo month (30 days, seed 7), written once."""
    out = tmp_path_factory.mktemp("sim")
    sim = simulate(days=30, seed=7)
    paths = write_simulation(sim, out)
    records = [json.loads(line) for line in paths["interactions"].read_text(encoding="utf-8").splitlines()]
    truth = json.loads(paths["truth"].read_text(encoding="utf-8"))
    return sim, paths, records, truth


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    a = write_simulation(simulate(days=4, seed=3), tmp_path / "a")
    b = write_simulation(simulate(days=4, seed=3), tmp_path / "b")
    c = write_simulation(simulate(days=4, seed=4), tmp_path / "c")
    for k in ("interactions", "truth"):
        assert a[k].read_bytes() == b[k].read_bytes()
    assert a["interactions"].read_bytes() != c["interactions"].read_bytes()


def test_queue_engine_matches_erlang_a():
    """Stationary M/M/n+M on the ciw core: abandonment and 20-s service level within batch error of Erlang A."""
    rng = np.random.default_rng(11)
    lam, aht, patience, n, hours = 1 / 20, 240.0, 180.0, 12, 120
    horizon = hours * 3600.0
    arrivals = np.cumsum(rng.exponential(1 / lam, int(lam * horizon * 1.05)))
    arrivals = arrivals[arrivals < horizon]
    service = rng.exponential(aht, len(arrivals))
    pat = rng.exponential(patience, len(arrivals))
    res = run_queue(arrivals, service, pat, np.array([horizon]), np.array([n]), seed=1)
    keep = arrivals > 3600  # drop the first hour (starts empty)
    batches = np.array_split(np.flatnonzero(keep), 20)
    ab = np.array([(~res.answered[b]).mean() for b in batches])
    sl = np.array([(res.answered[b] & (res.wait_s[b] <= 20)).mean() for b in batches])
    want_ab, want_sl = erlang_a(lam, 1 / aht, 1 / patience, n, 20)
    se_ab, se_sl = ab.std(ddof=1) / np.sqrt(len(ab)), sl.std(ddof=1) / np.sqrt(len(sl))
    assert abs(ab.mean() - want_ab) < 4 * se_ab + 0.003, (ab.mean(), want_ab, se_ab)
    assert abs(sl.mean() - want_sl) < 4 * se_sl + 0.005, (sl.mean(), want_sl, se_sl)
    assert 0.02 < want_ab < 0.2 and 0.5 < want_sl < 0.95  # a load where both measures matter


def test_servers_follow_the_schedule():
    """ciw numbers servers afresh each slot: every answer starts in its server's slot (or it kept working)."""
    rng = np.random.default_rng(2)
    arr = np.sort(rng.uniform(0, 4 * 3600, 600))
    servers = np.array([2, 5, 1, 4, 3, 3, 0, 2])
    ends = np.arange(1, 9) * 1800.0
    res = run_queue(arr, rng.exponential(200, 600), rng.exponential(600, 600), ends, servers)
    last = len(servers) - 1
    for i in np.flatnonzero(res.answered):
        k = int(res.server_slot[i])
        assert k * 1800 <= res.start_s[i] and (k == last or res.start_s[i] < (k + 1) * 1800)
        assert 0 <= res.server_rank[i] < servers[k]
    # ciw numbers each slot's servers afresh (and once more after the last slot)
    assert len(server_ids_by_slot(servers)) == len(servers)
    assert set(res.server_slot[res.answered].tolist()) >= {0, 1, 2, 3, 4, 5, 7}
    assert res.answered.sum() > 150  # about what 2-5 agents can take in 4 hours


def test_month_voice_agrees_with_erlang_a_by_slot(month):
    """Abandonment and service level of the simulated month vs Erlang A on each slot's load and staffing.

    The month is not stationary (handle times are log-normal, load moves inside a slot, queues carry
    over between slots), so agreement is asked within a few points, not to simulation error alone.
    """
    _, _, records, truth = month
    voice = [r for r in records if r["queue"] == "voice"]
    handled = [r["talk_s"] + r["hold_s"] + r["wrap_s"] for r in voice if not r["abandoned"]]
    mu = 1 / statistics.mean(handled)
    theta = 1 / truth["parameters"]["patience_mean_s"]["voice"]
    start = date.fromisoformat(truth["staffing"]["first_day"])
    slot_s = truth["staffing"]["slot_minutes"] * 60
    by_slot = defaultdict(list)
    for r in voice:
        t = datetime.fromisoformat(r["offered_at"])
        by_slot[((t.date() - start).days, (t.hour * 3600 + t.minute * 60 + t.second) // slot_s)].append(r)
    want_ab = want_sl = 0.0
    for (d, k), rs in by_slot.items():
        agents = truth["staffing"]["voice"][d][k]
        ab, sl = erlang_a(len(rs) / slot_s, mu, theta, agents, 20, n_max=60)
        want_ab += ab * len(rs)
        want_sl += sl * len(rs)
    got_ab = sum(r["abandoned"] for r in voice) / len(voice)
    got_sl = sum((not r["abandoned"]) and r["wait_s"] <= 20 for r in voice) / len(voice)
    assert abs(got_ab - want_ab / len(voice)) < 0.03, (got_ab, want_ab / len(voice))
    assert abs(got_sl - want_sl / len(voice)) < 0.06, (got_sl, want_sl / len(voice))
    assert 0.03 < got_ab < 0.3


def _daily(records, truth, reason):
    start = date.fromisoformat(truth["generator"]["start"])
    n = [0] * truth["generator"]["days"]
    for r in records:
        if r.get("disposition") == reason and "offered_at" in r:
            n[(datetime.fromisoformat(r["offered_at"]).date() - start).days] += 1
    return np.array(n), start


def test_planted_events_show_in_raw_counts(month):
    _, _, records, truth = month
    ev = {e["kind"]: e for e in truth["events"]}
    spike, start = _daily(records, truth, ev["spike"]["reason"])
    s0 = (date.fromisoformat(ev["spike"]["start"]) - start).days
    others = np.delete(spike, [s0, s0 + 1])
    assert spike[s0:s0 + 2].min() > 3 * np.median(others)
    drift, _ = _daily(records, truth, ev["drift"]["reason"])
    d0 = (date.fromisoformat(ev["drift"]["start"]) - start).days
    d1 = (date.fromisoformat(ev["drift"]["end"]) - start).days
    assert drift[d1 - 6:d1 + 1].sum() > 2 * drift[max(0, d0 - 7):d0].sum()
    new, _ = _daily(records, truth, ev["new_reason"]["reason"])
    n0 = (date.fromisoformat(ev["new_reason"]["start"]) - start).days
    assert new[:n0].sum() == 0 and new[n0:].min() > 0 and new[n0:].mean() > 10


def test_reason_and_agent_effects_show(month):
    _, _, records, truth = month
    by_id = {r["source_id"]: r for r in records}
    surveys = [r for r in records if r["channel"] == "survey"]
    csat_by = defaultdict(list)
    for s in surveys:
        c = by_id[s["related_id"]]
        csat_by[("reason", c["disposition"])].append(s["csat"])
        csat_by[("agent", c.get("agent_id"))].append(s["csat"])
    overall = statistics.mean(s["csat"] for s in surveys)
    eff = {e["effect"]: e for e in truth["reason_effects"]}
    assert statistics.mean(csat_by[("reason", eff["csat"]["reason"])]) < overall - 0.6
    # repeats: share of a reason's contacts followed by the same customer's repeat
    firsts = Counter(r.get("disposition") for r in records if r["channel"] != "survey" and not r["abandoned"])
    repeated = Counter(by_id[r["metadata"]["repeat_of"]].get("disposition")
                       for r in records if "repeat_of" in r.get("metadata", {}))
    rate = {k: repeated[k] / v for k, v in firsts.items() if k}
    assert rate[eff["repeat_rate"]["reason"]] > 2.5 * statistics.median(rate.values())
    talk = defaultdict(list)
    for r in records:
        if r["channel"] == "voice" and not r["abandoned"] and r["queue"] == "voice":
            talk[r["disposition"]].append(r["talk_s"])
            talk[("agent", r["agent_id"])].append(r["talk_s"])
    typical = statistics.median(statistics.median(v) for k, v in talk.items() if isinstance(k, str))
    assert statistics.median(talk[eff["handle_time"]["reason"]]) > 1.7 * typical
    agents = {a["behaviour"]: a["agent_id"] for a in truth["agents"]}
    all_aht = statistics.median(statistics.median(v) for k, v in talk.items() if isinstance(k, tuple))
    assert statistics.median(talk[("agent", agents["slow"])]) > 1.4 * all_aht
    assert statistics.mean(csat_by[("agent", agents["rude"])]) < overall - 0.8
    assert statistics.mean(csat_by[("agent", agents["star"])]) > overall + 0.3
    xfer = Counter(r["agent_id"] for r in records if r["queue"] == "voice" and r.get("transferred"))
    calls = Counter(r["agent_id"] for r in records if r["queue"] == "voice" and not r["abandoned"])
    xrate = {a: xfer[a] / calls[a] for a in calls}
    assert xrate[agents["transfers_a_lot"]] > 2 * statistics.median(xrate.values())


def test_surveys_customers_and_pii(month):
    _, _, records, truth = month
    by_id = {r["source_id"]: r for r in records}
    contacts = [r for r in records if r["channel"] != "survey" and not r["abandoned"]]
    surveys = [r for r in records if r["channel"] == "survey"]
    assert 0.07 < len(surveys) / len(contacts) < 0.13
    assert all(1 <= s["csat"] <= 5 and 0 <= s["nps"] <= 10 and 1 <= s["ces"] <= 7 for s in surveys)
    # answers depend on waiting: long-waited voice calls score lower
    voice = [(by_id[s["related_id"]]["wait_s"], s["csat"]) for s in surveys
             if by_id[s["related_id"]]["channel"] == "voice"]
    assert statistics.mean(c for w, c in voice if w > 180) < statistics.mean(c for w, c in voice if w < 20) - 0.3
    words = {}
    for r in records:
        words[r["source_id"]] = " ".join([r.get("text", "")] + [t["text"] for t in r.get("turns", [])
                                                                 if t["speaker"] == "customer"])
    for kind, phrases in (("churn_threat", ("isn't sorted this week", "Northwind Bank", "switch banks", "Fernleaf Bank")),
                          ("praise", ("brilliant", "impressed", "excellent service", "fantastic"))):
        ids = truth["customers"][kind]
        assert len(ids) >= 30
        assert all(any(p in words[i] for p in phrases) for i in ids)
        others = [i for i in words if i not in set(ids)]
        assert not any(any(p in words[i] for p in phrases) for i in others)
    assert 0.03 < len(truth["pii"]) / len(contacts) < 0.07
    kinds = Counter(p["kind"] for p in truth["pii"])
    assert set(kinds) == {"name", "phone", "email", "card", "account"}
    for p in truth["pii"]:
        r = by_id[p["id"]]
        assert p["value"] in r["turns"][p["turn_seq"]]["text"]
        if p["kind"] == "card":
            assert luhn_valid(p["value"])


def test_records_are_consistent(month):
    sim, _, records, truth = month
    assert 20_000 < len(records) < 40_000
    assert {r["channel"] for r in records} == {"voice", "chat", "email", "social", "sms", "survey"}
    assert len({r["source_id"] for r in records}) == len(records)
    ids = {r["source_id"] for r in records}
    for r in records:
        assert r.get("related_id", next(iter(ids))) in ids
        if r["channel"] == "survey":
            continue
        t0 = datetime.fromisoformat(r["offered_at"])
        if r["abandoned"]:
            assert "agent_id" not in r and "disposition" not in r and "turns" not in r
            assert datetime.fromisoformat(r["ended_at"]) - t0 == timedelta(seconds=r["wait_s"])
        else:
            assert datetime.fromisoformat(r["answered_at"]) - t0 == timedelta(seconds=r["wait_s"])
            assert r["disposition"] in truth["reasons"]
    # voice offered only in opening hours
    assert all(8 <= datetime.fromisoformat(r["offered_at"]).hour < 20 for r in records if r["queue"] in ("voice", "chat"))


def test_files_import_with_nothing_quarantined(month, con):
    from earful.ingest import ingest_file

    _, paths, records, _ = month
    result = ingest_file(con, paths["interactions"], fmt="earful")
    assert result.quarantined == 0
    assert con.execute("SELECT count(*) FROM interactions").fetchone()[0] == len(records)
    assert con.execute("SELECT count(*) FROM interactions WHERE related_id IS NOT NULL AND related_id NOT IN "
                       "(SELECT id FROM interactions)").fetchone()[0] == 0
    n_turns = sum(len(r.get("turns", [])) for r in records)
    assert con.execute("SELECT count(*) FROM turns").fetchone()[0] == n_turns


def test_cli_simulate(tmp_path):
    from earful.cli import app

    out = tmp_path / "demo"
    r = CliRunner().invoke(app, ["simulate", "--days", "2", "--seed", "5", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert (out / "interactions.jsonl").stat().st_size > 0 and (out / "truth.json").exists()
    bad = CliRunner().invoke(app, ["simulate", "--days", "0", "--out", str(out)])
    assert bad.exit_code == 2 and "Traceback" not in bad.output and "days" in bad.output
