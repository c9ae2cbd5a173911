"""SLA scorecards: the by-hand case of docs/sla.md, bands and their edges, weights, caps, missing data,
contract validation, and `earful sla` as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest

from _ledger import EXAMPLES, write
from earful.errors import ConfigError
from earful.ledger.sla import load_contract, period_bounds, score, scorecard_markdown

# The worked example of docs/sla.md (actuals as the metrics engine gives them: fractions and seconds)
HAND = {"service_level": 0.86123, "abandon_rate": 0.05337, "aht_s": 351.24, "fcr_rate": 0.7421,
        "csat_avg": 4.4666, "qa_score": 88.5}


@pytest.fixture()
def contract():
    return load_contract(EXAMPLES / "contract.yaml")


def test_hand_checked_case(contract):
    card = score(contract, HAND, "2025-08")
    assert card.pool == Decimal("12000.00")   # 120,000 × 10 %
    got = {t.metric: (t.share, t.credit, t.amount, t.met) for t in card.terms}
    assert got == {
        "service_level": (Decimal("3600.00"), Decimal("0.5"), Decimal("1800.00"), True),     # 86.12% ≥ 85%: +50%
        "abandon_rate": (Decimal("2400.00"), Decimal("-0.5"), Decimal("-1200.00"), False),   # 5.34% in [5%, 8%)
        "aht_s": (Decimal("1200.00"), Decimal("0"), Decimal("0.00"), True),                  # 351.2 ≤ 360
        "fcr_rate": (Decimal("2400.00"), Decimal("-1"), Decimal("-2400.00"), False),         # 74.21% < 75%
        "csat_avg": (Decimal("1200.00"), Decimal("0"), Decimal("0.00"), True),               # 4.47 in [4.2, 4.5)
        "qa_score": (Decimal("1200.00"), Decimal("0"), Decimal("0.00"), True),               # 88.5 ≥ 85
    }
    assert card.subtotal == card.net == Decimal("-1800.00") and card.cap_note == "within caps"
    assert card.score == Decimal("60.0")       # (30 + 10 + 10 + 10) / 100
    sl = card.terms[0]
    assert sl.actual == "86.12%" and sl.target == "≥ 80%"
    assert sl.working == "120,000.00 × 10% × 30/100 = 3,600.00; × +50% = 1,800.00"
    md = scorecard_markdown(card)
    assert "**net -1,800.00 EUR** (penalty)" in md


def test_penalty_and_reward_caps(contract):
    bad = {**HAND, "service_level": 0.70, "abandon_rate": 0.09}
    card = score(contract, bad, "2025-08")
    assert card.subtotal == Decimal("-8400.00")          # -3600 - 2400 - 2400
    assert card.net == Decimal("-6000.00") and "penalty capped" in card.cap_note   # 5 % of 120,000
    good = {**HAND, "abandon_rate": 0.02, "fcr_rate": 0.80, "csat_avg": 4.6}
    card = score(contract, good, "2025-08")
    assert card.subtotal == Decimal("3600.00")            # 1800 + 600 + 0 + 0 + 1200 + 0
    assert card.net == Decimal("2400.00") and "reward capped" in card.cap_note     # 2 % of 120,000


def test_band_edges_min_inclusive_max_exclusive(contract):
    at = lambda sl: next(t for t in score(contract, {**HAND, "service_level": sl}).terms if t.metric == "service_level")
    assert at(0.85).credit == Decimal("0.5")       # exactly 85 %: the upper band
    assert at(0.84995).credit == Decimal("0.5")    # judged as shown: 84.995 % rounds half-up to 85.00 %
    assert at(0.84994).credit == Decimal("0")      # 84.99 %: the band below
    assert at(0.8499).credit == Decimal("0")
    assert at(0.80).credit == Decimal("0") and at(0.80).met is True
    assert at(0.7999).credit == Decimal("-0.5") and at(0.7999).met is False
    assert at(0.7499).credit == Decimal("-1")


def test_lower_is_better_and_missing_data(tmp_path):
    c = load_contract(write(tmp_path / "c.yaml", """\
partner: P
currency: usd
fee: 1000
at_risk: 30%
metrics:
  aht_s: {target: 300, weight: 1}
  asa_s: {target: 30, weight: 1}
  nps: {target: 20, weight: 1, better: higher}
"""))
    card = score(c, {"aht_s": 301, "asa_s": 12})
    by = {t.metric: t for t in card.terms}
    assert by["aht_s"].met is False and by["aht_s"].amount == Decimal("-100.00")   # 300 × 1/3, whole share
    assert by["asa_s"].met is True and by["asa_s"].amount == Decimal("0.00")
    assert by["nps"].met is None and by["nps"].actual == "no data" and by["nps"].amount == Decimal("0.00")
    assert card.net == Decimal("-100.00") and card.currency == "USD" and card.score == Decimal("33.3")
    c2 = load_contract(write(tmp_path / "c2.yaml", "partner: P\ncurrency: EUR\nfee: 1000\non_missing: full_penalty\n"
                                                   "metrics:\n  nps: {target: 20}\n"))
    assert score(c2, {}).net == Decimal("-100.00")   # 10 % default pool, one metric, no data → whole share


def test_weights_that_do_not_divide_evenly_round_per_metric(tmp_path):
    c = load_contract(write(tmp_path / "c.yaml", "partner: P\ncurrency: EUR\nfee: 100\nat_risk: 100%\nmetrics:\n"
                                                 "  a_s: {target: 1, weight: 1}\n  b_s: {target: 1, weight: 1}\n"
                                                 "  c_s: {target: 1, weight: 1}\n"))
    card = score(c, {"a_s": 2, "b_s": 2, "c_s": 2})
    assert [t.amount for t in card.terms] == [Decimal("-33.33")] * 3
    assert card.net == Decimal("-99.99")   # the sum of the rounded amounts, as the working shows


@pytest.mark.parametrize("text, line, words", [
    ("partner: P\ncurrency: EUR\nfee: 10\nmetrics:\n  service_level: {target: 80}\n", 5, "rate"),
    ("partner: P\ncurrency: EUR\nfee: 10\nmetrics:\n  service_level:\n    target: 80%\n    bands:\n"
     "      - {min: 80%, credit: 10%}\n      - {min: 85%, credit: 20%}\n", 9, "overlaps"),
    ("partner: P\ncurrency: EUR\nfee: 10\nmetrics:\n  x:\n    target: 1\n    bands:\n      - {min: 2, max: 1, credit: 0}\n",
     8, "below max"),
    ("partner: P\ncurrency: EUR\nfee: 10\nmetrics:\n  x:\n    target: 1\n    bands:\n      - {min: 2, credit: 150%}\n",
     8, "at most"),
    ("partner: P\ncurrency: EUR\nfee: 10\nmetrics:\n  x:\n    target: 1\n    weigth: 3\n", 7, "unknown key 'weigth'"),
    ("partner: P\ncurrency: EUR\nfee: -10\nmetrics:\n  x: {target: 1}\n", 3, "at least"),
    ("partner: P\ncurrency: EUR\nfee: 10\nmetrics:\n  x: {target: 1}\ncaps:\n  penalty: lots\n", 7, "number"),
    ("currency: EUR\nfee: 10\nmetrics:\n  x: {target: 1}\n", 1, "'partner' is missing"),
])
def test_bad_contracts_name_their_line(tmp_path, text, line, words):
    with pytest.raises(ConfigError) as exc:
        load_contract(write(tmp_path / "c.yaml", text))
    assert str(exc.value).startswith(f"c.yaml:{line}:") and words in str(exc.value), str(exc.value)


def test_period_bounds():
    assert [str(d) for d in period_bounds("2025-02")] == ["2025-02-01", "2025-03-01"]
    with pytest.raises(Exception, match="2025-08"):
        period_bounds("August")


def _earful(*args):
    return subprocess.run([sys.executable, "-m", "earful.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=60)


def test_cli_sla_with_given_actuals(tmp_path):
    given = [f"--actual={k}={v}" for k, v in HAND.items()]
    p = _earful("sla", "--contract", EXAMPLES / "contract.yaml", "--period", "2025-08", *given, "--json",
                "--db", tmp_path / "s.duckdb")
    assert p.returncode == 0, p.stderr
    card = json.loads(p.stdout)
    assert card["net"] == "-1800.00" and card["score"] == "60.0" and card["period"] == "2025-08"
    p = _earful("sla", "--contract", EXAMPLES / "contract.yaml", "--period", "2025-08", *given)
    assert p.returncode == 0 and "net -1,800.00 EUR" in p.stdout and "× +50% = 1,800.00" in p.stdout
    p = _earful("sla", "--contract", EXAMPLES / "contract.yaml", "--period", "Aug", *given)
    assert p.returncode == 2 and "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1
