"""Routing rules (each condition type, several departments, triage) and routing.yaml validation."""

from __future__ import annotations

from datetime import datetime

import pytest

from _ledger import EXAMPLES, add_insight, write
from earful.errors import ConfigError
from earful.ledger import departments_for, load_routing, route_insights
from earful.ledger.lifecycle import history, routes

RULES = """\
triage: triage
departments:
  billing: {name: Billing}
  product:
  marketing:
  sales:
  it:
  ops:
rules:
  - name: by kind
    when: {kind: competitor}
    to: [marketing, sales]
  - name: by reason pattern
    when: {reason: ["*fee*", card_payment_wrong_exchange_rate]}
    to: billing
  - name: by topic
    when: {topic: mobile app login}
    to: it
  - name: by product
    when: {product: [SuperCard]}
    to: product
  - name: by competitor name
    when: {competitor: "Bank of*"}
    to: sales
  - name: kind and reason together
    when: {kind: emerging_issue, reason: card_arrival}
    to: ops
  - name: follow the engine's suggestion
    when: {suggested_department: it}
    to: it
"""


@pytest.fixture()
def cfg(tmp_path):
    return load_routing(write(tmp_path / "routing.yaml", RULES))


def _depts(cfg, **ins):
    return sorted(d for d, _ in departments_for({"id": "x", **ins}, cfg))


def test_each_condition_type_routes(cfg):
    assert _depts(cfg, kind="competitor") == ["marketing", "sales"]
    assert _depts(cfg, kind="driver", reason="transfer_fee_charged") == ["billing"]
    assert _depts(cfg, kind="driver", reason="card_payment_wrong_exchange_rate") == ["billing"]
    assert _depts(cfg, kind="emerging_issue", topic="Mobile App Login") == ["it"]  # case-insensitive
    assert _depts(cfg, kind="product_feedback", metrics={"products": ["SuperCard", "Basic"]}) == ["product"]
    assert _depts(cfg, kind="product_feedback", evidence={"product": "SuperCard"}) == ["product"]
    assert _depts(cfg, kind="churn_risk", metrics={"competitors": [{"name": "Bank of Nowhere", "count": 3}]}) == ["sales"]
    assert _depts(cfg, kind="driver", suggested_department="it") == ["it"]


def test_all_conditions_of_a_rule_must_match(cfg):
    assert _depts(cfg, kind="emerging_issue", reason="card_arrival") == ["ops"]
    assert _depts(cfg, kind="driver", reason="card_arrival") == ["triage"]


def test_several_rules_several_departments_and_triage(cfg):
    assert _depts(cfg, kind="competitor", reason="exchange_fee") == ["billing", "marketing", "sales"]
    assert _depts(cfg, kind="testimonial") == ["triage"]
    # the first rule that sends to a department names the route
    assert dict(departments_for({"id": "x", "kind": "competitor", "competitor": "Bank of Y"}, cfg))["sales"] == "by kind"


def test_route_insights_writes_routes_once(con, cfg):
    add_insight(con, "i1", "competitor")
    add_insight(con, "i2", "driver", reason="atm_fee")
    add_insight(con, "i3", "testimonial")
    new = route_insights(con, cfg, who="tester", now=datetime(2025, 9, 1, 9))
    assert sorted((i, d) for i, d, _ in new) == [("i1", "marketing"), ("i1", "sales"), ("i2", "billing"),
                                                 ("i3", "triage")]
    assert {r["state"] for r in routes(con)} == {"new"}
    assert route_insights(con, cfg, who="tester") == []  # idempotent
    add_insight(con, "i4", "competitor")
    assert len(route_insights(con, cfg, who="tester")) == 2
    h = history(con, "i2")
    assert [(x["from_state"], x["to_state"], x["who"]) for x in h] == [(None, "new", "tester")]


def test_example_routing_file_loads():
    cfg = load_routing(EXAMPLES / "routing.yaml")
    assert cfg.triage == "operations" and "billing" in cfg.departments
    assert sorted(d for d, _ in departments_for({"id": "x", "kind": "driver", "reason": "card_payment_fee_charged"},
                                                cfg)) == ["billing"]


@pytest.mark.parametrize("text, line, words", [
    ("departments:\n  a:\nrules:\n  - when: {kind: x}\n    to: b\n", 5, "unknown department 'b'"),
    ("departments:\n  a:\nrules:\n  - when: {kind: x}\n", 4, "'to'"),
    ("departments:\n  a:\nrules:\n  - to: a\n    when: {colour: red}\n", 5, "unknown key 'colour'"),
    ("departments:\n  a:\n    webhook: ftp://x\n", 3, "webhook"),
    ("departments:\n  a:\n    email: [nobody]\n", 3, "e-mail"),
    ("departments:\n  a:\n  a:\n", 3, "twice"),
    ("departments:\n  a:\nrules:\n  - name: r\n    to: a\n    when: {kind: x}\n  - name: r\n    to: a\n"
     "    when: {kind: y}\n", 7, "used twice"),
    ("departments:\n  a: [\n", 3, "not valid YAML"),
    ("rules: []\n", 1, "'departments' is missing"),
    ("departments:\n  a:\nremind_after_days: soon\n", 3, "number"),
])
def test_bad_routing_files_name_their_line(tmp_path, text, line, words):
    with pytest.raises(ConfigError) as exc:
        load_routing(write(tmp_path / "routing.yaml", text))
    msg = str(exc.value)
    assert msg.startswith(f"routing.yaml:{line}:") and words in msg, msg
