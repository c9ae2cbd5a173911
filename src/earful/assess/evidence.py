"""Evidence: the figures the store can give for a maturity assessment, each with the command that
reproduces it, or unknown with the reason.

Every figure is read through the capability that owns it: service level, abandonment, FCR,
occupancy, CSAT and NPS from ``earful.metrics.metrics_table``; insights from
``earful.insights.load_insights``-style rows of the ``insights`` table; routes, history and money
from ``earful.ledger``; SLA scorecards from ``earful.ledger.sla``. Definitions: docs/assess.md.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable

import duckdb

from earful.errors import EarfulError
from earful.store.schema import has_table


@dataclass(frozen=True)
class Evidence:
    """One measured figure (``value``), how it reads (``shown``), how to reproduce it (``command``),
    or, when ``value`` is None, why the data cannot give it (``reason``)."""

    measure: str
    title: str
    value: float | None
    unit: str                 # share, count, days, score, index, points
    shown: str
    command: str
    reason: str | None = None
    detail: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fmt(value: float, unit: str) -> str:
    if unit == "share":
        return f"{value:.1%}"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "days":
        return f"{value:,.1f} days"
    if unit == "index":
        return f"{value:+.1f}"
    if unit == "points":
        return f"{value * 100:.1f} points"
    return f"{value:,.2f}"


class _Context:
    """What the evidence functions share: the store, the period and the model's settings."""

    def __init__(self, con: duckdb.DuckDBPyConnection, start: date, end: date, settings: dict[str, Any],
                 contracts: list[str | Path]):
        self.con, self.start, self.end, self.s = con, start, end, settings
        self.contracts = contracts
        self.period = f"--from {start} --to {end}"
        self._cache: dict[str, Any] = {}

    def once(self, key: str, fn: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    def metrics(self, by: tuple[str, ...] = (), channel: str | None = None) -> list[dict[str, Any]]:
        from earful.metrics import metrics_table

        def run() -> list[dict[str, Any]]:
            return metrics_table(self.con, by=by, start=self.start, end=self.end, channel=channel,
                                 sl_threshold_s=self.s["sl_threshold_s"], fcr_days=self.s["fcr_days"]).to_pylist()
        return self.once(f"metrics:{by}:{channel}", run)

    def insights(self) -> list[dict[str, Any]]:
        """Stored insights whose period overlaps the assessment's."""
        from earful.ledger.routing import load_insights

        def run() -> list[dict[str, Any]]:
            return [i for i in load_insights(self.con)
                    if (i.get("period_end") is None or str(i["period_end"]) >= str(self.start))
                    and (i.get("period_start") is None or str(i["period_start"]) <= str(self.end))]
        return self.once("insights", run)

    def routes(self) -> list[dict[str, Any]]:
        from earful.ledger import routes

        ids = {i["id"] for i in self.insights()}
        return self.once("routes", lambda: [r for r in routes(self.con) if r["insight_id"] in ids])

    def channel_counts(self) -> dict[str, int]:
        def run() -> dict[str, int]:
            rows = self.con.execute(
                "SELECT channel, count(*) FROM interactions WHERE CAST(coalesce(offered_at, answered_at, ended_at)"
                " AS DATE) BETWEEN ? AND ? GROUP BY 1", [self.start, self.end]).fetchall()
            return {str(c): int(n) for c, n in rows}
        return self.once("channels", run)


def _ev(measure: str, title: str, value: float | None, unit: str, command: str, reason: str | None = None,
        detail: dict[str, Any] | None = None, of: tuple[str, str] | None = None) -> Evidence:
    """An evidence item; ``of`` names the detail's numerator and denominator, shown beside a share."""
    if value is None:
        return Evidence(measure, title, None, unit, "unknown", command, reason or "no data", detail)
    shown = _fmt(float(value), unit)
    if of and detail:
        shown += f" ({detail[of[0]]:,} of {detail[of[1]]:,})"
    return Evidence(measure, title, float(value), unit, shown, command, None, detail)


# -- operations ---------------------------------------------------------------------------------
def _sl_intervals_met(c: _Context) -> Evidence:
    ch, target, floor = c.s["channel"], float(c.s["sl_target"]), int(c.s["min_offered"])
    rows = [r for r in c.metrics(("interval30",), ch) if (r["offered"] or 0) >= floor and r["service_level"] is not None]
    cmd = f"earful metrics --by interval30 --channel {ch} {c.period} --sl-threshold {c.s['sl_threshold_s']}"
    if not rows:
        return _ev("sl_intervals_met", "Busy half-hours meeting the service-level target", None, "share", cmd,
                   f"no half-hour with {floor}+ {ch} contacts offered in the period")
    met = sum(r["service_level"] >= target for r in rows)
    return _ev("sl_intervals_met", "Busy half-hours meeting the service-level target", met / len(rows), "share", cmd,
               detail={"met": met, "intervals": len(rows), "target": target, "min_offered": floor},
               of=("met", "intervals"))


def _sl_daily_spread(c: _Context) -> Evidence:
    ch, floor = c.s["channel"], 5 * int(c.s["min_offered"])
    rows = [r for r in c.metrics(("day",), ch) if (r["offered"] or 0) >= floor and r["service_level"] is not None]
    cmd = f"earful metrics --by day --channel {ch} {c.period}"
    if len(rows) < 3:
        return _ev("sl_daily_spread", "Day-to-day spread of the service level", None, "points", cmd,
                   f"fewer than 3 days with {floor}+ {ch} contacts offered")
    spread = statistics.pstdev(r["service_level"] for r in rows)
    return _ev("sl_daily_spread", "Day-to-day spread of the service level", spread, "points", cmd,
               detail={"days": len(rows), "lowest": min(r["service_level"] for r in rows),
                       "highest": max(r["service_level"] for r in rows)})


def _metric(measure: str, title: str, column: str, unit: str, channel_setting: bool) -> Callable[[_Context], Evidence]:
    def fn(c: _Context) -> Evidence:
        ch = c.s["channel"] if channel_setting else None
        rows = c.metrics((), ch)
        value = rows[0][column] if rows else None
        cmd = f"earful metrics --by '' {c.period}" + (f" --channel {ch}" if ch else "")  # one row: the period
        why = None if value is not None else f"no {column.replace('_', ' ')} in the period" + (f" on {ch}" if ch else "")
        ev = _ev(measure, title, value, unit, cmd, why)
        if value is not None and column in ("csat_avg", "nps"):  # the trend beside the level: week by week
            weeks = [(str(r["week"])[:10], r[column]) for r in c.metrics(("week",), None) if r[column] is not None]
            if len(weeks) >= 2:
                ev = Evidence(ev.measure, ev.title, ev.value, ev.unit,
                              f"{ev.shown} (first week {_fmt(weeks[0][1], unit)}, last week {_fmt(weeks[-1][1], unit)})",
                              ev.command, None, {"weekly": weeks, "trend_command": cmd.replace("--by ''", "--by week")})
        return ev
    return fn


def _survey_coverage(c: _Context) -> Evidence:
    rated, contacts = c.con.execute(
        "SELECT count(*) FILTER (WHERE csat IS NOT NULL OR nps IS NOT NULL), count(*) FILTER (WHERE channel <> 'survey')"
        " FROM interactions WHERE CAST(coalesce(offered_at, answered_at, ended_at) AS DATE) BETWEEN ? AND ?",
        [c.start, c.end]).fetchone()
    cmd = f"earful metrics --by channel {c.period}"
    if not contacts:
        return _ev("survey_coverage", "Survey answers per contact", None, "share", cmd, "no contacts in the period")
    return _ev("survey_coverage", "Survey answers per contact", rated / contacts, "share", cmd,
               detail={"answers": rated, "contacts": contacts}, of=("answers", "contacts"))


# A contact with words to read (its text or a transcript's turns), and a contact of the period
# (its first timestamp's day), as SQL conditions on ``interactions i``.
_WITH_WORDS = "(i.text IS NOT NULL OR EXISTS (SELECT 1 FROM turns t WHERE t.interaction_id = i.id))"
_IN_PERIOD = "CAST(coalesce(i.offered_at, i.answered_at, i.ended_at) AS DATE) BETWEEN ? AND ?"


# -- learning -------------------------------------------------------------------------------------
def _words_analysed(c: _Context) -> Evidence:
    cmd = "earful enrich"
    enriched = "EXISTS (SELECT 1 FROM enrichment e WHERE e.interaction_id = i.id)" if has_table(c.con, "enrichment") \
        else "false"
    n, done = c.con.execute(
        f"SELECT count(*) FILTER (WHERE {_WITH_WORDS}), count(*) FILTER (WHERE {_WITH_WORDS} AND {enriched})"
        " FROM interactions i WHERE " + _IN_PERIOD,
        [c.start, c.end]).fetchone()
    if not n:
        return _ev("words_analysed", "Contacts whose words are analysed", None, "share", cmd,
                   "no contact in the period carries text or a transcript")
    return _ev("words_analysed", "Contacts whose words are analysed", done / n, "share", cmd,
               detail={"analysed": done, "with_words": n}, of=("analysed", "with_words"))


def _reason_coverage(c: _Context) -> Evidence:
    cmd = "earful reasons train --from disposition"
    learnt = "(SELECT e.reason FROM enrichment e WHERE e.interaction_id = i.id)" if has_table(c.con, "enrichment") \
        else "NULL"
    n, known = c.con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE coalesce({learnt}, i.disposition) IS NOT NULL)"
        " FROM interactions i WHERE i.channel <> 'survey'"
        " AND " + _IN_PERIOD,
        [c.start, c.end]).fetchone()
    if not n:
        return _ev("reason_coverage", "Contacts with a contact reason", None, "share", cmd, "no contacts in the period")
    return _ev("reason_coverage", "Contacts with a contact reason", known / n, "share", cmd,
               detail={"with_reason": known, "contacts": n}, of=("with_reason", "contacts"))


def _insights_found(c: _Context) -> Evidence:
    found = c.insights()
    kinds: dict[str, int] = {}
    for i in found:
        kinds[i["kind"]] = kinds.get(i["kind"], 0) + 1
    return _ev("insights_found", "Evidenced findings stored for the period", len(found), "count",
               f"earful insights {c.period}", detail={"by_kind": kinds})


def _insights_routed(c: _Context) -> Evidence:
    found = c.insights()
    cmd = "earful ledger list"
    if not found:
        return _ev("insights_routed", "Findings routed to a department", None, "share", cmd,
                   "no findings stored for the period (run earful insights)")
    routed = {r["insight_id"] for r in c.routes()}
    return _ev("insights_routed", "Findings routed to a department", len(routed) / len(found), "share", cmd,
               detail={"routed": len(routed), "found": len(found)}, of=("routed", "found"))


# -- partnership ------------------------------------------------------------------------------------
_ACKED = ("acknowledged", "actioned", "value_confirmed")
_ACTIONED = ("actioned", "value_confirmed")


def _route_share(measure: str, title: str, states: tuple[str, ...]) -> Callable[[_Context], Evidence]:
    def fn(c: _Context) -> Evidence:
        rs = c.routes()
        if not rs:
            return _ev(measure, title, None, "share", "earful ledger credit-report", "no findings routed in the period")
        k = sum(r["state"] in states for r in rs)
        return _ev(measure, title, k / len(rs), "share", "earful ledger credit-report",
                   detail={"routes": len(rs), "in_state": k}, of=("in_state", "routes"))
    return fn


def _departments_reached(c: _Context) -> Evidence:
    depts = sorted({r["department"] for r in c.routes()})
    return _ev("departments_reached", "Departments sent findings", len(depts), "count", "earful ledger credit-report",
               detail={"departments": depts})


def _days_to_action(c: _Context) -> Evidence:
    from earful.ledger import history

    cmd = "earful audit --export audit.csv"
    routed = {(r["insight_id"], r["department"]): r["routed_at"] for r in c.routes()}
    first_action: dict[tuple[str, str], datetime] = {}
    for h in history(c.con):
        k = (h["insight_id"], h["department"])
        if k in routed and h["to_state"] == "actioned" and k not in first_action:
            first_action[k] = h["at_time"]
    if not first_action:
        return _ev("days_to_action", "Median days from routing to action", None, "days", cmd,
                   "no routed finding has been actioned yet")
    days = [(t - routed[k]).total_seconds() / 86400 for k, t in first_action.items()]
    return _ev("days_to_action", "Median days from routing to action", statistics.median(days), "days", cmd,
               detail={"actioned": len(days)})


def _churn_risk_actioned(c: _Context) -> Evidence:
    ids = {i["id"] for i in c.insights() if i["kind"] == "churn_risk"}
    rs = [r for r in c.routes() if r["insight_id"] in ids]
    cmd = "earful ledger list --state actioned"
    if not ids:
        return _ev("churn_risk_actioned", "Churn-risk findings acted on", None, "share", cmd,
                   "no churn-risk findings stored for the period")
    done = {r["insight_id"] for r in rs if r["state"] in _ACTIONED}
    return _ev("churn_risk_actioned", "Churn-risk findings acted on", len(done) / len(ids), "share", cmd,
               detail={"churn_risk": len(ids), "actioned": len(done)},
               of=("actioned", "churn_risk"))


def _value_confirmed_share(c: _Context) -> Evidence:
    from earful.ledger import totals

    cmd = "earful ledger credit-report"
    rows = totals(c.con, by=(), start=c.start, end=c.end)
    est = sum(float(r["estimated"]) for r in rows)
    conf = sum(float(r["confirmed"]) for r in rows)
    if est <= 0:
        return _ev("value_confirmed_share", "Estimated value confirmed by the departments", None, "share", cmd,
                   "no value estimated for the period's findings (earful ledger estimate)")
    currency = ",".join(sorted({r["currency"] for r in rows}))
    per_department = [{"department": r["department"], "estimated": float(r["estimated"]),
                       "confirmed": float(r["confirmed"]), "currency": r["currency"]}
                      for r in totals(c.con, by=("department",), start=c.start, end=c.end)]
    return _ev("value_confirmed_share", "Estimated value confirmed by the departments", min(conf / est, 1.0), "share",
               cmd, detail={"estimated": round(est, 2), "confirmed": round(conf, 2), "currency": currency,
                            "per_department": per_department})


def _sla_terms_met(c: _Context) -> Evidence:
    from earful.ledger.sla import actuals_from_metrics, load_contract, score

    period = f"{c.end:%Y-%m}"
    if not c.contracts:
        return _ev("sla_terms_met", "Contract targets met", None, "share", f"earful sla --contract FILE --period {period}",
                   "no service contract given (earful assess --contract FILE)")
    met = judged = 0
    names = []
    for path in c.contracts:
        contract = load_contract(path)
        card = score(contract, actuals_from_metrics(c.con, contract, period), period)
        names.append(card.contract)
        for t in card.terms:
            if t.met is not None:
                judged += 1
                met += bool(t.met)
    cmd = " ".join(f"earful sla --contract {p} --period {period};" for p in c.contracts).rstrip(";")
    if not judged:
        return _ev("sla_terms_met", "Contract targets met", None, "share", cmd, f"no contract target could be judged in {period}")
    return _ev("sla_terms_met", "Contract targets met", met / judged, "share", cmd,
               detail={"contracts": names, "met": met, "targets": judged, "period": period},
               of=("met", "targets"))


# -- enablers ---------------------------------------------------------------------------------------
def _channels_measured(c: _Context) -> Evidence:
    chans = sorted(ch for ch, n in c.channel_counts().items() if ch != "survey" and n)
    return _ev("channels_measured", "Channels in the store", len(chans), "count", "earful status",
               detail={"channels": chans})


def _calls_transcribed(c: _Context) -> Evidence:
    cmd = "earful speech --by agent"
    calls = c.channel_counts().get("voice", 0)
    if not calls:
        return _ev("calls_transcribed", "Calls transcribed and analysed", None, "share", cmd, "no calls in the period")
    heard = 0
    if has_table(c.con, "voice_recordings"):
        heard = c.con.execute(
            "SELECT count(*) FROM voice_recordings v JOIN interactions i ON i.id = v.interaction_id WHERE"
            " CAST(coalesce(i.offered_at, i.answered_at, i.ended_at) AS DATE) BETWEEN ? AND ?",
            [c.start, c.end]).fetchone()[0]
    return _ev("calls_transcribed", "Calls transcribed and analysed", heard / calls, "share", cmd,
               detail={"transcribed": heard, "calls": calls}, of=("transcribed", "calls"))


def _qa_coverage(c: _Context) -> Evidence:
    """Contacts with words (text or turns) scored against the QA rubric."""
    cmd = f"earful qa summary {c.period}"
    if not has_table(c.con, "qa_scores") or not c.con.execute("SELECT count(*) FROM (SELECT 1 FROM qa_scores LIMIT 1)"
                                                              ).fetchone()[0]:
        return _ev("qa_coverage", "Contacts scored for quality", None, "share", "earful qa run",
                   "the store holds no QA scores (earful qa run scores every contact; a centre that scores elsewhere answers)")
    n, scored = c.con.execute(
        f"SELECT count(*) FILTER (WHERE {_WITH_WORDS}),"
        f" count(*) FILTER (WHERE {_WITH_WORDS} AND EXISTS (SELECT 1 FROM qa_scores q WHERE q.interaction_id = i.id))"
        " FROM interactions i WHERE i.channel <> 'survey'"
        " AND " + _IN_PERIOD,
        [c.start, c.end]).fetchone()
    if not n:
        return _ev("qa_coverage", "Contacts scored for quality", None, "share", cmd,
                   "no contact in the period carries words to score")
    return _ev("qa_coverage", "Contacts scored for quality", scored / n, "share", cmd,
               detail={"scored": scored, "with_words": n}, of=("scored", "with_words"))


def _forecast_error(c: _Context) -> Evidence:
    """Daily wMAPE of the stored forecasts against what came: per queue, channel and day of the
    period that has both a forecast (the latest run covering it) and contacts or interval reports,
    sum |offered - forecast| / sum offered. Offered is counted as the forecast counts it
    (``earful.wfm.history``)."""
    from earful.wfm.history import history

    cmd = "earful forecast --backtest"
    if not has_table(c.con, "wfm_forecast"):
        return _ev("forecast_error", "Forecast error per day (wMAPE)", None, "share", cmd, "no forecast stored (earful forecast)")
    rows = c.con.execute(
        "SELECT queue, channel, CAST(interval_start AS DATE) AS d, sum(volume) FROM ("
        " SELECT * FROM wfm_forecast WHERE CAST(interval_start AS DATE) BETWEEN ? AND ?"
        " QUALIFY run_id = max(run_id) OVER (PARTITION BY queue, channel, interval_start)) GROUP BY ALL",
        [c.start, c.end]).fetchall()
    if not rows:
        return _ev("forecast_error", "Forecast error per day (wMAPE)", None, "share", cmd,
                   "no stored forecast covers a day of the period (earful forecast)")
    try:
        series = history(c.con, 86400, start=c.start, end=c.end + timedelta(days=1))
    except EarfulError:
        series = []
    actual: dict[tuple[str, str, date], float] = {}
    for s in series:
        first = s.start.date() if hasattr(s.start, "date") else s.start
        for k, v in enumerate(s.offered):
            actual[(s.queue, s.channel, first + timedelta(days=k))] = float(v)
    pairs = [(actual[(q, ch, d)], float(f)) for q, ch, d, f in rows if (q, ch, d) in actual]
    came = sum(a for a, _ in pairs)
    if not pairs or not came:
        return _ev("forecast_error", "Forecast error per day (wMAPE)", None, "share", cmd,
                   "no forecast day of the period has happened yet in the store")
    return _ev("forecast_error", "Forecast error per day (wMAPE)", sum(abs(a - f) for a, f in pairs) / came, "share", cmd,
               detail={"days": len(pairs), "offered": round(came)})


_MEASURE_FNS: dict[str, Callable[[_Context], Evidence]] = {
    "sl_intervals_met": _sl_intervals_met,
    "sl_daily_spread": _sl_daily_spread,
    "abandon_rate": _metric("abandon_rate", "Abandoned before an answer", "abandon_rate", "share", True),
    "fcr_rate": _metric("fcr_rate", "Resolved at the first contact", "fcr_rate", "share", False),
    "occupancy": _metric("occupancy", "Agent occupancy", "occupancy", "share", True),
    "csat_avg": _metric("csat_avg", "Average satisfaction (1-5)", "csat_avg", "score", False),
    "nps": _metric("nps", "Net promoter score", "nps", "index", False),
    "survey_coverage": _survey_coverage,
    "churn_risk_actioned": _churn_risk_actioned,
    "words_analysed": _words_analysed,
    "reason_coverage": _reason_coverage,
    "insights_found": _insights_found,
    "insights_routed": _insights_routed,
    "departments_reached": _departments_reached,
    "insights_acknowledged": _route_share("insights_acknowledged", "Routed findings acknowledged", _ACKED),
    "insights_actioned": _route_share("insights_actioned", "Routed findings acted on", _ACTIONED),
    "days_to_action": _days_to_action,
    "value_confirmed_share": _value_confirmed_share,
    "sla_terms_met": _sla_terms_met,
    "channels_measured": _channels_measured,
    "calls_transcribed": _calls_transcribed,
    "qa_coverage": _qa_coverage,
    "forecast_error": _forecast_error,
}
#: The measures a practice may read (docs/assess.md defines each).
MEASURES = tuple(_MEASURE_FNS)


def period_of(con: duckdb.DuckDBPyConnection, start: date | None, end: date | None) -> tuple[date, date]:
    """The assessment period: the given days, else the first and last day with contacts."""
    lo, hi = con.execute("SELECT min(CAST(coalesce(offered_at, answered_at, ended_at) AS DATE)),"
                         " max(CAST(coalesce(offered_at, answered_at, ended_at) AS DATE)) FROM interactions").fetchone()
    start, end = start or lo, end or hi
    if start is None or end is None:
        raise EarfulError("no contacts in the store: load interactions first (earful ingest)")
    if start > end:
        raise EarfulError(f"--from {start} is after --to {end}")
    return start, end


def measure(con: duckdb.DuckDBPyConnection, start: date, end: date, measures: list[str] | tuple[str, ...], *,
            settings: dict[str, Any], contracts: list[str | Path] | None = None) -> dict[str, Evidence]:
    """Each of ``measures`` over [start, end] (days inclusive), by name."""
    c = _Context(con, start, end, settings, list(contracts or []))
    return {m: _MEASURE_FNS[m](c) for m in dict.fromkeys(measures)}


def worth(con: duckdb.DuckDBPyConnection, start: date, end: date, source: str, cause: str | None = None
          ) -> tuple[float | None, str, str]:
    """The money a gap is worth: (amount or None, currency, how it was worked out). docs/assess.md."""
    c = _Context(con, start, end, {}, [])
    if source == "drivers":
        drivers = [i for i in c.insights() if i["kind"] == "driver"]
        if not drivers:
            return None, "", "no cost drivers stored for the period (earful insights)"
        parts = [float((i["metrics"].get("avoidable_parts") or {}).get(cause, 0.0)) if cause
                 else float(i["metrics"].get("avoidable_cost") or 0.0) for i in drivers]
        currency = next((i["metrics"].get("currency") for i in drivers if i["metrics"].get("currency")), "")
        what = f"avoidable cost of {cause.replace('_', ' ')}" if cause else "avoidable cost"
        return sum(parts), currency, f"{what} summed over {len(drivers)} cost drivers"
    if source == "unconfirmed":
        from earful.ledger import totals

        rows = totals(c.con, by=(), start=start, end=end)
        if not rows:
            return None, "", "no value estimated for the period's findings"
        est = sum(float(r["estimated"]) for r in rows)
        conf = sum(float(r["confirmed"]) for r in rows)
        return max(est - conf, 0.0), rows[0]["currency"], "value estimated but not yet confirmed by a department"
    # unrouted: the latest estimate of each finding that no department was sent
    routed = {r["insight_id"] for r in c.routes()}
    ids = [i["id"] for i in c.insights() if i["id"] not in routed]
    if not ids:
        return 0.0, "", "every finding of the period was routed"
    rows = con.execute(
        "SELECT arg_max(amount, id), arg_max(currency, id) FROM ledger_values WHERE kind = 'estimated'"
        " AND insight_id IN (SELECT unnest(?)) GROUP BY insight_id", [ids]).fetchall()
    if not rows:
        return None, "", "no value estimated for the unrouted findings"
    return sum(float(a) for a, _ in rows), rows[0][1], f"estimated value of {len(rows)} findings nobody was sent"
