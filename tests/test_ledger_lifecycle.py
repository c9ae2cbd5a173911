"""Lifecycle: every legal move, every illegal one refused, append-only history, reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from _ledger import add_insight, write
from earful.errors import InputError
from earful.ledger import STATES, TRANSITIONS, history, load_routing, overdue, route_insights, transition
from earful.ledger.lifecycle import current_state

T0 = datetime(2025, 9, 1, 9)


@pytest.fixture()
def routed(con, tmp_path):
    cfg = load_routing(write(tmp_path / "routing.yaml", "departments:\n  billing:\n  it:\nrules:\n"
                             "  - when: {kind: driver}\n    to: [billing, it]\n"))
    add_insight(con, "i1", "driver")
    route_insights(con, cfg, who="router", now=T0)
    return con


def test_happy_path_records_who_and_when(routed):
    con = routed
    path = ["shared", "acknowledged", "actioned", "value_confirmed"]
    for n, state in enumerate(path, start=1):
        transition(con, "i1", "billing", state, who=f"user{n}", now=T0 + timedelta(days=n))
    h = history(con, "i1", "billing")
    assert [(x["from_state"], x["to_state"]) for x in h] == [(None, "new"), ("new", "shared"),
                                                             ("shared", "acknowledged"), ("acknowledged", "actioned"),
                                                             ("actioned", "value_confirmed")]
    assert [x["who"] for x in h] == ["router", "user1", "user2", "user3", "user4"]
    assert [x["at_time"] for x in h][1:] == [T0 + timedelta(days=n) for n in range(1, 5)]
    assert current_state(con, "i1", "it") == "new"  # the other department's route is its own


@pytest.mark.parametrize("start", STATES)
def test_every_illegal_transition_is_refused(con, tmp_path, start):
    cfg = load_routing(write(tmp_path / "routing.yaml", "departments:\n  d:\nrules:\n  - when: {kind: k}\n    to: d\n"))
    add_insight(con, "i", "k")
    route_insights(con, cfg, now=T0)
    # walk to `start` the legal way
    walk = {"new": [], "shared": ["shared"], "acknowledged": ["shared", "acknowledged"],
            "actioned": ["shared", "acknowledged", "actioned"],
            "value_confirmed": ["shared", "acknowledged", "actioned", "value_confirmed"],
            "dismissed": ["dismissed"]}[start]
    for s in walk:
        transition(con, "i", "d", s, who="u", note="not ours" if s == "dismissed" else None)
    before = len(history(con))
    for target in STATES:
        if target in TRANSITIONS[start]:
            continue
        with pytest.raises(InputError, match="cannot move|unknown state"):
            transition(con, "i", "d", target, who="u", note="x")
        assert current_state(con, "i", "d") == start
    assert len(history(con)) == before  # refused moves leave no trace in the history


def test_dismiss_needs_a_reason_and_closes(routed):
    con = routed
    with pytest.raises(InputError, match="reason"):
        transition(con, "i1", "billing", "dismissed", who="ann")
    transition(con, "i1", "billing", "dismissed", who="ann", note="duplicate of INS-7")
    assert history(con, "i1", "billing")[-1]["note"] == "duplicate of INS-7"
    with pytest.raises(InputError, match="closed"):
        transition(con, "i1", "billing", "shared", who="ann")


def test_unknown_route_state_and_who(routed):
    with pytest.raises(InputError, match="not routed"):
        transition(routed, "i1", "sales", "shared", who="x")
    with pytest.raises(InputError, match="unknown state"):
        transition(routed, "i1", "billing", "done", who="x")
    with pytest.raises(InputError, match="who"):
        transition(routed, "i1", "billing", "shared", who=" ")


def test_history_is_append_only(routed):
    con = routed
    transition(con, "i1", "billing", "shared", who="a")
    first = history(con)
    transition(con, "i1", "billing", "acknowledged", who="b")
    assert history(con)[: len(first)] == first


def test_reminders_for_unacknowledged_past_n_days(routed):
    con = routed
    transition(con, "i1", "billing", "shared", who="a", now=T0)
    assert overdue(con, 7, now=T0 + timedelta(days=6)) == []
    late = overdue(con, 7, now=T0 + timedelta(days=8))
    assert sorted((o.department, o.state, o.days_open) for o in late) == [("billing", "shared", 8), ("it", "new", 8)]
    transition(con, "i1", "billing", "acknowledged", who="a", now=T0 + timedelta(days=8))
    assert [o.department for o in overdue(con, 7, now=T0 + timedelta(days=9))] == ["it"]
