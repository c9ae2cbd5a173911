"""``metrics_table``: every KPI for any grouping in one DuckDB query over ``interactions``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb
import pyarrow as pa

from earful.errors import InputError
from earful.metrics import kpis
from earful.metrics._keys import (
    Key,
    check_store,
    contact_time_sql,
    is_contact_sql,
    parse_by,
    parse_range,
    range_and_lists,
    seconds,
)
from earful.metrics.calendars import BusinessClock, clock_id
from earful.metrics.definitions import ServiceDefinitions, resolve
from earful.metrics.kpis import ABANDON_TREATMENTS
from earful.metrics.next_contact import next_contact_ready
from earful.store.schema import has_column, has_table

#: What counts as "the same issue" for FCR: any contact by the customer, or one with the same reason.
FCR_SAME = ("any", "reason")
OCCUPANCY_FROM = ("auto", "activity", "staffing")
#: The columns after the keys, in order. After ``peak_hour``: the service level's parts (``sl_met``
#: answered within their own threshold, ``sl_base`` its denominator), the targets of the group's
#: contacts (``sl_target``, ``abandon_target``: contact-weighted, NULL when none has one), the
#: threshold and abandon treatment (NULL when the group mixes several), and how many answered
#: contacts have a known wait and handle time (``waits_known``, ``handles_known``: 0 makes ASA,
#: service level and AHT unknown; ``earful.metrics.gaps`` says why).
COLUMNS = ("offered", "answered", "abandoned", "short_abandoned", "ivr_hangups", "service_level", "asa_s",
           "aht_s", "abandon_rate", "transfer_rate", "fcr_rate", "occupancy", "busy_s", "staffed_s",
           "csat_avg", "nps", "peak_hour", "sl_met", "sl_base", "sl_target", "abandon_target", "sl_threshold_s",
           "abandon_treatment", "waits_known", "handles_known", "ces_avg", "qa_score", "predicted_csat")

_FLAGS = """
    offered_at IS NOT NULL AND coalesce(direction, 'inbound') = 'inbound' AS is_offered,
    is_offered AND coalesce(abandoned, false) AS is_abandoned,
    is_offered AND NOT coalesce(abandoned, false)
        AND (answered_at IS NOT NULL OR abandoned IS NOT NULL OR talk_s IS NOT NULL) AS is_answered,
    offered_at IS NULL AND ended_in_ivr AS is_ivr,
    transferred AS is_transferred,
    {wait} AS wait,
    coalesce(talk_s, {talk_default}) + coalesce(hold_s, 0) + coalesce(wrap_s, 0) AS handle"""
#: A contact's wait on the wall clock: the source's, else queue entry to answer (or to hang-up).
_WALL_WAIT = "coalesce(wait_s, epoch(CASE WHEN coalesce(abandoned, false) THEN ended_at ELSE answered_at END - offered_at))"


def _record_columns(rec: str, ctx: str, next_contact: bool, stored_waits: bool = False) -> str:
    """The columns metrics read from a record ``rec``, with queue, channel, agent, reason and time taken
    from ``ctx`` (the record itself, or for a survey the contact it rates, when that contact is stored),
    and with ``next_contact_at`` and ``is_contact`` (kept at import) when ``next_contact``."""
    def pick(col: str) -> str:
        return f"{rec}.{col}" if ctx == rec else f"CASE WHEN {ctx}.id IS NULL THEN {rec}.{col} ELSE {ctx}.{col} END"

    t = contact_time_sql(rec) if ctx == rec else f"coalesce({contact_time_sql(ctx)}, {contact_time_sql(rec)})"
    return (f"{rec}.id AS record_id, {pick('id')} AS reason_id, {pick('queue')} AS queue, "
            f"{pick('channel')} AS channel, {rec}.channel AS record_channel, {pick('agent_id')} AS agent_id, "
            f"{pick('disposition')} AS disposition, {t} AS t, {rec}.customer_id, {rec}.offered_at, {rec}.answered_at, "
            f"{rec}.ended_at, {rec}.direction, {rec}.wait_s, {rec}.talk_s, {rec}.hold_s, {rec}.wrap_s, "
            f"{rec}.abandoned, {rec}.transferred, {rec}.csat, {rec}.nps, {rec}.ces, {rec}.related_id, "
            f"json_extract_string({rec}.metadata, '$.ended_in') = 'ivr' AS ended_in_ivr"
            + (f", {rec}.next_contact_at, {rec}.is_contact" if next_contact else "")
            + (f", {rec}.business_wait_s, {rec}.business_clock" if stored_waits else ""))


#: Parts the framing columns read, beside the metrics' own: aggregates over the contact view, and over the
#: parts by group and definition, with the definition's constants (``kpis.Metric.per_definition``).
_FRAMING_PARTS = {"offered": "count_if(is_offered)", "answered_with_handle": "count_if(is_answered AND handle IS NOT NULL)"}
_FRAMING_PER_DEFINITION = {
    "ab_target_sum": "sum(offered * ab_target)",
    "ab_target_n": "sum(CASE WHEN ab_target IS NULL THEN 0 ELSE offered END)",
    "sl_t_lo": "min(CASE WHEN offered > 0 THEN sl_t END)", "sl_t_hi": "max(CASE WHEN offered > 0 THEN sl_t END)",
    "treat_lo": "min(CASE WHEN offered > 0 THEN treat END)", "treat_hi": "max(CASE WHEN offered > 0 THEN treat END)",
}
_TREATMENT_NAMES = "[" + ", ".join(f"'{t}'" for t in ABANDON_TREATMENTS) + "]"
_FRAMING = {
    "sl_met": "sl_met", "sl_base": "sl_base",
    "sl_target": "sl_target_sum / nullif(sl_base, 0) / 1e6",
    "abandon_target": "ab_target_sum / nullif(ab_target_n, 0) / 1e6",
    "sl_threshold_s": "CASE WHEN sl_t_lo = sl_t_hi THEN sl_t_lo END",
    "abandon_treatment": f"CASE WHEN treat_lo = treat_hi THEN {_TREATMENT_NAMES}[treat_lo + 1] END",
    "waits_known": "answered_with_wait", "handles_known": "answered_with_handle",
}


_INTEGER_COLUMNS = ("treat", "sl_target", "ab_target", "conc")
#: The definition's values the KPI table needs on every contact (the others are constants per definition,
#: applied after summing by definition).
_ROW_COLUMNS = ("sl_t", "short_s")


class _DefinitionSQL:
    """The per-row columns a contact's service definition gives (``row_columns`` of ``sl_t``, ``short_s``,
    ``treat``, ``sl_target``, ``ab_target``, ``conc``), the constants of
    each definition (``sl_t``, ``treat``, ``sl_target``, ``ab_target``, ``conc``: ``constants``, over rows
    that carry the definition's index) and its wait and handle expressions, as SQL over the contact view.

    Each contact gets the index of its definition ``_d`` (queue rules first, then its channel) from
    one CASE (none when there is one definition); the values are list look-ups by that index, or
    constants when every definition agrees.
    A wait on a business clock is B(end) − B(start) (``earful.metrics.calendars.BusinessClock``),
    from the day index and time of day of both ends, each computed once in its own layer."""

    def __init__(self, con: duckdb.DuckDBPyConnection, defs: ServiceDefinitions, sl_t: float | None,
                 short_s: float | None, treatment: str | None, *, stored: bool = True,
                 row_columns: Sequence[str] = ("sl_t", "short_s", "treat")) -> None:
        rules = defs.rules()
        self.defs: list = []
        for _q, _ch, d in rules:
            if d not in self.defs:
                self.defs.append(d)
        whens = []
        for q, ch, d in rules:
            cond = f"channel = {_lit(ch)}" + (f" AND queue = {_lit(q)}" if q is not None else "")
            whens.append(f"WHEN {cond} THEN {self.defs.index(d)}")
        fallback = self.defs.index(defs.for_channel("voice"))
        self.case = f"CASE {' '.join(whens)} ELSE {fallback} END" if len(self.defs) > 1 else "0"
        self.fallback = self.defs[fallback]  # the definition of a channel no rule names
        codes = list(ABANDON_TREATMENTS)
        self.treatments = ([treatment] if treatment is not None
                           else list(dict.fromkeys(d.abandon_treatment for d in self.defs)))
        cols = {
            "sl_t": [sl_t if sl_t is not None else d.threshold_s for d in self.defs],
            "short_s": [short_s if short_s is not None else d.short_abandon_s for d in self.defs],
            "treat": [codes.index(treatment or d.abandon_treatment) for d in self.defs],
            # targets in millionths, summed exactly as integers (the framing divides by 1e6)
            "sl_target": [round(d.target * 1e6) for d in self.defs],
            "ab_target": [None if d.max_abandon is None else round(d.max_abandon * 1e6) for d in self.defs],
            "conc": [max(1, int(d.concurrency)) for d in self.defs],  # contacts an agent handles at once
        }
        self.columns = [f"{self._pick(cols[name], integer=name in _INTEGER_COLUMNS)} AS {name}" for name in row_columns]
        self.constants = [f"{self._pick(v, integer=name in _INTEGER_COLUMNS)} AS {name}" for name, v in cols.items()
                          if name != "short_s"]
        self.index = ", _d" if len(self.defs) > 1 else ""  # the definition's index among the group keys
        immediate = [d.mode == "immediate" for d in self.defs]
        self.talk_default = ("epoch(ended_at - answered_at)" if all(immediate) else
                             f"CASE WHEN {self._pick(immediate)} THEN epoch(ended_at - answered_at) END"
                             if any(immediate) else "NULL")
        self.columns.append(f"{_WALL_WAIT} AS _w")
        self.wait = "_w"
        self.clock_layers: list[list[str]] = []
        self.clock: BusinessClock | None = None
        self.clock_ids: list[str] = []
        self.stored = False
        business = [d for d in self.defs if d.business_clock and not defs.calendar(d.calendar).always_open]
        self.business = bool(business)
        self.business_wait = "NULL"  # no contact to count on a business clock
        if not business:
            return
        from earful.ingest.load import centre_timezone

        names = list(dict.fromkeys(d.calendar for d in business))
        centre_tz = centre_timezone(con)
        self.clock_ids = [clock_id(defs.calendar(n), centre_tz) for n in names]
        self.stored = stored and has_column(con, "interactions", "business_clock")
        cal_of = [names.index(d.calendar) if d in business else -1 for d in self.defs]
        self.columns += [f"{self._pick(cal_of, integer=True)} AS _ci"]
        ids = "[" + ", ".join(_lit(i) for i in self.clock_ids) + "]"
        # a wait kept in the store for this very clock is read; the others are counted here
        fresh = "_ci >= 0"
        if self.stored:
            self.columns.append(f"CASE WHEN _ci >= 0 AND business_clock = {ids}[_ci + 1] THEN business_wait_s END AS _wb")
            fresh = "_ci >= 0 AND _wb IS NULL"
        # the clock spans the days of the waits counted here (none when every one is kept)
        clock = self._clock(con, defs, names, centre_tz, self._needing_clock(rules, business, cal_of, ids))
        if clock is None:
            self.wait = "CASE WHEN _ci < 0 THEN _w ELSE _wb END" if self.stored else "CASE WHEN _ci < 0 THEN _w END"
            return
        epoch0 = f"epoch(TIMESTAMP '{clock.first.isoformat()} 00:00:00')"
        lists = clock.packed_lists()

        # only contacts on a business clock get the columns: each is computed under CASE, so the other
        # rows cost no arithmetic (NULL elsewhere), a third less work on 10 M rows than unguarded
        def on_clock(x: str) -> str:
            return f"CASE WHEN {fresh} THEN {x} END"

        self.clock_layers = [
            [f"{on_clock(f'epoch(offered_at) - {epoch0}')} AS _x0"],
            [f"{on_clock('_x0 + _w')} AS _xe"],
            [f"{on_clock(clock.index_sql('_ci', 'CAST(floor(_x0 / 86400) AS BIGINT)'))} AS _i0",
             f"{on_clock(clock.index_sql('_ci', 'CAST(floor(_xe / 86400) AS BIGINT)'))} AS _ie",
             f"{on_clock('_x0 - 86400 * floor(_x0 / 86400)')} AS _tod0",
             f"{on_clock('_xe - 86400 * floor(_xe / 86400)')} AS _tode"],
            [f"{on_clock(f'{lst}[{end}]')} AS _p{end}{j}" for j, lst in enumerate(lists) for end in ("_i0", "_ie")],
        ]
        b_end = clock.value_sql([f"_p_ie{j}" for j in range(len(lists))], "_tode")
        b_start = clock.value_sql([f"_p_i0{j}" for j in range(len(lists))], "_tod0")
        self.business_wait = f"{b_end} - {b_start}"
        self.wait = (f"CASE WHEN _ci < 0 THEN _w WHEN _wb IS NOT NULL THEN _wb ELSE {self.business_wait} END"
                     if self.stored else f"CASE WHEN _ci >= 0 THEN {self.business_wait} ELSE _w END")
        self.clock = clock

    def _needing_clock(self, rules: list, business: list, cal_of: list[int], ids: str) -> str:
        """An SQL condition on ``interactions`` true for every stored record whose wait may be counted on a
        business clock here: offered, on a business definition (its channel and queue), and, when kept
        waits are read, without one kept for its clock. A survey rated against its contact takes that
        contact's definition, so every survey naming a contact is included."""
        ci = self._pick(cal_of, integer=True, index=f"({self.case})")
        on_business = f"({ci}) >= 0"
        if self.fallback not in business:  # only the channels some business definition names
            chans = dict.fromkeys(ch for _q, ch, d in rules if d in business)
            on_business = f"channel IN ({', '.join(_lit(c) for c in chans)}) AND {on_business}"
        everyone = "offered_at IS NOT NULL"
        if self.stored and len(self.clock_ids) == 1:  # one clock: whether a wait is kept needs no look-up (checked first)
            everyone += f" AND (business_wait_s IS NULL OR business_clock IS DISTINCT FROM {_lit(self.clock_ids[0])})"
        elif self.stored:
            on_business += f" AND (business_wait_s IS NULL OR business_clock IS DISTINCT FROM {ids}[({ci}) + 1])"
        return f"{everyone} AND ((channel = 'survey' AND related_id IS NOT NULL) OR ({on_business}))"

    def stored_columns(self, alias: str) -> str:
        """The kept business-wait columns the contact rows must carry (none when they are not read)."""
        return f", {alias}.business_wait_s, {alias}.business_clock" if self.stored else ""

    def layers(self, inner: str) -> str:
        """``inner`` (the contact rows) wrapped in the layers that add the definition's columns."""
        sql = f"(SELECT *, {self.case} AS _d FROM {inner})" if len(self.defs) > 1 else inner
        sql = f"(SELECT *, {', '.join(self.columns)} FROM {sql})"
        for cols in self.clock_layers:
            sql = f"(SELECT *, {', '.join(cols)} FROM {sql})"
        return sql

    def _pick(self, values: list, integer: bool = False, index: str = "_d") -> str:
        """One value per definition, for the row's definition ``index``: a constant when they all agree."""
        if len(set(values)) == 1:
            return ("NULL::" + ("BIGINT" if integer else "DOUBLE")) if values[0] is None else _sql_value(values[0], integer)
        kind = "BOOLEAN" if all(isinstance(v, bool) for v in values) else "BIGINT" if integer else "DOUBLE"
        return f"([{', '.join(_sql_value(v, integer) for v in values)}]::{kind}[])[{index} + 1]"

    @staticmethod
    def _clock(con: duckdb.DuckDBPyConnection, defs: ServiceDefinitions, names: list[str], centre_tz: str,
               where: str) -> BusinessClock | None:
        """A business clock over every day a wait of the records matching ``where`` can touch (None when none does)."""
        lo, hi = con.execute(
            "SELECT min(offered_at)::DATE, max(greatest(coalesce(ended_at, offered_at), coalesce(answered_at, offered_at),"
            f" offered_at + to_seconds(coalesce(wait_s, 0))))::DATE FROM interactions WHERE {where}"
        ).fetchall()[0]
        if lo is None:
            return None
        if (hi - lo).days > 20_000:
            raise InputError(f"contacts span {lo} to {hi}: too long for business-hours waits "
                             "(check the times of the data)")
        return BusinessClock.build([defs.calendar(n) for n in names], lo, hi + dt.timedelta(days=1), centre_tz)

    def flags(self, template: str) -> str:
        return template.format(wait=self.wait, talk_default=self.talk_default)


def _lit(v: str) -> str:
    return "'" + str(v).replace("'", "''") + "'"


def _sql_value(v: object, integer: bool = False) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(int(v)) if integer else f"{float(v)!r}::DOUBLE"


def _per_contact(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    """Columns and joins for per-contact figures other capabilities keep (QA score, predicted CSAT), when the
    store has them; a survey record has neither."""
    cols, joins = [], []
    for table, col, alias in (("qa_scores", "score", "qa_score"), ("satisfaction_predictions", "predicted_csat", "predicted_csat")):
        if has_table(con, table) and con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1)").fetchall()[0][0]:
            cols.append(f"_{alias}.{col} AS {alias}")
            joins.append(f"LEFT JOIN {table} _{alias} ON _{alias}.interaction_id = i.id")
        else:
            cols.append(f"NULL::DOUBLE AS {alias}")
    return ", " + ", ".join(cols), " ".join(joins)


def _reaggregate(part: str, name: str) -> str:
    """The aggregate that combines a part's values over hours of day into the group's (parts are additive):
    counts and sums add up (a count stays BIGINT), minima and maxima combine as such."""
    head = part.split("(", 1)[0].strip().lower()
    if head in ("count", "count_if"):
        return f"CAST(sum({name}) AS BIGINT)"
    if head in ("sum", "min", "max"):
        return f"{head}({name})"
    raise AssertionError(f"part {name} is not additive: {part}")


def _values(value: str | Sequence[str] | None, what: str) -> list[str] | None:
    if value is None:
        return None
    vals = [v.strip() for v in value.split(",")] if isinstance(value, str) else [str(v) for v in value]
    vals = [v for v in vals if v]
    if not vals:
        raise InputError(f"{what} filter is empty")
    return vals


def _days(value: object) -> float:
    """The FCR window in days: a finite number ≥ 0."""
    try:
        days = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"FCR window must be a number of days, not {value!r}") from None
    if not 0 <= days < 36500:
        raise InputError(f"FCR window must be between 0 and 36500 days, not {value!r}")
    return days


def _staffing_rows(con: duckdb.DuckDBPyConnection, lo: dt.datetime | None, hi: dt.datetime | None) -> int:
    if not has_table(con, "staffing"):
        return 0
    return con.execute("SELECT count(*) FROM staffing WHERE (? IS NULL OR interval_start >= ?) "
                       "AND (? IS NULL OR interval_start < ?)", [lo, lo, hi, hi]).fetchall()[0][0]


def metrics_table(
    con: duckdb.DuckDBPyConnection,
    by: str | Sequence[str] | None = ("day", "queue"),
    *,
    start: object = None,
    end: object = None,
    sl_threshold_s: float | str | None = None,
    short_abandon_s: float | str | None = None,
    abandon_treatment: str | None = None,
    fcr_days: float | None = 7,
    fcr_same: str = "any",
    channel: str | Sequence[str] | None = None,
    queue: str | Sequence[str] | None = None,
    occupancy_from: str = "auto",
    staffing_minutes: int | None = None,
    definitions: ServiceDefinitions | str | None = None,
) -> pa.Table:
    """The KPI table: one row per group of ``by`` (keys, then ``COLUMNS``), ordered by the keys.

    ``by``: any of interval15/interval30/interval60, hour (of day), day, weekday, week, month, queue,
    channel, agent, reason (enrichment.reason when the text was classified, else disposition);
    empty for one row over everything. ``start``/``end``: contact time in [start, end) (a plain-date
    end includes its day). ``occupancy_from``: ``activity`` (agents seen answering), ``staffing``
    (the ``staffing`` table), or ``auto`` (the table when it has rows in the range and ``by`` holds
    only time keys and queue); ``staffing_minutes``: the activity interval (default 30, 15 when
    grouping by interval15). ``fcr_days=None`` skips FCR and leaves ``fcr_rate`` NULL. FCR reads each
    contact's next contact kept at import (``earful.metrics.next_contact``), or computes it with a
    window when rows were written outside an import or ``fcr_same="reason"``. Formulas:
    ``earful.metrics.kpis`` and docs/metrics.md.

    Each contact is measured against its own service definition (``definitions``: the config, a
    YAML path, or None for the store's; ``earful.metrics.definitions``): its threshold, abandon
    treatment, short-abandon threshold and clock (wall, or business hours). ``sl_threshold_s``,
    ``abandon_treatment`` and ``short_abandon_s``, when given, apply to every contact instead.
    """
    check_store(con)
    keys = parse_by(by)
    lo, hi = parse_range(start, end)
    defs = resolve(con, definitions)
    sl_t = seconds(sl_threshold_s, "service-level threshold") if sl_threshold_s is not None else None
    short_s = seconds(short_abandon_s, "short-abandon threshold") if short_abandon_s is not None else None
    if abandon_treatment is not None and abandon_treatment not in ABANDON_TREATMENTS:
        raise InputError(f"abandon treatment {abandon_treatment!r} is not one of {', '.join(ABANDON_TREATMENTS)}")
    per_row = _DefinitionSQL(con, defs, sl_t, short_s, abandon_treatment, row_columns=_ROW_COLUMNS)
    with_fcr = fcr_days is not None
    n_days = _days(fcr_days) if with_fcr else 0.0
    if fcr_same not in FCR_SAME:
        raise InputError(f"fcr_same must be one of {', '.join(FCR_SAME)}, not {fcr_same!r}")
    # FCR reads each contact's next contact kept at import, or else computes it with a window
    fcr_window = with_fcr and (fcr_same != "any" or not next_contact_ready(con))
    fcr_column = with_fcr and not fcr_window
    window_days = n_days if fcr_window else 0.0
    if occupancy_from not in OCCUPANCY_FROM:
        raise InputError(f"occupancy_from must be one of {', '.join(OCCUPANCY_FROM)}, not {occupancy_from!r}")
    if staffing_minutes is None:  # activity intervals no longer than the grouping's
        staffing_minutes = min([30] + [k.minutes for k in keys if k.minutes])
    if staffing_minutes not in (15, 30, 60):
        raise InputError(f"staffing interval must be 15, 30 or 60 minutes, not {staffing_minutes}")
    channels, queues = _values(channel, "channel"), _values(queue, "queue")

    staffing_ok = all(k.is_time or k.name == "queue" for k in keys)
    use_staffing = occupancy_from == "staffing"
    if use_staffing and not staffing_ok:
        raise InputError("occupancy from the staffing table needs --by made of time keys and queue only")
    if occupancy_from == "auto":
        use_staffing = staffing_ok and _staffing_rows(con, lo, hi) > 0
    if use_staffing and not has_table(con, "staffing"):
        raise InputError("this store has no staffing table")

    metrics = [kpis.offered(), kpis.answered(), kpis.abandoned(), kpis.short_abandoned(), kpis.ivr_hangups(),
               kpis.service_level(per_row.treatments), kpis.asa(), kpis.aht(),
               kpis.abandon_rate(per_row.treatments), kpis.transfer_rate(), kpis.fcr_rate(n_days),
               kpis.occupancy(staffing_minutes), kpis.csat_avg(), kpis.nps(), kpis.ces_avg(), kpis.qa_score(),
               kpis.predicted_csat()]
    parts: dict[str, str] = {}
    per_def: dict[str, str] = {}  # over the parts by group, hour and definition, with the definition's constants
    for m in metrics:
        for name, sql in m.parts.items():
            if parts.setdefault(name, sql) != sql:
                raise AssertionError(f"part {name} defined twice, differently")
        for name, sql in m.per_definition.items():
            per_def.setdefault(name, sql)
    for name, sql in _FRAMING_PARTS.items():
        if parts.setdefault(name, sql) != sql:
            raise AssertionError(f"part {name} defined twice, differently")
    per_def.update(_FRAMING_PER_DEFINITION)

    need_reason = any(k.name == "reason" for k in keys) or fcr_same == "reason"
    join_enrichment = need_reason and has_table(con, "enrichment")
    reason_sql = "coalesce(e.reason, i.disposition)" if join_enrichment else "i.disposition"
    time_cond, params = [], []
    if lo is not None:
        time_cond.append("i.t >= ?")
        params.append(lo)
    if hi is not None:  # FCR's window looks N days past the range for the repeat contact
        time_cond.append("i.t < ?")
        params.append(hi + dt.timedelta(days=window_days))
    filters = []
    if hi is not None:
        filters.append("t < ?")
    if channels:
        filters.append("channel IN (SELECT unnest(?::VARCHAR[]))")
    if queues:
        filters.append("queue IN (SELECT unnest(?::VARCHAR[]))")
    fparams = ([hi] if hi is not None else []) + ([channels] if channels else []) + ([queues] if queues else [])
    same = ", reason" if fcr_same == "reason" else ""
    cols = [k.column for k in keys]
    kc = "".join(f"{c}, " for c in cols)
    group = f"GROUP BY {', '.join(cols)}" if cols else ""

    keys_sql = "".join(f"{k.sql} AS {k.column}, " for k in keys)
    where = "WHERE " + " AND ".join(filters) if filters else ""
    # FCR's parts go in their own query over the window, or, reading the kept column, into agg
    fcr_parts = {n: parts.pop(n) for n in list(parts) if n.startswith("fcr_")} if not fcr_column else {}
    next_t, next_t_in = (", next_t", " i.next_contact_at AS next_t,") if fcr_column else ("", "")
    contacts = f"""(
            SELECT i.record_id, i.queue, i.channel, i.agent_id, i.customer_id, i.offered_at, i.answered_at, i.ended_at,
                   i.direction, i.wait_s, i.talk_s, i.hold_s, i.wrap_s, i.abandoned, i.transferred, i.csat, i.nps,
                   i.ces, i.qa_score, i.predicted_csat, i.ended_in_ivr, {reason_sql} AS reason, i.t,{next_t_in}
                   {"i.is_contact" if fcr_column else is_contact_sql("i", "record_channel")} AS is_contact{per_row.stored_columns("i")}
            FROM records i {"LEFT JOIN enrichment e ON e.interaction_id = i.reason_id" if join_enrichment else ""}
            {"WHERE " + " AND ".join(time_cond) if time_cond else ""}
        )"""
    # src: one row per stored record in [start, end + N days), with the flags the parts read.
    # It is not materialised: each reader below scans only the columns it needs.
    per_cols, per_joins = _per_contact(con)
    sql = f"""
    WITH records AS NOT MATERIALIZED (  -- every record; a survey naming its contact takes that contact's
        -- queue, channel, agent, reason and time, so it counts where the contact it rates counts
        SELECT {_record_columns("i", "i", fcr_column, per_row.stored)}{per_cols} FROM interactions i {per_joins}
        WHERE i.channel <> 'survey' OR i.related_id IS NULL
        UNION ALL
        SELECT {_record_columns("i", "r", fcr_column, per_row.stored)}, NULL::DOUBLE AS qa_score, NULL::DOUBLE AS predicted_csat
        FROM interactions i LEFT JOIN interactions r ON r.id = i.related_id
        WHERE i.channel = 'survey' AND i.related_id IS NOT NULL
    ),
    src AS NOT MATERIALIZED (
        SELECT {keys_sql} hour(t) AS _hour, record_id, queue, channel, agent_id, customer_id, answered_at, csat, nps,
               ces, qa_score, predicted_csat, reason, t, is_contact, sl_t, short_s{per_row.index},
               {per_row.flags(_FLAGS)}, is_contact AND is_answered AS fcr_eligible{next_t}
        FROM {per_row.layers(contacts)}
    ),
    by_def AS (  -- every part by group, hour of day and definition in one pass
        SELECT {kc} _hour{per_row.index}, {", ".join(f"{s} AS {n}" for n, s in parts.items())}
        FROM src {where} GROUP BY ALL
    ),
    by_hour AS (  -- the definition's constants applied to its sums: the peak hour reads the same counts
        SELECT {kc} _hour, {", ".join([f"{_reaggregate(s, n)} AS {n}" for n, s in parts.items()]
                                      + [f"{s} AS {n}" for n, s in per_def.items()])}
        FROM (SELECT *, {", ".join(per_row.constants)} FROM by_def) GROUP BY {kc} _hour
    ),
    agg AS (SELECT {kc} {", ".join(f"{_reaggregate(s, n)} AS {n}" for n, s in {**parts, **per_def}.items())}
            FROM by_hour {group}),
    peak AS (
        SELECT {kc} arg_max(_hour, offered * 24 + (23 - _hour)) FILTER (WHERE offered > 0) AS peak_hour
        FROM by_hour {group}
    )"""
    if fcr_window:
        fcr_extra = "".join(f", {c}" for c, on_ in (("channel", channels), ("queue", queues)) if on_ and c not in cols)
        # each contact's next contact by the same customer: a window over contacts only, carrying just
        # the keys and what the FCR parts read; the filters apply after it (the repeat may lie outside them)
        sql += f""",
    fcr AS (
        SELECT {kc} {", ".join(f"{s} AS {n}" for n, s in fcr_parts.items())}
        FROM (SELECT {kc} t, fcr_eligible{fcr_extra},
                     lead(t) OVER (PARTITION BY customer_id{same} ORDER BY t, record_id) AS next_t
              FROM src WHERE is_contact)
        {where} {group}
    )"""
    fparams_st: list = []
    if not use_staffing:  # staffed time from activity (kpis.staffed_from_activity), per agent first
        act_cond, block, inner, outer = kpis.staffed_from_activity(staffing_minutes)
        fparams_st = fparams
        sql += f""",
    st AS (
        SELECT {kc} {outer} AS staffed_s
        FROM (SELECT {kc} {inner} AS _mask FROM src WHERE {" AND ".join(filters + [act_cond])}
              GROUP BY {kc} agent_id, {block})
        {group}
    )"""
    else:
        st_keys = "".join(f"{k.sql} AS {k.column}, " for k in keys)
        st_cond, st_params = range_and_lists(lo, hi, {"queue": queues})
        fparams_st.extend(st_params)
        sql += f""",
    st AS (
        SELECT {st_keys} sum(agents * interval_s) AS staffed_s
        FROM (SELECT interval_start AS t, queue, agents, interval_s FROM staffing)
        {"WHERE " + " AND ".join(st_cond) if st_cond else ""} {group}
    )"""

    def on(other: str) -> str:
        return " AND ".join(f"agg.{c} IS NOT DISTINCT FROM {other}.{c}" for c in cols) or "true"

    formulas = {m.name: m.formula for m in metrics}
    if not with_fcr:
        formulas["fcr_rate"] = "NULL::DOUBLE"
    extra = ("".join(f", fcr.{n}" for n in fcr_parts) if fcr_window else "") + (", st.staffed_s" if use_staffing else ", coalesce(st.staffed_s, 0) AS staffed_s")
    joins = ((f"LEFT JOIN fcr ON {on('fcr')}" if fcr_window else "")
             + f" LEFT JOIN st ON {on('st')}")
    out = []
    for col in COLUMNS:
        if col in ("busy_s", "staffed_s"):
            out.append(f"CAST({col} AS DOUBLE) AS {col}")
        elif col == "peak_hour":
            out.append("peak.peak_hour")
        elif col in ("offered", "answered", "abandoned", "short_abandoned", "ivr_hangups"):
            out.append(f"CAST(coalesce({formulas[col]}, 0) AS BIGINT) AS {col}")
        elif col in ("sl_met", "sl_base", "waits_known", "handles_known"):
            out.append(f"CAST(coalesce({_FRAMING[col]}, 0) AS BIGINT) AS {col}")
        elif col in _FRAMING:
            out.append(f"{_FRAMING[col]} AS {col}")
        else:
            out.append(f"{formulas[col]} AS {col}")
    sel_keys = "".join(f"agg.{c}, " for c in cols)
    sql += f"""
    SELECT {sel_keys} {", ".join(out)}
    FROM (SELECT agg.*{extra} FROM agg {joins}) agg
    LEFT JOIN peak ON {on('peak')}
    {"ORDER BY " + ", ".join(f"agg.{c} NULLS LAST" for c in cols) if cols else ""}
    """
    try:
        return con.sql(sql, params=params + fparams * (2 if fcr_window else 1) + fparams_st).to_arrow_table()
    except duckdb.Error as exc:  # a bug, but a user sees one line, never a traceback
        raise InputError(f"metrics query failed: {str(exc).splitlines()[0]}") from None
