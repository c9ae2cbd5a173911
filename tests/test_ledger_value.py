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
    # 1240 × 0.5 × 4.80 = 2,976.00
    assert e.amount == Decimal("2976.00") and e.currency == "EUR"
    assert e.inputs["episode_contacts"] == {"value": "1240", "from": "insight metrics.contacts"}
    assert e.inputs["avoidable_share"]["value"] == "0.5"
    assert "1,240 × 0.5 × 4.80 = 2,976.00 EUR" == e.working
    e = estimate({"id": "d", "kind": "driver", "metrics": {"avoidable_cost": 1000.0, "contacts": 9},
                  "period_start": date(2025, 8, 1), "period_end": date(2025, 8, 31)}, model)
    # 1000 × 0.5 × 365 ÷ 31 = 5,887.0967… → 5,887.10
    assert e.amount == Decimal("5887.10") and e.working == "1,000.0 × 0.5 × 365 ÷ 31 = 5,887.10 EUR"
    assert e.inputs["period_days"]["from"].startswith("insight period_days")
    e = estimate({"id": "d", "kind": "driver", "metrics": {"avoidable_cost": 2137.232576364016},
                  "period_start": date(2025, 8, 1), "period_end": date(2025, 8, 31)}, model)
    assert e.working == "2,137.2326 × 0.5 × 365 ÷ 31 = 12,582.10 EUR"   # float metrics read to 4 decimals
    e = estimate({"id": "b", "kind": "churn_risk", "metrics": {"churn_threats": 37}}, model)
    assert e.amount == Decimal("37") * Decimal("0.2") * Decimal("420.00")  # 3,108.00
    assert "(" not in e.working
    e = estimate({"id": "c", "kind": "competitor", "metrics": {"leads": 15}}, model)
    assert e.amount == Decimal("1350.00")


def test_missing_input_or_kind_is_skipped_not_guessed(model):
    e = estimate({"id": "a", "kind": "emerging_issue", "metrics": {}}, model)
    assert e.amount is None and "episode_contacts" in e.skipped
    assert "period_days" in estimate({"id": "d", "kind": "driver", "metrics": {"avoidable_cost": 5}}, model).skipped
    assert estimate({"id": "a", "kind": "testimonial", "metrics": {"count": 3}}, model).skipped
    assert "USD" in estimate({"id": "d", "kind": "driver", "period_start": date(2025, 8, 1), "period_end": date(2025, 8, 31),
                              "metrics": {"avoidable_cost": 5, "currency": "usd"}}, model).skipped


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
    add_insight(con, "e1", "emerging_issue", metrics={"contacts": 1200}, period_end=date(2025, 8, 31))  # 2,880.00
    add_insight(con, "e2", "emerging_issue", metrics={"contacts": 126}, period_end=date(2025, 9, 30))   # 302.40
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


def test_totals_count_each_insight_once_and_credit_report_adds_up(ledger):
    con = ledger
    for s in ("shared", "acknowledged", "actioned"):
        transition(con, "c1", "sales", s, who="s")
    confirm_value(con, "c1", "sales", Decimal("450.10"), "EUR", who="s")
    by_dept = {r["department"]: r for r in totals(con, ("department",))}
    assert by_dept["billing"]["estimated"] == Decimal("3182.40")
    # c1 (270.00) went to sales and product: equal shares, not 270.00 in each
    assert by_dept["sales"]["estimated"] == by_dept["product"]["estimated"] == Decimal("135.00")
    assert by_dept["sales"]["confirmed"] == Decimal("450.10") and by_dept["product"]["confirmed"] == 0
    overall = totals(con, ())
    assert overall[0]["estimated"] == Decimal("3452.40") == sum(r["estimated"] for r in by_dept.values())
    by_period = {r["period"]: r["estimated"] for r in totals(con, ("period",))}
    assert by_period == {"2025-08": Decimal("3150.00"), "2025-09": Decimal("302.40")}
    by_kind = {r["kind"]: r["estimated"] for r in totals(con, ("kind",))}
    assert by_kind == {"emerging_issue": Decimal("3182.40"), "competitor": Decimal("270.00")}
    assert {r["period"] for r in totals(con, ("period",), start=date(2025, 9, 1))} == {"2025-09"}
    report = {r["department"]: r for r in credit_report(con)}
    assert report["sales"]["value_confirmed"] == 1 and report["sales"]["confirmed"] == Decimal("450.10")
    assert report["billing"]["insights"] == 2 and report["billing"]["waiting"] == 2
    total = report["total"]
    assert total["estimated"] == Decimal("3452.40") and total["confirmed"] == Decimal("450.10")
    assert total["insights"] == 4  # e1, e2, c1, t1 (t1 has no estimate but was received)
    assert total["open"] + total["dismissed_value"] + total["confirmed_estimate"] == total["estimated"]
    august = {r["department"]: r for r in credit_report(con, month="2025-08")}
    assert august["total"]["estimated"] == Decimal("3150.00")


def test_split_rule_set_by_the_director(con, tmp_path):
    """equal, first (the department routed first takes it all) and weights; dismissed shares are
    shown apart and every split adds up to the insight's estimate to the cent."""
    from earful.ledger.value import parse_value_model, reconcile

    text = (EXAMPLES / "value.yaml").read_text()
    cfg = load_routing(write(tmp_path / "r.yaml", "departments:\n  sales:\n  product:\n  marketing:\nrules:\n"
                             "  - when: {kind: competitor}\n    to: [sales, product, marketing]\n"))
    add_insight(con, "c1", "competitor", metrics={"leads": 1})   # 1 × 10% × 900 = 90.00 → thirds: 30.00 each
    add_insight(con, "c2", "competitor", metrics={"leads": 11})  # 990.00 → 330.00 each
    route_insights(con, cfg, now=datetime(2025, 9, 1))
    record_estimates(con, parse_value_model(text))
    by = {r["department"]: r["estimated"] for r in totals(con, ("department",))}
    assert by == {"marketing": Decimal("360.00"), "product": Decimal("360.00"), "sales": Decimal("360.00")}
    assert "split: equal" in text
    record_estimates(con, parse_value_model(text.replace("split: equal", "split: weights\n"
                                                         "weights: {sales: 2, product: 1, marketing: 0}")))
    by = {r["department"]: r["estimated"] for r in totals(con, ("department",))}
    assert by == {"sales": Decimal("720.00"), "product": Decimal("360.00"), "marketing": Decimal("0.00")}
    transition(con, "c2", "product", "dismissed", who="p", note="not ours")
    rec = reconcile(con, month="2025-08")
    rows = {r["department"]: r for r in rec["rows"]}
    assert rows["product"]["dismissed_value"] == Decimal("330.00") and rows["product"]["open"] == Decimal("30.00")
    assert rec["totals"][0]["estimated"] == Decimal("1080.00") and rec["split"] == "weights"
    # an odd amount split three ways still adds up to the cent
    from earful.ledger.value import split_amount
    assert sum(split_amount(Decimal("100.00"), [Decimal(1)] * 3)) == Decimal("100.00")
    with pytest.raises(ConfigError, match="split must be one of"):
        parse_value_model(text.replace("split: equal", "split: biggest"))


def test_working_keeps_needed_parentheses(tmp_path):
    m = load_value_model(write(tmp_path / "v.yaml", "currency: EUR\nparameters: {a: 10, b: 4, c: 2}\n"
                                                    "formulas: {f: (a - b) * c - (a - (b - c)) / c}\nkinds: {k: f}\n"))
    e = estimate({"id": "x", "kind": "k"}, m)
    assert e.amount == Decimal("8.00")  # (10-4)*2 - (10-2)/2 = 12 - 4
    assert e.working == "(10 - 4) × 2 - (10 - (4 - 2)) ÷ 2 = 8.00 EUR"
