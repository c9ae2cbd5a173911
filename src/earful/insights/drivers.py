"""Drivers: what each reason costs and how much of that is avoidable, ranked "fix this first".

Per reason over the period: contacts, share, AHT, repeat rate, transfer rate, CSAT/NPS and end
sentiment against the rest. Money:
    handling_cost = Σ handle_min × cost_per_minute(channel)
    avoidable = n·max(0, AHT_r − AHT_rest − 2·se)/60·cpm  +  n·max(0, rep_r − rep_rest − 2·se)·cost_per_contact_r
              + n·max(0, tr_r − tr_rest − 2·se)·cost_per_transfer + n·max(0, CSAT_rest − CSAT_r − 2·se)·cost_per_csat_point
i.e. what the reason costs beyond centre-average performance, counting only differences larger
than two standard errors (noise in small reasons is not a driver). Ranked by avoidable cost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import duckdb

from earful.insights.config import InsightsConfig


@dataclass
class Driver:
    """Cost and performance of one reason over a period."""

    reason: str
    contacts: int
    share: float
    aht_s: float | None
    repeat_rate: float | None
    transfer_rate: float | None
    csat_avg: float | None
    csat_diff: float | None
    nps_avg: float | None
    end_sentiment: float | None
    handling_cost: float
    repeat_cost: float
    avoidable_cost: float
    avoidable_parts: dict[str, float]
    main_cause: str
    aht_rest_s: float | None = None      # the same measures over every other reason
    repeat_rest: float | None = None
    transfer_rest: float | None = None


def _excess(a: float | None, b: float | None, se: float) -> float:
    if a is None or b is None or math.isnan(a) or math.isnan(b):
        return 0.0
    return max(0.0, a - b - 2 * se)


def drivers(con: duckdb.DuckDBPyConnection, start: date, end: date, config: InsightsConfig) -> list[Driver]:
    """Per-reason drivers from `_ins_contacts` in [start, end], ranked by avoidable cost."""
    cpm_case = "CASE channel " + " ".join(
        f"WHEN '{ch}' THEN {float(v)}" for ch, v in config.cost_per_minute.items() if ch != "default"
    ) + f" ELSE {config.minute_cost(None)} END"
    rows = con.execute(f"""
        WITH c AS (SELECT *, {cpm_case} AS cpm FROM _ins_contacts
                   WHERE reason IS NOT NULL AND day BETWEEN ? AND ?),
        r AS (
          SELECT reason, count(*) AS n,
            count(*) FILTER (answered AND handle_s > 0) AS n_h,
            sum(handle_s) FILTER (answered AND handle_s > 0) AS h_sum,
            sum(handle_s * handle_s) FILTER (answered AND handle_s > 0) AS h_sq,
            sum(handle_s / 60.0 * cpm) FILTER (answered) AS cost,
            count(repeated) AS n_rep, sum(CAST(repeated AS INT)) AS rep,
            count(*) FILTER (answered) AS n_ans, sum(CAST(transferred AS INT)) FILTER (answered) AS tr,
            count(csat) AS n_csat, sum(csat) AS csat_sum, sum(csat * csat) AS csat_sq,
            avg(nps) AS nps, avg(end_sentiment) AS end_sent
          FROM c GROUP BY reason)
        SELECT *, sum(n) OVER () AS n_all, sum(n_h) OVER () AS n_h_all, sum(h_sum) OVER () AS h_all,
               sum(n_rep) OVER () AS n_rep_all, sum(rep) OVER () AS rep_all,
               sum(n_ans) OVER () AS n_ans_all, sum(tr) OVER () AS tr_all,
               sum(n_csat) OVER () AS n_csat_all, sum(csat_sum) OVER () AS csat_all
        FROM r
    """, [start, end]).fetchall()
    cols = [d[0] for d in con.description]
    out: list[Driver] = []
    for row in rows:
        v = dict(zip(cols, row))
        n = int(v["n"])
        f = {k: (float(x) if x is not None else 0.0) for k, x in v.items() if k != "reason"}

        def rate(num: str, den: str) -> tuple[float | None, float | None, float]:
            if f[den] <= 0:
                return None, None, 0.0
            p = f[num] / f[den]
            rest_den = f[den + "_all"] - f[den]
            p_rest = (f[num + "_all"] - f[num]) / rest_den if rest_den > 0 else None
            return p, p_rest, math.sqrt(max(p * (1 - p), 1e-6) / f[den])

        aht = f["h_sum"] / f["n_h"] if f["n_h"] else None
        rest_h = f["n_h_all"] - f["n_h"]
        aht_rest = (f["h_all"] - f["h_sum"]) / rest_h if rest_h > 0 else None
        aht_se = math.sqrt(max(f["h_sq"] / f["n_h"] - aht * aht, 0) / f["n_h"]) if aht is not None else 0.0
        rep, rep_rest, rep_se = rate("rep", "n_rep")
        tr, tr_rest, tr_se = rate("tr", "n_ans")
        csat = f["csat_sum"] / f["n_csat"] if f["n_csat"] else None
        rest_c = f["n_csat_all"] - f["n_csat"]
        csat_rest = (f["csat_all"] - f["csat_sum"]) / rest_c if rest_c > 0 else None
        csat_se = math.sqrt(max(f["csat_sq"] / f["n_csat"] - csat * csat, 0.25) / f["n_csat"]) if csat else 0.0
        cost = f["cost"]
        per_contact = cost / n if n else 0.0
        cpm_avg = cost / (f["h_sum"] / 60) if f["h_sum"] else config.minute_cost(None)
        parts = {
            "handle_time": n * _excess(aht, aht_rest, aht_se) / 60 * cpm_avg,
            "repeats": n * _excess(rep, rep_rest, rep_se) * per_contact,
            "transfers": n * _excess(tr, tr_rest, tr_se) * config.cost_per_transfer,
            "satisfaction": n * (_excess(csat_rest, csat, csat_se) if csat is not None else 0.0)
                            * config.cost_per_csat_point,
        }
        avoidable = sum(parts.values())
        out.append(Driver(
            reason=v["reason"], contacts=n, share=n / f["n_all"] if f["n_all"] else 0.0, aht_s=aht,
            repeat_rate=rep, transfer_rate=tr, csat_avg=csat,
            csat_diff=(csat - csat_rest) if csat is not None and csat_rest is not None else None,
            nps_avg=v["nps"], end_sentiment=v["end_sent"], handling_cost=cost,
            repeat_cost=(f["rep"] * per_contact), avoidable_cost=avoidable,
            avoidable_parts={k: round(x, 2) for k, x in parts.items()},
            main_cause=max(parts, key=parts.get) if avoidable > 0 else "volume",
            aht_rest_s=aht_rest, repeat_rest=rep_rest, transfer_rest=tr_rest))
    if out and all(d.handling_cost == 0 for d in out):
        # No handle times (social threads): rank by unhappy volume, contacts × (1 − end sentiment)/2.
        out.sort(key=lambda d: (-d.contacts * (1 - (d.end_sentiment if d.end_sentiment is not None else 0)) / 2,
                                d.reason))
        for d in out:
            if d.end_sentiment is not None:
                d.main_cause = "unhappy volume"
    else:
        out.sort(key=lambda d: (-d.avoidable_cost, -d.handling_cost, -d.contacts, d.reason))
    return out
