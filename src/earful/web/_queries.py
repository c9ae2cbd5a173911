"""Every read and write the dashboard makes, in small functions over one store connection.

Each function calls the owning capability's public API when it is installed (metrics,
staffing, nlp redaction, ledger lifecycle) and otherwise falls back to plain SQL over
``interactions`` / ``insights``, so the pages work on a store that only has ingested data.
Results are plain dicts and lists, ready for a template or JSON.
"""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import date, datetime, timedelta
from typing import Any

import duckdb

from earful.errors import InputError
from earful.ledger import add_routes
from earful.metrics import metrics_table
from earful.metrics.definitions import SETTING as DEFINITIONS_KEY
from earful.metrics.periods import partial
from earful.metrics.service import last_days, service_summary
from earful.metrics.workload import busiest_interval
from earful.nlp.redact import redact as _redact
from earful.staffing import agents_needed
from earful.store.schema import has_column, has_table
from earful.voice.reader import redacted_transcript

GROUP_KEYS = ("interval15", "interval30", "interval60", "day", "week", "month", "queue", "channel", "agent")
METRIC_COLUMNS = ("offered", "answered", "abandoned", "short_abandoned", "service_level", "asa_s", "aht_s",
                  "abandon_rate", "transfer_rate", "csat_avg")
STATES = ("new", "shared", "acknowledged", "actioned", "value_confirmed", "dismissed")  # earful.ledger's
ACTIONS = {"share": "shared", "acknowledge": "acknowledged", "action": "actioned", "confirm": "value_confirmed",
           "dismiss": "dismissed"}
SL_THRESHOLD_S = 20


# ---------------------------------------------------------------- plumbing

def data_version(con: duckdb.DuckDBPyConnection) -> tuple:
    """Changes whenever an import lands or enrichment runs: the key cached aggregates hang on."""
    imp = con.execute("SELECT count(*), max(import_id), max(finished_at) FROM imports").fetchone()
    enr = con.execute("SELECT max(enriched_at) FROM enrichment").fetchone() if has_table(con, "enrichment") else None
    ins = con.execute("SELECT count(*), max(created_at), max(updated_at) FROM insights").fetchone()
    defs = con.execute("SELECT md5(CAST(value AS VARCHAR)) FROM settings WHERE key = ?", [DEFINITIONS_KEY]).fetchall()
    # (lifecycle state is never cached: inbox and ledger pages read it fresh)
    return tuple(imp) + (enr,) + tuple(ins) + (defs[0][0] if defs else None,)


def _num(value: Any) -> Any:
    """JSON-safe numbers: NaN and infinities become None, Decimals floats."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    return None if math.isnan(f) or math.isinf(f) else f


def _rows(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    cols = [d[0] for d in cur.description]
    return [{c: _jsonable(v) for c, v in zip(cols, row)} for row in cur.fetchall()]


def _jsonable(v: Any) -> Any:
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if isinstance(v, (float,)) or type(v).__name__ == "Decimal":
        return _num(v)
    return v


def parse_day(text: str | None, what: str) -> date | None:
    """A YYYY-MM-DD query parameter, or InputError."""
    if text in (None, ""):
        return None
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise InputError(f"{what} must be a date like 2025-08-01, not {text!r}") from None


# ---------------------------------------------------------------- redaction

def redact(text: str | None) -> str | None:
    """Typed placeholders for personal data (``earful.nlp.redact``: validated patterns and names).

    A page never waits for the NER model: while it loads (started with the server) the fast
    recognisers redact, which find every kind and names from cues and lists."""
    if not text:
        return text
    return _redact(text, wait=False)


# ---------------------------------------------------------------- metrics

def data_period(con: duckdb.DuckDBPyConnection) -> tuple[date | None, date | None]:
    lo, hi = con.execute("SELECT min(offered_at)::DATE, max(offered_at)::DATE FROM interactions").fetchone()
    return lo, hi


def metrics(con: duckdb.DuckDBPyConnection, by: tuple[str, ...] = ("day",), *, start: date | None = None,
            end: date | None = None, channel: str | None = None, queue: str | None = None) -> list[dict]:
    """Rows of measures grouped by ``by``, from ``earful.metrics.metrics_table`` (formulas in docs/metrics.md)."""
    bad = [k for k in by if k not in GROUP_KEYS]
    if bad:
        raise InputError(f"cannot group by {bad[0]!r}: use {', '.join(GROUP_KEYS)}")
    if len(set(by)) != len(by):
        raise InputError("group by each key at most once")
    table = metrics_table(con, by=tuple(by), start=start, end=end, channel=channel, queue=queue)
    return [{k: _jsonable(v) for k, v in r.items()} for r in table.to_pylist()]


def overview(con: duckdb.DuckDBPyConnection, days: int = 28, *, start: date | None = None,
             end: date | None = None) -> dict:
    """The framed service figures (``earful.metrics.service.service_summary``) for [start, end], by
    default the last ``days`` days of data, plus the plain rows: ``totals`` (the whole range),
    ``by_channel`` and ``daily`` (formulas in docs/metrics.md)."""
    if start is None and end is None:
        start, end = last_days(con, days)
    if start is None:
        return {"start": None, "end": None, "totals": {}, "daily": [], "by_channel": [], "channels": []}
    s = service_summary(con, start, end)
    clean = {k: _clean(v) for k, v in s.items()}
    clean["framed"] = clean.pop("totals")
    clean["totals"] = clean.pop("total_row") or {}
    clean["by_channel"] = [c["row"] for c in clean["channels"]]
    return clean


def _clean(v: Any) -> Any:
    """Plain JSON-ready data: dates as ISO text, NaN as None, containers walked."""
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    return _jsonable(v)


# ---------------------------------------------------------------- staffing

def staffing_what_if(calls: float, aht_s: float, interval_s: int = 1800, *, threshold_s: float = SL_THRESHOLD_S,
                     targets: tuple[float, ...] = (0.7, 0.75, 0.8, 0.85, 0.9, 0.95), shrinkage: float = 0.0,
                     concurrency: int = 1) -> list[dict]:
    """Agents, positions, service level, ASA and occupancy for each service-level target
    (``concurrency`` contacts per agent at once: agents = ⌈servers ÷ concurrency⌉)."""
    for name, v in (("calls", calls), ("aht_s", aht_s), ("interval_s", interval_s), ("threshold_s", threshold_s)):
        if not (isinstance(v, (int, float)) and math.isfinite(v)) or v < 0 or (name != "calls" and v <= 0):
            raise InputError(f"{name} must be a positive number")
    if calls * aht_s / interval_s > 20_000:
        raise InputError("that load is beyond what one centre can staff (over 20,000 erlangs)")
    for t in targets:
        if not 0 < t < 1:
            raise InputError("service-level targets must lie between 0 and 1")
    out = []
    for t in targets:
        staffing = agents_needed(calls, interval_s, aht_s, target_sl=t, threshold_s=threshold_s, shrinkage=shrinkage)
        row = {k: _num(v) for k, v in dataclasses.asdict(staffing).items()}
        if concurrency > 1:
            row["agents"] = math.ceil(row["agents"] / concurrency - 1e-9)
            row["positions"] = math.ceil(row["agents"] / (1 - shrinkage) - 1e-9)
            row["occupancy"] = row["occupancy"] * staffing.agents / max(row["agents"] * concurrency, 1)
        row["target_sl"] = t
        out.append(row)
    return out


def staffing_inputs(con: duckdb.DuckDBPyConnection, interval_s: int = 1800, channel: str | None = None) -> dict:
    """Defaults for the what-if: the busiest interval of the average day and the AHT (of one channel)."""
    calls, aht = busiest_interval(con, interval_s, channel=channel)
    return {"calls": round(calls, 1), "aht_s": round(aht, 1) if aht else 300.0, "interval_s": interval_s,
            "aht_known": aht is not None}


def staffing_defaults(st, con: duckdb.DuckDBPyConnection, channel: str, calls: float | None, aht_s: float | None,
                      interval_s: int, threshold_s: float | None, shrinkage: float | None) -> dict:
    """The what-if's inputs: what was given, else the channel's busiest interval and AHT, its own
    threshold and the centre's shrinkage (``st``: the app state, for its cache)."""
    from earful.metrics.definitions import SERVICE_CHANNELS, stored_definitions

    if channel not in SERVICE_CHANNELS:
        raise InputError(f"channel must be one of {', '.join(SERVICE_CHANNELS)}, not {channel!r}")
    defs = stored_definitions(con)
    d = defs.for_channel(channel)
    seen = st.cached(con, "staffing_inputs", staffing_inputs, interval_s, channel)
    return {"calls": seen["calls"] if calls is None else calls, "aht_s": seen["aht_s"] if aht_s is None else aht_s,
            "aht_known": seen["aht_known"] or aht_s is not None,
            "threshold_s": d.threshold_s if threshold_s is None else threshold_s,
            "shrinkage": defs.shrinkage if shrinkage is None else shrinkage, "target": d.target,
            "definition": d.as_dict()}


def intraday(con: duckdb.DuckDBPyConnection, channel: str, queue: str | None = None, interval_s: int = 1800,
             shrinkage: float | None = None, start: date | None = None, end: date | None = None) -> dict:
    """The channel's requirement for every interval of its average day (``earful.staffing.requirement``)."""
    from earful.staffing.requirement import intraday_requirement

    req = intraday_requirement(con, channel, queue, interval_s=interval_s, shrinkage=shrinkage, start=start, end=end)
    d = req.definition
    return {"channel": channel, "queue": queue, "definition": d.as_dict(), "model": req.model,
            "shrinkage": req.shrinkage, "interval_s": req.interval_s, "notes": req.notes, "peak": req.peak,
            "agent_hours": float(req.agents.sum()) * req.interval_s / 3600,
            "intervals": [{k: _jsonable(v) for k, v in r.items()} for r in req.rows()]}


# ---------------------------------------------------------------- reasons and topics

def _reason_expr(con) -> tuple[str, str]:
    """(SQL expression, FROM clause) for the contact reason: enrichment.reason when filled, else disposition."""
    if has_table(con, "enrichment") and has_column(con, "enrichment", "reason"):
        n = con.execute("SELECT count(reason) FROM enrichment").fetchone()[0]
        if n:
            return ("coalesce(e.reason, i.disposition)",
                    "interactions i LEFT JOIN enrichment e ON e.interaction_id = i.id")
    return "i.disposition", "interactions i"


def reasons(con: duckdb.DuckDBPyConnection, top: int = 15, weeks: int = 8) -> dict:
    """Top contact reasons of the period with weekly counts and the change over the last week."""
    expr, frm = _reason_expr(con)
    lo, hi = data_period(con)
    if hi is None:
        return {"reasons": [], "weeks": [], "topics": []}
    start = max(lo, hi - timedelta(weeks=weeks) + timedelta(days=1))
    rows = con.execute(f"""
        SELECT {expr} AS reason, date_trunc('week', i.offered_at)::DATE AS wk, count(*) AS n
        FROM {frm} WHERE i.offered_at >= ? AND {expr} IS NOT NULL GROUP BY 1, 2""",
                       [datetime.combine(start, datetime.min.time())]).fetchall()
    wks = sorted({w for _, w, _ in rows})
    # a week the data covers in part (the first and last, usually) would read as a fall: the trend and
    # the change use full weeks only, and the page names the weeks left out
    part = partial("week", wks, start, hi)
    full = [w for w in wks if w not in part]
    by: dict[str, dict] = {}
    for r, w, n in rows:
        by.setdefault(r, {})[w] = n
    ranked = sorted(by.items(), key=lambda kv: -sum(kv[1].values()))[:top]
    out = []
    for r, counts in ranked:
        series = [counts.get(w, 0) for w in full]
        prev = series[-2] if len(series) > 1 else None
        out.append({"reason": r, "total": sum(counts.values()), "series": series,
                    "change": _num((series[-1] - prev) / prev) if prev else None})
    return {"reasons": out, "weeks": [w.isoformat() for w in full], "topics": topics(con),
            "partial_weeks": [{"week": w.isoformat(), "days": n} for w, n in sorted(part.items())]}


def topics(con: duckdb.DuckDBPyConnection, top: int = 15) -> list[dict]:
    """Topic sizes from enrichment.topic_id, labelled from a topics table when one exists."""
    if not (has_table(con, "enrichment") and has_column(con, "enrichment", "topic_id")):
        return []
    label_join, label = "", "CAST(e.topic_id AS VARCHAR)"
    if has_table(con, "topics") and has_column(con, "topics", "topic_id") and has_column(con, "topics", "label"):
        label_join, label = "LEFT JOIN topics t ON t.topic_id = e.topic_id", "coalesce(t.label, CAST(e.topic_id AS VARCHAR))"
    try:
        cur = con.execute(f"""SELECT e.topic_id, {label} AS label, count(*) AS n FROM enrichment e {label_join}
                              WHERE e.topic_id IS NOT NULL GROUP BY ALL ORDER BY n DESC LIMIT {int(top)}""")
        return _rows(cur)
    except duckdb.Error:
        return []


# ---------------------------------------------------------------- insights and lifecycle
#
# The ledger (earful.ledger) owns routing and the lifecycle: one route per (insight,
# department) in ledger_routes, moved only by ``ledger.transition``. An insight nobody has
# routed yet shows in its suggested department's inbox as "new" and gets its route from
# the dashboard the first time someone acts on it.

def _routes_sql(live_only: bool = True) -> str:
    """(insight, department, state, plan) for every routed pair of a live insight (of any insight
    with ``live_only`` False), plus each unrouted insight in its suggested department."""
    return """
    WITH r AS (
        SELECT insight_id, department, state, updated_at, true AS routed, ask, owner, due_date FROM ledger_routes
        UNION ALL
        SELECT i.id, i.suggested_department, 'new', NULL, false, NULL, NULL, NULL FROM insights i
        WHERE NOT EXISTS (SELECT 1 FROM ledger_routes x WHERE x.insight_id = i.id))
    SELECT i.id, i.kind, i.title, i.summary, i.period_start, i.period_end, i.reason, i.topic,
           r.department, r.state, r.updated_at AS state_at, r.routed, r.ask, r.owner, r.due_date,
           i.confidence, i.created_at
    FROM r JOIN insights i ON i.id = r.insight_id""" + (" WHERE i.retired_at IS NULL" if live_only else "")


def next_actions(state: str, role: str) -> list[str]:
    """The lifecycle buttons a role gets on a route in ``state`` (the ledger's transitions)."""
    from earful.ledger import TRANSITIONS

    targets = set(TRANSITIONS.get(state, ()))
    if state == "new":
        targets.add("acknowledged")  # opening it in the dashboard shares it first
    out = [a for a, s in ACTIONS.items() if s in targets]
    if role not in ("admin", "analyst"):
        out = [a for a in out if a != "share"]
    return out


SORTS = {  # inbox orders: the insight's estimated value (default), first found, confidence
    "value": "amount DESC NULLS LAST, created_at DESC, id",
    "newest": "created_at DESC, episode_start DESC NULLS LAST, amount DESC NULLS LAST, id",
    "confidence": "confidence DESC NULLS LAST, amount DESC NULLS LAST, id",
}


def insights_list(con: duckdb.DuckDBPyConnection, *, department: str | None = None, state: str | None = None,
                  q: str | None = None, sort: str = "value", limit: int = 50, offset: int = 0) -> dict:
    """A page of the inbox: one card per insight with its departments (their state, owner, due date),
    its estimated value (the ledger's) and its age, sorted by value, newest or confidence; optionally
    only a department's, a state's, or titles containing ``q``."""
    from earful.ledger.value import _LATEST_ESTIMATE

    if state and state not in STATES:
        raise InputError(f"unknown state {state!r}: use {', '.join(STATES)}")
    if sort not in SORTS:
        raise InputError(f"unknown order {sort!r}: use {', '.join(SORTS)}")
    where, params = [], []
    if department is not None:
        where.append("department = ?")
        params.append(department)
    if state:
        where.append("state = ?")
        params.append(state)
    routes = f"SELECT * FROM ({_routes_sql()})"
    match = f"SELECT DISTINCT id FROM ({routes}) " + ("WHERE " + " AND ".join(where) if where else "")
    cond, cparams = "", []
    if q:
        cond = "AND contains(lower(i.title), lower(?))"
        cparams = [q.strip()]
    base = f"""
        SELECT i.id, i.kind, i.title, i.summary, i.period_start, i.period_end, i.episode_start, i.confidence,
               i.created_at, i.updated_at, v.amount, v.currency, v.basis
        FROM insights i LEFT JOIN ({_LATEST_ESTIMATE}) v ON v.insight_id = i.id
        WHERE i.id IN ({match}) {cond}"""
    total = con.execute(f"SELECT count(*) FROM ({base})", params + cparams).fetchone()[0]
    items = _rows(con.execute(f"SELECT * FROM ({base}) ORDER BY {SORTS[sort]} LIMIT ? OFFSET ?",
                              params + cparams + [int(limit), int(offset)]))
    by_id: dict[str, list[dict]] = {}
    for r in _rows(con.execute(f"SELECT id, department, state, routed, owner, due_date FROM ({routes}) "
                               f"WHERE id IN (SELECT unnest(?)) ORDER BY department NULLS LAST",
                               [[it["id"] for it in items]])):
        by_id.setdefault(r.pop("id"), []).append(r)
    now = datetime.now()
    for it in items:
        it["departments"] = by_id.get(it["id"], [])
        own = [d for d in it["departments"] if department is not None and d["department"] == department]
        single = own or (it["departments"] if len(it["departments"]) == 1 else [])
        it["department"] = single[0]["department"] if single else None
        it["state"] = single[0]["state"] if single else None
        it["value"] = None if it["amount"] is None else f"{float(it['amount']):.2f}"
        it["value_basis"] = it.pop("basis")
        it.pop("amount")
        found = datetime.fromisoformat(it["created_at"]) if it["created_at"] else now
        it["age_days"] = max(0, (now - found).days)
    dcond, dparams = ("WHERE department = ?", [department]) if department is not None else ("", [])
    counts = dict(con.execute(f"SELECT state, count(*) FROM ({routes}) {dcond} GROUP BY 1", dparams).fetchall())
    return {"items": items, "total": total, "limit": limit, "offset": offset, "sort": sort, "q": q or "",
            "next_offset": offset + limit if offset + limit < total else None,
            "counts": {s: counts.get(s, 0) for s in STATES}}


def insight_get(con: duckdb.DuckDBPyConnection, insight_id: str, *, department: str | None = None,
                role: str = "analyst", redacted: bool = True) -> dict | None:
    """One insight with its routes (only ``department``'s when given; each with its ask, owner and due
    date), figures in words, the statistics behind it, its value and how it is worked out, evidence
    (customer identifiers only for the centre), comments and history."""
    from earful.insights import wording
    from earful.insights.evidence import for_audience
    from earful.ledger.plans import comments
    from earful.ledger.value import _LATEST_ESTIMATE, credits

    row = _rows(con.execute("SELECT id, kind, title, summary, period_start, period_end, reason, topic, subject, "
                            "episode_start, suggested_department, confidence, created_at, updated_at, retired_at, "
                            "retired_note FROM insights WHERE id = ?", [insight_id]))
    if not row:
        return None
    item = row[0]
    routes = _rows(con.execute(f"SELECT department, state, state_at, routed, ask, owner, due_date FROM ({_routes_sql(False)})"
                               f" WHERE id = ? ORDER BY department NULLS LAST", [insight_id]))
    if department is not None:
        routes = [r for r in routes if r["department"] == department]
    for r in routes:
        r["actions"] = next_actions(r["state"], role) if r["department"] else []
    item["routes"] = routes
    item["state"] = routes[0]["state"] if len(routes) == 1 else None
    raw = con.execute("SELECT metrics, evidence FROM insights WHERE id = ?", [insight_id]).fetchone()
    metrics = _loads(raw[0]) or {}
    evidence = for_audience(_loads(raw[1]) or {}, centre=role in ("admin", "analyst"))
    quotes = evidence.get("quotes")
    if isinstance(quotes, list):
        evidence["quotes"] = [
            {**q, "text": redact(q.get("text")) if redacted else q.get("text")} if isinstance(q, dict) else q
            for q in quotes]
        # only quotes from a recorded call get a "listen from" player; the page asks for no moment otherwise
        ids = [q["interaction_id"] for q in evidence["quotes"] if isinstance(q, dict) and q.get("interaction_id")]
        recorded = {r[0] for r in con.execute(
            "SELECT interaction_id FROM voice_recordings WHERE list_contains(?, interaction_id)", [ids]).fetchall()} if ids else set()
        for q in evidence["quotes"]:
            if isinstance(q, dict):
                q["recorded"] = q.get("interaction_id") in recorded
    item["metrics"] = {k: _jsonable(v) if not isinstance(v, (dict, list)) else v for k, v in metrics.items()}
    item["evidence"] = evidence
    item["figures"] = [{"label": k, "value": v} for k, v in wording.figures(item["kind"], metrics)]
    item["why"] = [{"label": k, "value": v} for k, v in wording.why(item["kind"], metrics, fdr=metrics.get("fdr"))]
    item["kind_label"] = wording.KIND_LABELS.get(item["kind"], item["kind"].replace("_", " "))
    est = _rows(con.execute(f"SELECT amount, currency, basis, formula, inputs, working, at_time FROM ({_LATEST_ESTIMATE})"
                            f" WHERE insight_id = ?", [insight_id]))
    shares = [{"department": c.department, "estimated": None if c.estimated is None else str(c.estimated),
               "share": float(c.share), "confirmed": str(c.confirmed), "state": c.state}
              for c in credits(con, ids=[insight_id])]
    if department is not None:
        shares = [c for c in shares if c["department"] == department]
    item["value"] = None
    if est:
        e = est[0]
        item["value"] = {"amount": f"{float(e['amount']):.2f}", "currency": e["currency"],
                         "basis": e["basis"] or "per period", "formula": e["formula"],
                         "inputs": _loads(e["inputs"]) or {}, "working": e["working"], "at_time": e["at_time"],
                         "shares": shares}
    item["comments"] = [{k: _jsonable(v) for k, v in c.items()} for c in comments(con, insight_id)
                        if department is None or c["department"] in (None, department)]
    if role not in ("admin", "analyst"):
        for c in item["comments"]:
            c["text"] = redact(c["text"])
    hist = _rows(con.execute(
        "SELECT at_time, department, from_state, to_state, who, note FROM ledger_history WHERE insight_id = ? "
        + ("AND department = ? " if department is not None else "") + "ORDER BY id",
        [insight_id] + ([department] if department is not None else [])))
    item["history"] = hist
    return item


def _loads(v: Any) -> Any:
    if v is None or isinstance(v, (dict, list)):
        return v
    try:
        return json.loads(v)
    except (TypeError, ValueError):
        return None


def _ensure_route(con: duckdb.DuckDBPyConnection, insight_id: str, department: str, who: str) -> str:
    """The route's state, creating the suggested department's route the first time it is acted on."""
    row = con.execute("SELECT state FROM ledger_routes WHERE insight_id = ? AND department = ?",
                      [insight_id, department]).fetchone()
    if row:
        return str(row[0])
    routed = con.execute("SELECT count(*) FROM ledger_routes WHERE insight_id = ?", [insight_id]).fetchone()[0]
    suggested = con.execute("SELECT suggested_department FROM insights WHERE id = ?", [insight_id]).fetchone()
    if routed or not suggested or suggested[0] != department:
        raise InputError(f"insight {insight_id!r} is not routed to department {department!r}")
    add_routes(con, [(insight_id, department, "suggested_department")], who=who,
               now=datetime.now().replace(microsecond=0),
               note="routed from the dashboard to the suggested department")
    return "new"


def insight_act(con: duckdb.DuckDBPyConnection, insight_id: str, department: str, action: str, user, *,
                note: str | None = None, amount: str | float | None = None, currency: str | None = None) -> dict:
    """Move one route along the ledger's lifecycle: share, acknowledge, action, confirm (with an
    amount) or dismiss (with a reason). Refused moves raise ``InputError`` and change nothing."""
    from earful.ledger import confirm_value, transition

    if action not in ACTIONS:
        raise InputError(f"unknown action {action!r}: use {', '.join(ACTIONS)}")
    if action == "share" and user.role not in ("admin", "analyst"):
        raise InputError("only the centre (admins, analysts) shares insights")
    state = _ensure_route(con, insight_id, department, user.name)
    if action == "acknowledge" and state == "new":
        transition(con, insight_id, department, "shared", who=user.name, note="opened in the dashboard")
    if action == "confirm":
        if amount in (None, ""):
            raise InputError("confirming value needs the amount")
        if currency is None:
            row = con.execute("SELECT currency FROM ledger_values WHERE insight_id = ? ORDER BY id DESC LIMIT 1",
                              [insight_id]).fetchone()
            currency = row[0] if row else "EUR"
        try:
            confirm_value(con, insight_id, department, str(amount), currency, who=user.name, note=note)
        except (ArithmeticError, ValueError):
            raise InputError(f"amount {amount!r} is not a number") from None
    else:
        transition(con, insight_id, department, ACTIONS[action], who=user.name, note=note)
    from earful.web.auth import audit

    audit(con, user, f"insight.{action}", insight_id, {"department": department, "note": note})
    return insight_get(con, insight_id, department=department, role=user.role) or {}


def insight_plan(con: duckdb.DuckDBPyConnection, insight_id: str, department: str, user, *,
                 owner: str | None = None, due_date: str | None = None, ask: str | None = None) -> dict:
    """Set who owns an insight in a department, by when, and what is asked (``earful.ledger.plans``)."""
    from earful.ledger.plans import plan_route
    from earful.web.auth import audit

    _ensure_route(con, insight_id, department, user.name)
    due = parse_day(due_date, "due_date") if due_date else None
    plan = plan_route(con, insight_id, department, who=user.name, owner=owner, due_date=due, ask=ask)
    audit(con, user, "insight.plan", insight_id, {k: str(v) for k, v in plan.items()})
    return {k: _jsonable(v) for k, v in plan.items()}


def insight_comment(con: duckdb.DuckDBPyConnection, insight_id: str, text: str, user) -> dict:
    """Add a comment to an insight as ``user`` (a department user's comment carries their department)."""
    from earful.ledger.plans import add_comment
    from earful.web.auth import audit

    c = add_comment(con, insight_id, text, who=user.name,
                    department=user.department if user.role == "department" else None)
    audit(con, user, "insight.comment", insight_id, {"department": c["department"]})
    return {k: _jsonable(v) for k, v in c.items()}


def departments(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every department an insight is routed or suggested to."""
    return [r[0] for r in con.execute("SELECT department FROM ledger_routes UNION SELECT suggested_department "
                                      "FROM insights WHERE suggested_department IS NOT NULL ORDER BY 1").fetchall()]


def insight_departments(con: duckdb.DuckDBPyConnection, insight_id: str) -> tuple[bool, list[str]]:
    """(exists, departments it is routed to, or its suggested department while unrouted)."""
    if not con.execute("SELECT count(*) FROM insights WHERE id = ?", [insight_id]).fetchone()[0]:
        return False, []
    rows = con.execute(f"SELECT DISTINCT department FROM ({_routes_sql(False)}) WHERE id = ? AND department IS NOT NULL",
                       [insight_id]).fetchall()
    return True, [r[0] for r in rows]


def interaction_in_department(con: duckdb.DuckDBPyConnection, interaction_id: str, department: str) -> bool:
    """Whether an insight in the department's inbox cites this interaction as evidence."""
    needle = json.dumps(interaction_id)
    n = con.execute(f"SELECT count(*) FROM ({_routes_sql(False)}) r JOIN insights i USING (id) WHERE r.department = ? "
                    "AND position(? IN CAST(i.evidence AS VARCHAR)) > 0", [department, needle]).fetchone()[0]
    return n > 0


# ---------------------------------------------------------------- interactions

def interactions_list(con: duckdb.DuckDBPyConnection, *, q: str | None = None, limit: int = 50,
                      offset: int = 0) -> dict:
    """A page of interactions that have words (text or turns), newest first; ``q`` filters by id."""
    where, params = ["(i.text IS NOT NULL OR EXISTS (SELECT 1 FROM turns t WHERE t.interaction_id = i.id))"], []
    if q:
        where.append("(i.id ILIKE ? OR i.disposition ILIKE ?)")
        params += [f"%{q}%", f"%{q}%"]
    cond = " AND ".join(where)
    total = con.execute(f"SELECT count(*) FROM interactions i WHERE {cond}", params).fetchone()[0]
    items = _rows(con.execute(
        f"SELECT i.id, i.channel, i.queue, i.offered_at, i.disposition, left(i.text, 200) AS text "
        f"FROM interactions i WHERE {cond} ORDER BY i.offered_at DESC NULLS LAST, i.id LIMIT ? OFFSET ?",
        params + [int(limit), int(offset)]))
    for it in items:
        it["text"] = redact(it["text"])
    return {"items": items, "total": total, "limit": limit, "offset": offset,
            "next_offset": offset + limit if offset + limit < total else None}


def interaction_get(con: duckdb.DuckDBPyConnection, interaction_id: str, *, redacted: bool = True) -> dict | None:
    """One interaction, turn by turn, with its enrichment when present."""
    rows = _rows(con.execute(
        "SELECT id, source, channel, direction, queue, agent_id, offered_at, answered_at, ended_at, wait_s, talk_s, "
        "hold_s, wrap_s, abandoned, transferred, disposition, language, text, csat, nps, ces FROM interactions "
        "WHERE id = ?", [interaction_id]))
    if not rows:
        return None
    item = rows[0]
    turns = _rows(con.execute("SELECT seq, speaker, text, occurred_at FROM turns WHERE interaction_id = ? ORDER BY seq",
                              [interaction_id]))
    enrichment = None
    if has_table(con, "enrichment"):
        er = _rows(con.execute("SELECT * FROM enrichment WHERE interaction_id = ?", [interaction_id]))
        enrichment = er[0] if er else None
    if redacted:
        heard = redacted_transcript(con, interaction_id)  # a recording's own redaction (digit runs too)
        for t in turns:
            t["text"] = heard.get(t["seq"]) or redact(t["text"])
        if heard and not turns:
            item["text"] = " ".join(heard.values())
        elif enrichment and enrichment.get("redacted_text"):
            item["text"] = enrichment["redacted_text"]
        else:
            item["text"] = redact(item["text"])
        if enrichment:
            enrichment.pop("mentions", None)
    item["customer_turns"] = sum(1 for t in turns if t["speaker"] == "customer")
    item["turns"] = turns
    item["enrichment"] = enrichment
    item["redacted"] = redacted
    # only a recorded call has a player to fill (the page asks for no recording otherwise)
    item["recorded"] = has_table(con, "voice_recordings") and bool(con.execute(
        "SELECT count(*) FROM voice_recordings WHERE interaction_id = ?", [interaction_id]).fetchone()[0])
    return item


# ---------------------------------------------------------------- ledger

def ledger_months(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The months (YYYY-MM) the ledger credits insights to, newest first."""
    from earful.ledger.value import CREDIT_DAY

    return [r[0] for r in con.execute(f"SELECT DISTINCT strftime({CREDIT_DAY}, '%Y-%m') AS m FROM insights i "
                                      "WHERE retired_at IS NULL ORDER BY m DESC").fetchall()]


def ledger_report(con: duckdb.DuckDBPyConnection, department: str | None = None, month: str | None = None) -> dict:
    """The ledger's reconciliation for a month (or every month): per department the insights
    received and how far each got, the value credited (each insight counted once, shared by the
    split rule), dismissed and confirmed, with a total row; and the latest lifecycle moves."""
    from earful.ledger import history
    from earful.ledger.value import reconcile

    rec = reconcile(con, month=month, department=department)

    def out(r: dict) -> dict:
        return {k: str(v) if type(v).__name__ == "Decimal" else _jsonable(v) for k, v in r.items()}

    recent = [{k: _jsonable(v) for k, v in h.items()} for h in history(con, department=department)[-25:]][::-1]
    return {"period": month, "months": ledger_months(con), "departments": [out(r) for r in rec["rows"]],
            "totals": [out(t) for t in rec["totals"]], "split": rec["split"], "weights": rec["weights"],
            "recent": recent}


# ---------------------------------------------------------------- briefing

def briefing(con: duckdb.DuckDBPyConnection, month: date) -> str:
    """The month's briefing (``earful.report``) with links to each insight's page."""
    from earful.report import render_html

    return render_html(con, month, links=True)
