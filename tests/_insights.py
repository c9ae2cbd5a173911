"""Generated data for the insights tests: daily count matrices and a small canonical JSONL month."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

WEEKLY = np.array([1.18, 1.05, 1.0, 0.98, 0.92, 0.6, 0.38])  # Monday..Sunday


def count_matrix(seed: int, *, n_reasons: int = 40, n_days: int = 60, per_day: float = 1000.0,
                 dispersion: float = 0.0, events: dict | None = None, start: date = date(2025, 6, 2)):
    """Reasons × days Poisson (or gamma-Poisson) counts with weekday shape and planted multipliers.

    events: {reason_index: callable(day_index) -> multiplier}.
    """
    rng = np.random.default_rng(seed)
    share = 1 / np.arange(1, n_reasons + 1) ** 0.75
    share /= share.sum()
    days = [start + timedelta(days=i) for i in range(n_days)]
    mean = per_day * share[:, None] * WEEKLY[[d.weekday() for d in days]][None, :]
    for r, f in (events or {}).items():
        mean[r] *= np.array([f(t) for t in range(n_days)])
    if dispersion > 0:
        mean = mean * rng.gamma(1 / dispersion, dispersion, size=mean.shape)
    return rng.poisson(mean), days, [f"reason_{i:02d}" for i in range(n_reasons)]


REASONS = ["card_arrival", "lost_card", "slow_transfer", "callback_needed", "fees", "pin", "top_up",
           "address_change", "app_login", "refund", "exchange_rate", "statement"]
PHRASES = {
    "card_arrival": ["When will my new card arrive?", "My card still has not come in the post",
                     "How long does card delivery take to Spain?"],
    "lost_card": ["I lost my card yesterday", "Someone stole my wallet with the card", "Card missing, please block it"],
    "slow_transfer": ["My transfer has not arrived after three days", "Why is the payment to my landlord so slow",
                      "The money I sent my sister is still pending"],
    "callback_needed": ["My balance is still not updated", "The deposit is not showing in the balance",
                        "Balance wrong again after the transfer"],
    "fees": ["Why was I charged a fee", "There is an extra charge on my statement", "Unexpected fee for card payment"],
}


def write_month(path: Path, seed: int = 3, *, days: int = 42, per_day: int = 110,
                start: date = date(2025, 7, 1), spike_day: int = 35) -> dict:
    """A small canonical JSONL: planted spike of `fees` on day `spike_day` (×5, two days), drivers
    `slow_transfer` (handle ×2.5), `lost_card` (CSAT 1–2), `callback_needed` (same customer comes
    back within days), PII in some first turns, churn/competitor talk and praise surveys."""
    rng = np.random.default_rng(seed)
    share = np.ones(len(REASONS))
    share /= share.sum()
    recs, pii, n = [], [], 0
    for d in range(days):
        day = start + timedelta(days=d)
        mult = np.ones(len(REASONS))
        if spike_day <= d < spike_day + 2:
            mult[REASONS.index("fees")] = 5.0
        counts = rng.poisson(per_day * WEEKLY[day.weekday()] * share * mult)
        for r, k in enumerate(counts):
            reason = REASONS[r]
            for _ in range(k):
                n += 1
                t = datetime.combine(day, datetime.min.time()) + timedelta(seconds=int(rng.integers(8 * 3600, 19 * 3600)))
                handle = float(rng.lognormal(np.log(300 * (2.5 if reason == "slow_transfer" else 1.0)), 0.3))
                cust = f"C{int(rng.integers(0, 4000)):05d}"
                words = rng.choice(PHRASES.get(reason, [f"I have a question about {reason.replace('_', ' ')}",
                                                        f"Help with {reason.replace('_', ' ')} please",
                                                        f"Can you explain {reason.replace('_', ' ')}?"]))
                if n % 37 == 0:
                    value = f"4929{int(rng.integers(10**11, 10**12 - 1))}"
                    words = f"{words}. My card number is {value}"
                    pii.append(value)
                elif n % 41 == 0:
                    value = f"jane.doe{n}@example.com"
                    words = f"{words}. Email me at {value}"
                    pii.append(value)
                if n % 53 == 0:
                    words += ". I've had enough, I'm moving my money to Northwind Bank"
                rec = {"source": "gen", "source_id": f"c{n}", "channel": "voice", "queue": "main",
                       "agent_id": f"A{n % 9}", "customer_id": cust, "offered_at": t.isoformat(),
                       "answered_at": (t + timedelta(seconds=20)).isoformat(),
                       "ended_at": (t + timedelta(seconds=20 + handle)).isoformat(), "wait_s": 20,
                       "talk_s": round(handle * 0.85), "hold_s": 0, "wrap_s": round(handle * 0.15),
                       "abandoned": False, "transferred": bool(rng.random() < 0.05), "disposition": reason,
                       "turns": [{"speaker": "agent", "text": "Hello, how can I help?"},
                                 {"speaker": "customer", "text": str(words)}]}
                recs.append(rec)
                if reason == "callback_needed" and rng.random() < 0.6:
                    n += 1
                    t2 = t + timedelta(days=1, hours=1)
                    recs.append({**rec, "source_id": f"c{n}", "offered_at": t2.isoformat(),
                                 "answered_at": (t2 + timedelta(seconds=20)).isoformat(),
                                 "ended_at": (t2 + timedelta(seconds=20 + handle)).isoformat()})
                if rng.random() < 0.25:
                    n += 1
                    low = reason == "lost_card"
                    csat = int(rng.integers(1, 3)) if low else int(rng.integers(4, 6))
                    recs.append({"source": "gen", "source_id": f"s{n}", "channel": "survey", "customer_id": cust,
                                 "offered_at": (t + timedelta(hours=2)).isoformat(), "related_id": rec["source_id"],
                                 "csat": csat, "nps": 9 if csat == 5 else 4,
                                 "text": "Excellent, quick and helpful, thank you!" if csat == 5 else "ok"})
    with open(path, "w", encoding="utf-8") as fh:
        for r in recs:
            fh.write(json.dumps(r) + "\n")
    return {"spike_reason": "fees", "spike_day": start + timedelta(days=spike_day), "pii": pii,
            "drivers": {"slow_transfer", "lost_card", "callback_needed"}, "records": len(recs)}
