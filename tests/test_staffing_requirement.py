"""The requirement curve: every interval against the channel's own definition; immediate channels by
Erlang C or A (checked interval by interval), deferred ones from backlog and response target
(checked by working the schedule it gives, earliest deadline first, in a simulation written here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from _service import sim_month  # noqa: F401  (a fixture)
from earful.errors import InputError
from earful.metrics.definitions import DEFAULTS, parse_definitions
from earful.staffing import agents_needed, erlang_a, requirement
from earful.staffing.requirement import intraday_requirement
from earful.store import connect

REPO = Path(__file__).resolve().parents[1]
DAY = [0] * 16 + [12, 18, 25, 30, 33, 34, 33, 31, 29, 27, 26, 25, 24, 23, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4] + [0] * 8


def test_immediate_channels_are_erlang_per_interval_with_their_own_target():
    voice = DEFAULTS.for_channel("voice")
    r = requirement(DAY, 390, voice, shrinkage=0.3)
    ref = agents_needed(np.array(DAY, float), 1800, 390, target_sl=0.8, threshold_s=20, shrinkage=0.3)
    assert r.model == "erlang_c" and list(r.agents) == [int(a) if d else 0 for a, d in zip(ref.agents, DAY)]
    assert list(r.positions) == [int(np.ceil(a / 0.7 - 1e-9)) for a in r.agents]
    assert r.agents[21] == 11  # 34 calls of 390 s in half an hour, 80 % in 20 s
    chat = requirement(DAY, 390, DEFAULTS.for_channel("chat"))  # 60 s and two chats at once
    servers = agents_needed(np.array(DAY, float), 1800, 390, target_sl=0.8, threshold_s=60).agents
    assert list(chat.agents) == [int(np.ceil(s / 2)) if d else 0 for s, d in zip(servers, DAY)]


def test_with_patience_each_interval_is_the_fewest_agents_erlang_a_allows():
    # voice's definition: 80 % within 20 s and at most 5 % abandoned (the default ceiling)
    voice = parse_definitions("channels:\n  voice: {target: 80%, within: 20s, patience: 180s}\n").for_channel("voice")
    r = requirement(DAY, 390, voice)
    assert r.model == "erlang_a" and voice.max_abandon == 0.05
    for calls, n in zip(DAY, r.agents):
        if not calls:
            assert n == 0
            continue
        at = erlang_a(calls, 1800, 390, n, 180, threshold_s=20)
        assert at.service_level >= 0.8 and at.abandon_rate <= 0.05
        fewer = erlang_a(calls, 1800, 390, n - 1, 180, threshold_s=20)
        assert fewer.service_level < 0.8 or fewer.abandon_rate > 0.05


def _work_through(req, work: np.ndarray, t: float, business: bool, interval_s: float) -> list[float]:
    """Work the schedule: each interval's arrivals (at its start) served earliest deadline first by the
    interval's agents while open; returns, per arrival interval, how long after arriving its last work was
    done (in open seconds when ``business``, else wall seconds). Five days in a row; the third is
    measured (the steady state of a repeating day, with the days after it to finish its work)."""
    n = len(work)
    open_s = np.asarray(req.open_share) * interval_s
    queue: list[list[float]] = []  # [deadline, remaining, arrival index]
    finished = [0.0] * n
    clock = 0.0  # open seconds so far (business) or wall seconds
    for day in range(5):
        for i in range(n):
            start = clock
            queue.append([start + t, work[i], i + n * day])
            queue.sort()
            capacity = req.agents[i] * open_s[i] * 1.0
            spent = 0.0
            while queue and capacity - spent > 1e-9:
                item = queue[0]
                take = min(item[1], capacity - spent)
                item[1] -= take
                spent += take
                if item[1] <= 1e-9:
                    done = start + (open_s[i] if business else interval_s) * spent / max(capacity, 1e-9)
                    if 2 * n <= item[2] < 3 * n:
                        finished[item[2] - 2 * n] = done - (item[0] - t)
                    queue.pop(0)
            clock += open_s[i] if business else interval_s
    assert not any(2 * n <= q[2] < 3 * n and q[1] > 1e-6 for q in queue), "work of the measured day left undone"
    return finished


@pytest.mark.parametrize("clock", ["business", "wall"])
def test_deferred_channels_answer_everything_within_the_target(clock):
    defs = parse_definitions("calendars:\n  office: {hours: {daily: '08:00-20:00'}}\n"
                             f"channels:\n  email: {{target: 90%, within: 24h, calendar: office, clock: {clock}}}\n")
    email = defs.for_channel("email")
    volume = np.array([0.4] * 16 + [6.0] * 24 + [1.5] * 8)  # e-mails arrive day and night
    share = np.array([0.0] * 16 + [1.0] * 24 + [0.0] * 8)
    r = requirement(volume, 285, email, open_share=share, cyclic=True, shrinkage=0.3)
    assert r.model == "deferred" and all(a == 0 for a, s in zip(r.agents, share) if s == 0)
    work = volume * 285
    # the agents' open time covers a day's work (nothing is staffed by Erlang C as if it were calls)
    assert float((r.agents * share * 1800).sum()) >= work.sum()
    assert float((r.agents * share * 1800).sum()) < work.sum() + 24 * 1800  # at most one agent rounded up each interval
    late = _work_through(r, work, 86400, clock == "business", 1800)
    assert max(late) <= 86400 + 1e-6, max(late)
    assert r.service_level.min() == 1.0 and r.backlog.max() > 0


def test_deferred_work_with_no_opening_within_the_target_is_late_and_said_so():
    defs = parse_definitions("calendars:\n  office: {hours: {daily: '08:00-20:00'}}\n"
                             "channels:\n  social: {within: 1h, calendar: office, clock: wall}\n")
    share = np.array([0.0] * 16 + [1.0] * 24 + [0.0] * 8)
    r = requirement([1.0] * 48, 200, defs.for_channel("social"), open_share=share, cyclic=True)
    assert r.service_level[2] == 0.0 and r.service_level[20] == 1.0  # 01:00 posts wait for 08:00
    assert any("late" in n for n in r.notes)
    with pytest.raises(InputError):
        requirement([1.0] * 4, 200, defs.for_channel("social"), open_share=[0, 0, 0, 0])


def test_the_demo_month_staffs_voice_by_erlang_and_email_from_its_backlog(sim_month):
    from earful.metrics.workload import busiest_interval, patience_estimate

    db, _ = sim_month
    with connect(db, read_only=True) as con:
        voice = intraday_requirement(con, "voice")
        calls, aht = busiest_interval(con, 1800, channel="voice")
        email = intraday_requirement(con, "email")
        a = intraday_requirement(con, "voice", patience_s="auto")
        patience = patience_estimate(con, "voice")
    # the busiest half hour needs what the what-if says for it, at voice's own 80/20 and 30 % shrinkage
    peak = voice.rows()[int(np.argmax(voice.volume))]
    assert peak["volume"] == pytest.approx(calls) and peak["aht_s"] == pytest.approx(aht)
    ref = agents_needed(calls, 1800, peak["aht_s"], target_sl=0.8, threshold_s=20, shrinkage=0.3)
    assert (peak["agents"], peak["positions"]) == (ref.agents, ref.positions)
    assert voice.model == "erlang_c" and voice.agents.max() >= peak["agents"]
    # against Erlang A, interval by interval, with the patience the month's abandons give: A's agents are
    # the fewest that meet voice's 80/20 and its 5 % abandon ceiling; where A asks for more than Erlang C,
    # it is because at C's count Erlang A sees more than 5 % of callers hang up (C cannot see abandons)
    assert a.model == "erlang_a"
    for v, h, n_c, n_a in zip(a.volume, a.aht_s, voice.agents, a.agents):
        if not v:
            continue
        at, fewer = erlang_a(v, 1800, h, n_a, patience, threshold_s=20), erlang_a(v, 1800, h, n_a - 1, patience, threshold_s=20)
        assert at.service_level >= 0.8 and at.abandon_rate <= 0.05
        assert fewer.service_level < 0.8 or fewer.abandon_rate > 0.05
        if n_a > n_c:
            assert erlang_a(v, 1800, h, n_c, patience, threshold_s=20).abandon_rate > 0.05
        assert abs(int(n_a) - int(n_c)) <= 2
    # e-mail: staffed only while the office is open, from its work and 24 business hours
    assert email.model == "deferred"
    closed = [i for i, s in enumerate(email.open_share) if s == 0]
    assert closed and all(email.agents[i] == 0 for i in closed)
    assert float((email.agents * email.open_share * 1800).sum()) >= float((email.volume * email.aht_s).sum())


def test_cli_and_api_give_the_curve(sim_month):
    import shutil

    import httpx

    from _web import login, serve

    db, _ = sim_month
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    out = subprocess.run([sys.executable, "-m", "earful.cli", "staff", "--channel", "email", "--json", "--db", str(db)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert body["model"] == "deferred" and len(body["intervals"]) == 48 and body["shrinkage"] == 0.3
    copy = db.with_name("staffing.duckdb")
    shutil.copy(db, copy)
    with serve(copy) as url, httpx.Client(base_url=url) as c:
        login(c, "eve")
        voice = c.get("/api/v1/staffing/intraday", params={"channel": "voice"}).json()
        email = c.get("/api/v1/staffing/intraday", params={"channel": "email"}).json()
        what_if = c.get("/api/v1/staffing", params={"channel": "voice"}).json()
        refused = c.get("/api/v1/staffing", params={"channel": "email"})
    assert voice["model"] == "erlang_c" and email["model"] == "deferred"
    peak = max(voice["intervals"], key=lambda r: r["volume"])
    assert what_if["threshold_s"] == 20 and what_if["calls"] == pytest.approx(round(peak["volume"], 1))
    assert next(r for r in what_if["items"] if r["target_sl"] == 0.8)["agents"] == peak["agents"]
    assert refused.status_code == 400 and "backlog" in refused.json()["error"]["message"]
