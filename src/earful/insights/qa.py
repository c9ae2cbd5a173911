"""QA items failing more than usual: an item whose fail rate rises above its own history is a finding.

Each item is followed per channel (a weekend with more e-mail is not a rise in any item). For item i
(on one channel), day t and window w (1, 3, 7 days ending on t): x fails among n contacts the item applied
to, against the item's fail rate over the preceding ``baseline_days`` (before the window):
    x ~ BetaBinomial(n, q·κ, (1−q)·κ),  q = (x_b + ½)/(n_b + 1),  1/κ = 1/(n_b + 1) + ρ
with ρ from the item's day-to-day over-dispersion (as for emerging issues, ``earful.insights.emerging``).
The smallest window p-value × windows per (item, day) goes through Benjamini–Hochberg at ``fdr`` over
all items and days; a finding also needs x/E ≥ ``min_ratio`` and x − E ≥ ``min_excess``. Alarms of an
item less than 3 days apart form one episode, reported on its first day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb
import numpy as np
from scipy import stats

from earful.insights.emerging import _bh_cut, _dispersion
from earful.insights.identity import EPISODE_GAP_DAYS
from earful.store import has_table


@dataclass
class ItemAlarm:
    item: str
    channel: str
    first_day: date
    last_day: date
    p_value: float
    ratio: float
    fails: int
    expected: float
    applicable: int
    rate: float
    base_rate: float
    window_days: int
    days: list[date] = field(default_factory=list)


def daily_item_counts(con: duckdb.DuckDBPyConnection, end: date | None = None
                      ) -> tuple[np.ndarray, np.ndarray, list[date], list[str]]:
    """(fails, applicable) as (item, channel) × days matrices, with the days and the (item, channel) pairs."""
    if not has_table(con, "qa_items"):
        return np.zeros((0, 0)), np.zeros((0, 0)), [], []
    rows = con.execute(f"""
        SELECT q.item || '|' || i.channel, CAST(coalesce(i.offered_at, i.answered_at, i.ended_at) AS DATE) AS day,
               count_if(q.verdict = 'fail'), count(*)
        FROM qa_items q JOIN interactions i ON i.id = q.interaction_id
        WHERE q.verdict <> 'na' {f"AND CAST(coalesce(i.offered_at, i.answered_at, i.ended_at) AS DATE) <= DATE '{end.isoformat()}'" if end else ""}
        GROUP BY 1, 2 HAVING day IS NOT NULL""").fetchall()
    if not rows:
        return np.zeros((0, 0)), np.zeros((0, 0)), [], []
    d0, d1 = min(r[1] for r in rows), max(r[1] for r in rows)
    days = [d0 + timedelta(days=k) for k in range((d1 - d0).days + 1)]
    items = sorted({r[0] for r in rows})
    ii = {v: k for k, v in enumerate(items)}
    fails, apps = np.zeros((len(items), len(days))), np.zeros((len(items), len(days)))
    for item, day, f, n in rows:
        fails[ii[item], (day - d0).days] = f
        apps[ii[item], (day - d0).days] = n
    return fails, apps, days, items


def failing_items(fails: np.ndarray, apps: np.ndarray, days: list[date], items: list[str], *,
                  start: date | None = None, end: date | None = None, fdr: float = 0.02, baseline_days: int = 56,
                  min_history_days: int = 7, windows: tuple[int, ...] = (1, 3, 7), min_ratio: float = 1.3,
                  min_excess: float = 5.0) -> list[ItemAlarm]:
    """Episodes of QA items failing above their history (method: module docstring)."""
    if not days:
        return []
    t0 = 0 if start is None else max(0, (start - days[0]).days)
    t1 = len(days) - 1 if end is None else min(len(days) - 1, (end - days[0]).days)
    rows = []  # item, t, w, p, ratio, x, e, n, base rate
    for i in range(len(items)):
        for t in range(t0, t1 + 1):
            if apps[i, t] <= 0:
                continue
            for w in windows:
                a = t - w + 1
                if a < 0:
                    continue
                b0 = max(0, a - baseline_days)
                nb_days = apps[i, b0:a]
                if int((nb_days > 0).sum()) < min_history_days:
                    continue
                xb, nb = fails[i, b0:a].sum(), nb_days.sum()
                x, n = fails[i, a:t + 1].sum(), apps[i, a:t + 1].sum()
                q = (xb + 0.5) / (nb + 1)
                e = n * q
                if x <= 0 or x < e or fails[i, t] <= 0:
                    continue
                phi = float(_dispersion(fails[i:i + 1, b0:a], nb_days)[0])
                nbar = nb / max(int((nb_days > 0).sum()), 1)
                kappa = 1.0 / (1.0 / (nb + 1) + (phi - 1) / max(nbar - 1, 1))
                p = float(stats.betabinom.sf(x - 1, n, q * kappa, (1 - q) * kappa))
                rows.append((i, t, w, p, x / e, x, e, n, xb / max(nb, 1)))
    if not rows:
        return []
    n_tests = sum(1 for i in range(len(items)) for t in range(t0, t1 + 1) if apps[i, t] > 0)
    best: dict[tuple[int, int], float] = {}
    for i, t, w, p, *_ in rows:
        best[(i, t)] = min(best.get((i, t), 1.0), min(1.0, p * len(windows)))
    arr = np.array(list(best.values()))
    cut = _bh_cut(np.concatenate([arr, np.ones(max(n_tests - arr.size, 0))]), fdr)
    hits: dict[int, list[tuple]] = {}
    for row in rows:
        if min(1.0, row[3] * len(windows)) <= cut and row[4] >= min_ratio and row[5] - row[6] >= min_excess:
            hits.setdefault(row[0], []).append(row)
    out = []
    for i, rs in hits.items():
        for ep in _episodes(rs):
            first_t = ep[0][1]
            b = min((z for z in ep if z[1] == first_t), key=lambda z: z[3])
            item, _, channel = items[i].partition("|")
            out.append(ItemAlarm(item, channel, days[first_t], days[ep[-1][1]], b[3], b[4], int(b[5]), b[6], int(b[7]),
                                 b[5] / max(b[7], 1), b[8], b[2], sorted({days[z[1]] for z in ep})))
    out.sort(key=lambda a: (a.first_day, a.p_value))
    return out


def item_series(fails: np.ndarray, apps: np.ndarray, days: list[date], items: list[str], item: str, channel: str,
                start: date, end: date) -> list[dict]:
    """Daily fail rate of one item on one channel between start and end (for the finding's chart)."""
    i = items.index(f"{item}|{channel}")
    out = []
    for k, d in enumerate(days):
        if start <= d <= end:
            n = apps[i, k]
            out.append({"day": str(d), "fails": int(fails[i, k]), "applicable": int(n),
                        "rate": round(float(fails[i, k] / n), 4) if n else None})
    return out


def failing_examples(con: duckdb.DuckDBPyConnection, item: str, channel: str, first: date, last: date,
                     limit: int = 3) -> tuple[list[dict], list[dict]]:
    """(redacted quotes of the deciding turn, agents with the most fails) for an item's episode on a channel."""
    enr = has_table(con, "enrichment_turns")
    rows = con.execute(f"""
        SELECT q.interaction_id, {"et.redacted_text" if enr else "NULL"}, t.text, i.agent_id
        FROM qa_items q JOIN interactions i ON i.id = q.interaction_id
        LEFT JOIN turns t ON t.interaction_id = q.interaction_id AND t.seq = q.evidence_seq
        {"LEFT JOIN enrichment_turns et ON et.interaction_id = q.interaction_id AND et.seq = q.evidence_seq" if enr else ""}
        WHERE q.item = ? AND i.channel = ? AND q.verdict = 'fail'
          AND CAST(coalesce(i.offered_at, i.answered_at, i.ended_at) AS DATE) BETWEEN ? AND ?
        ORDER BY q.confidence DESC NULLS LAST, q.interaction_id LIMIT ?""", [item, channel, first, last, limit]).fetchall()
    from earful.surveys.analysis import _redacted

    quotes = [{"interaction_id": r[0], "text": _redacted(r[2], r[1]) or ""} for r in rows]
    agents = con.execute("""
        SELECT i.agent_id, count(*) FROM qa_items q JOIN interactions i ON i.id = q.interaction_id
        WHERE q.item = ? AND i.channel = ? AND q.verdict = 'fail' AND i.agent_id IS NOT NULL
          AND CAST(coalesce(i.offered_at, i.answered_at, i.ended_at) AS DATE) BETWEEN ? AND ?
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5""", [item, channel, first, last]).fetchall()
    return quotes, [{"agent": a, "fails": int(n)} for a, n in agents]


def _episodes(rows: list[tuple], gap_days: int = EPISODE_GAP_DAYS) -> list[list[tuple]]:
    """Alarm rows of one item (day index second, p-value fourth) grouped into episodes: runs of days
    at most ``gap_days`` apart, in day order."""
    rows = sorted(rows, key=lambda z: (z[1], z[3]))
    out: list[list[tuple]] = [[rows[0]]] if rows else []
    for row in rows[1:]:
        if row[1] - out[-1][-1][1] <= gap_days:
            out[-1].append(row)
        else:
            out.append([row])
    return out
