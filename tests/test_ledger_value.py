"""Value ledger: visible formulas, exact decimals, confirmed values, totals and credit report."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from _ledger import EXAMPLES, add_insight, write
from earful.errors import ConfigError, InputError
from earful.ledger import (confirm_value, credit_report, estimate, load_routing, load_value_model,
                           record_estimates, route_insights, totals, transition)
from earful.ledger.value import money


@pytest.fixture()
def model():
    return load_value_model(EXAMPLES / "value.yaml")


def test_each_formula_with_its_working(model):
    e = estimate({"id": "a", "kind": "emerging_issue", "metrics": {"contacts": 1240}}, model)
    # 1240 × 0.5 × 12 × 4.80 = 35,712.00
    assert e.amount == Decimal("35712.00") and e.currency == "EUR"
    assert e.inputs["contacts_per_month"] == {"value": "1240", "from": "insight metrics.contacts"}
    assert e.inputs["avoidable_share"]["value"] == "0.5"
    assert "1,240 × 0.5 × 12 × 4.80 = 35,712.00 EUR" == e.working
    e = estimate({"id": "b", "kind": "churn_risk", "metrics": {"churn_threats": 37}}, model)
    assert e.amount == Decimal("37") * Decimal("0.2") * Decimal("420.00")  # 3,108.00
    assert "(" not in e.working
    e = estimate({"id": "c", "kind": "competitor", "metrics": {"leads": 15}}, model)
    assert e.amount == Decimal("1350.00")


def test_missing_input_or_kind_is_skipped_not_guessed(model):
    e = estimate({"id": "a", "kind": "emerging_issue", "metrics": {}}, model)
    assert e.amount is None and "contacts_per_month" in e.skipped
    assert estimate({"id": "a", "kind": "testimonial", "metrics": {"count": 3}}, model).skipped


def test_decimals_are_exact(tmp_path):
    m = load_value_model(write(tmp_path / "v.yaml", """\
currency: eur
parameters: {price: 0.10, share: 33.3333%}
inputs: {n: [n]}
formulas: {f: n * price * share + 0.005}
kinds: {k: f}
"""))
    e = estimate({"id": "x", "kind": "k", "metrics": {"n": 3}}, m)
    # 3 × 0.10 × 0.333333 + 0.005 = 0.104999900 → 0.10 (half-up); a float path would drift
    assert e.amount == Decimal("0.10") and e.currency == "EUR"
    assert money("2.675") == Decimal("2.68")  # float(2.675) rounds to 2.67
    assert sum([money("0.10")] * 3) == Decimal("0.30")


@pytest.mark.parametrize("text, line, words", [
    ("currency: EUR\nformulas:\n  f: a * b\nkinds: {k: f}\n", 3, "neither a parameter"),
    ("currency: EUR\nparameters: {a: 1}\nformulas:\n  f: a ** 2\nkinds: {k: f}\n", 4, "only"),
    ("currency: EUR\nparameters: {a: 1}\nformulas:\n  f: __import__('os')\nkinds: {k: f}\n", 4, "not allowed"),
    ("currency: EUR\nparameters: {a: 1}\nformulas: {f: a}\nkinds:\n  k: g\n", 5, "unknown formula"),
    ("currency: EURO\nformulas: {}\nkinds: {}\n", 1, "three-letter"),
    ("currency: EUR\nparameters:\n  a: lots\nformulas: {}\nkinds: {}\n", 3, "number"),
])
def test_bad_value_model_names_its_line(tmp_path, text, line, words):
    with pytest.raises(ConfigError) as exc:
        load_value_model(write(tmp_path / "value.yaml", text))
    assert str(exc.value).startswith(f"value.yaml:{line}:") and words in str(exc.value), str(exc.value)


@pytest.fixture()
def ledger(con, tmp_path, model):
    cfg = load_routing(write(tmp_path / "r.yaml", "departments:\n  billing:\n  sales:\n  product:\nrules:\n"
                             "  - when: {kind: emerging_issue}\n    to: billing\n"
                             "  - when: {kind: competitor}\n    to: [sales, product]\n"))
    add_insight(con, "e1", "emerging_issue", metrics={"contacts": 100}, period_end=date(2025, 8, 31))   # 2,880.00
    add_insight(con, "e2", "emerging_issue", metrics={"contacts": 10.5}, period_end=date(2025, 9, 30))  # 302.40
    add_insight(con, "c1", "competitor", metrics={"leads": 3}, period_end=date(2025, 8, 31))            # 270.00
    add_insight(con, "t1", "testimonial", period_end=date(2025, 8, 31))                                   # no formula
    route_insights(con, cfg, now=datetime(2025, 9, 1))
    est = record_estimates(con, model, who="ledger")
    assert {e.insight_id: e.amount for e in est} == {"e1": Decimal("2880.00"), "e2": Decimal("302.40"),
                                                      "c1": Decimal("270.00"), "t1": None}
    assert [e for e in record_estimates(con, model) if e.amount is not None] == []  # estimates once
    return con


def test_confirmed_value_after_actioned_only(ledger):
    con = ledger
    with pytest.raises(InputError, match="after it is actioned"):
        confirm_value(con, "e1", "billing", "1000", "EUR", who="bob")
    for s in ("shared", "acknowledged", "actioned"):
        transition(con, "e1", "billing", s, who="bob")
    assert confirm_value(con, "e1", "billing", "1999.995", "eur", who="bob", note="fewer fee calls") == Decimal("2000.00")
    row = con.execute("SELECT amount, currency, typeof(amount) FROM ledger_values WHERE kind='confirmed'").fetchone()
    assert row == (Decimal("2000.00"), "EUR", "DECIMAL(18,2)")
    assert con.execute("SELECT state FROM ledger_routes WHERE insight_id='e1'").fetchone()[0] == "value_confirmed"


def test_totals_by_department_period_kind_and_credit_report(ledger):
    con = ledger
    for s in ("shared", "acknowledged", "actioned"):
        transition(con, "c1", "sales", s, who="s")
    confirm_value(con, "c1", "sales", Decimal("450.10"), "EUR", who="s")
    by_dept = {r["department"]: r for r in totals(con, ("department",))}
    assert by_dept["billing"]["estimated"] == Decimal("3182.40")
    assert by_dept["sales"]["estimated"] == by_dept["product"]["estimated"] == Decimal("270.00")
    assert by_dept["sales"]["confirmed"] == Decimal("450.10") and by_dept["product"]["confirmed"] == 0
    overall = totals(con, ())
    assert overall[0]["estimated"] == Decimal("3452.40")  # c1 counted once overall
    by_period = {r["period"]: r["estimated"] for r in totals(con, ("period",))}
    assert by_period == {"2025-08": Decimal("3150.00"), "2025-09": Decimal("302.40")}
    by_kind = {r["kind"]: r["estimated"] for r in totals(con, ("kind",))}
    assert by_kind == {"emerging_issue": Decimal("3182.40"), "competitor": Decimal("270.00")}
    assert {r["period"] for r in totals(con, ("period",), start=date(2025, 9, 1))} == {"2025-09"}
    report = {r["department"]: r for r in credit_report(con)}
    assert report["sales"]["value_confirmed"] == 1 and report["sales"]["confirmed"] == Decimal("450.10")
    assert report["billing"]["received"] == 2 and report["billing"]["waiting"] == 2


def test_working_keeps_needed_parentheses(tmp_path):
    m = load_value_model(write(tmp_path / "v.yaml", "currency: EUR\nparameters: {a: 10, b: 4, c: 2}\n"
                                                    "formulas: {f: (a - b) * c - (a - (b - c)) / c}\nkinds: {k: f}\n"))
    e = estimate({"id": "x", "kind": "k"}, m)
    assert e.amount == Decimal("8.00")  # (10-4)*2 - (10-2)/2 = 12 - 4
    assert e.working == "(10 - 4) × 2 - (10 - (4 - 2)) ÷ 2 = 8.00 EUR"
