"""Every metric's definition: its formula (in the docstring, once) and its SQL, side by side.

A metric is a set of additive *parts* (SQL aggregates over the per-contact view, one row per
stored record) and a *formula* over those parts, so that ``metrics_table`` computes every
metric in one scan and a rate is always Σ ÷ Σ over the group, never an average of averages.
docs/metrics.md writes the same formulas for people.

Row-level names the parts read (built in ``earful.metrics.table``):
``is_offered`` (inbound, ``offered_at`` set), ``is_answered`` (offered, not abandoned, and an
agent took it: ``answered_at`` set, ``abandoned`` false, or a talk time recorded), ``is_abandoned``
(offered and ``abandoned``), ``is_ivr`` (not offered and ``metadata.ended_in = 'ivr'``),
``is_transferred`` (NULL when the source does not say), ``wait`` (``wait_s``, else the seconds from
``offered_at`` to ``answered_at`` or, for an abandon, to ``ended_at``; NULL when the source has
neither: no queue time; counted on the contact's clock, business hours only where its service
definition says so), ``handle`` (talk + hold + wrap; for a contact answered while the customer
waits, talk defaults to ``ended_at − answered_at``; hold and wrap to 0; NULL when no talk time is
known), ``csat``, ``nps``, ``ces``, ``qa_score``, ``predicted_csat``, ``t`` (the contact's time),
``next_t`` (the same customer's next contact), ``fcr_eligible``, ``agent_id``, ``answered_at``.

Per row, from the contact's service definition (``earful.metrics.definitions``): ``sl_t`` (its
threshold T, s) and ``short_s`` (its short-abandon threshold S, s).

Parts that depend on the definition otherwise (abandon treatment, targets, concurrency) are
``per_definition``: ``metrics_table`` first sums the plain parts by group and definition, then
these aggregates over those rows, where ``treat`` (the abandon treatment, as the index of
``ABANDON_TREATMENTS``), ``sl_t``, ``sl_target``, ``ab_target`` (targets in millionths) and
``conc`` (concurrency) are the definition's constants: a constant applied once per definition
rather than once per contact, with the same sums.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from earful.errors import InputError

#: Service-level conventions for abandoned contacts (``abandon_treatment``), named as the industry does.
ABANDON_TREATMENTS = {
    "all": "every abandon counts against you (answered within T ÷ offered)",
    "exclude_short": "short abandons (wait < S) are left out of the denominator",
    "exclude_within_threshold": "abandons within T are left out of the denominator (neither good nor bad)",
    "answered_only": "abandons are ignored altogether (answered within T ÷ answered)",
}


@dataclass(frozen=True)
class Metric:
    """A metric: additive parts (name -> SQL aggregate over the contact view), parts per definition (name ->
    SQL aggregate over the plain parts summed by group and service definition) and a formula over them."""

    name: str
    parts: dict[str, str]
    formula: str
    per_definition: dict[str, str] = field(default_factory=dict)


def _ratio(num: str, den: str) -> str:
    """num ÷ den as DOUBLE; NULL when the denominator is 0 (no contacts, no rate)."""
    return f"CAST({num} AS DOUBLE) / nullif({den}, 0)"


def offered() -> Metric:
    """Offered = inbound contacts that reached a queue for an agent (``offered_at`` set).

    IVR hang-ups and self-served contacts (``offered_at`` NULL) are not offered."""
    return Metric("offered", {"offered": "count_if(is_offered)"}, "offered")


def answered() -> Metric:
    """Answered = offered contacts that an agent took (``answered_at`` set, not abandoned)."""
    return Metric("answered", {"answered": "count_if(is_answered)"}, "answered")


def abandoned() -> Metric:
    """Abandoned = offered contacts that left the queue unanswered (``abandoned`` true)."""
    return Metric("abandoned", {"abandoned": "count_if(is_abandoned)"}, "abandoned")


def short_abandoned() -> Metric:
    """Short abandoned = abandoned with wait < S seconds (hung up before a real wait: misdials, ghosts);
    S is the contact's own short-abandon threshold."""
    return Metric("short_abandoned", {"short_abandoned": "count_if(is_abandoned AND wait < short_s)"},
                  "short_abandoned")


def ivr_hangups() -> Metric:
    """IVR hang-ups = contacts that ended in self-service before any queue (``metadata.ended_in = 'ivr'``).

    Never offered, so never part of a service level or an abandon rate."""
    return Metric("ivr_hangups", {"ivr_hangups": "count_if(is_ivr)"}, "ivr_hangups")


def _treatment_sql(treatments: Sequence[str], case: dict[str, str], otherwise: str = "false") -> str:
    """An SQL condition (or number) that depends on the treatment ``treat``: ``case`` maps a treatment to its
    condition (missing: ``otherwise``); one treatment in use needs no CASE."""
    for t in treatments:
        if t not in ABANDON_TREATMENTS:
            raise InputError(f"abandon treatment {t!r} is not one of {', '.join(ABANDON_TREATMENTS)}")
    used = list(dict.fromkeys(treatments))
    if len(used) == 1:
        return case.get(used[0], otherwise)
    codes = list(ABANDON_TREATMENTS)
    whens = " ".join(f"WHEN {codes.index(t)} THEN {case[t]}" for t in used if t in case)
    return f"(CASE treat {whens} ELSE {otherwise} END)" if whens else otherwise


#: The abandons a treatment leaves out, as parts (an abandon whose wait is unknown is never left out).
_EXCLUDED_PARTS = {"exclude_short": ("short_abandoned", "count_if(is_abandoned AND wait < short_s)"),
                   "exclude_within_threshold": ("abandoned_within_t", "count_if(is_abandoned AND wait <= sl_t)"),
                   "answered_only": ("abandoned", "count_if(is_abandoned)")}


def _excluded(treatments: Sequence[str], which: Sequence[str]) -> tuple[dict[str, str], str]:
    """The parts counting the abandons left out by the treatments in ``which`` that are in use, and the
    per-definition count of those its treatment leaves out."""
    excluded = _treatment_sql(treatments, {t: _EXCLUDED_PARTS[t][0] for t in which}, otherwise="0")
    used = [t for t in dict.fromkeys(treatments) if t in which]
    return dict(_EXCLUDED_PARTS[t] for t in used), excluded


def service_level(treatments: Sequence[str] = ("exclude_short",)) -> Metric:
    """Service level = answered within T ÷ D; answered within T = answered with wait ≤ T, where T is the
    threshold of the contact's own service definition (so a group of several channels gives the
    contact-weighted share of contacts that met their own channel's threshold) and D, by the
    contact's abandon treatment, counts

    - ``all``:                      offered
    - ``exclude_short``:            offered − short abandons (abandoned with wait < S)
    - ``exclude_within_threshold``: offered − abandons with wait ≤ T
    - ``answered_only``:            answered

    less the answered contacts whose wait is unknown (neither on time nor late). Unknown (NULL)
    when contacts were answered but none has a known wait: the source records no queue time.
    """
    excluded_parts, excluded = _excluded(treatments, ("exclude_short", "exclude_within_threshold", "answered_only"))
    # offered less the answered without a known wait less the abandons the treatment leaves out (answered
    # and abandoned never overlap, and every abandon left out is offered)
    base = f"offered - (answered - answered_with_wait) - {excluded}"
    parts = {"sl_met": "count_if(is_answered AND wait <= sl_t)", "offered": "count_if(is_offered)",
             "answered": "count_if(is_answered)",
             "answered_with_wait": "count_if(is_answered AND wait IS NOT NULL)", **excluded_parts}
    return Metric("service_level", parts,
                  f"CASE WHEN answered > 0 AND answered_with_wait = 0 THEN NULL ELSE {_ratio('sl_met', 'sl_base')} END",
                  {"sl_base": f"sum({base})", "sl_target_sum": f"sum(({base}) * sl_target)"})


def asa() -> Metric:
    """ASA (average speed of answer, s) = Σ wait of answered ÷ answered (those with a known wait)."""
    return Metric("asa_s", {"answered_wait_s": "sum(wait) FILTER (WHERE is_answered)",
                            "answered_with_wait": "count_if(is_answered AND wait IS NOT NULL)"},
                  _ratio("answered_wait_s", "answered_with_wait"))


def aht() -> Metric:
    """AHT (average handle time, s) = Σ (talk + hold + wrap) of answered ÷ answered (with a known handle)."""
    return Metric("aht_s", {"handle_s": "sum(handle) FILTER (WHERE is_answered)",
                            "answered_with_handle": "count_if(is_answered AND handle IS NOT NULL)"},
                  _ratio("handle_s", "answered_with_handle"))


def abandon_rate(treatments: Sequence[str] = ("exclude_short",)) -> Metric:
    """Abandon rate = (abandoned − E) ÷ (offered − E), where E are the abandons the contact's abandon
    treatment leaves out of its service level, so both rates follow the same convention:

    - ``all``:                      E = none (abandoned ÷ offered)
    - ``exclude_short``:            E = short abandons (wait < S)
    - ``exclude_within_threshold``: E = abandons with wait ≤ T
    - ``answered_only``:            E = none (a rate that left every abandon out would be no rate)

    IVR hang-ups are in neither term. An abandon whose wait is unknown is never left out."""
    excluded_parts, excluded = _excluded(treatments, ("exclude_short", "exclude_within_threshold"))
    return Metric("abandon_rate", {"abandoned": "count_if(is_abandoned)", "offered": "count_if(is_offered)",
                                   **excluded_parts},
                  _ratio("abandoned - abandon_excluded", "offered - abandon_excluded"),
                  {"abandon_excluded": f"sum({excluded})"})


def transfer_rate() -> Metric:
    """Transfer rate = answered contacts transferred ÷ answered contacts whose ``transferred`` is known.

    A source that does not say (``transferred`` NULL everywhere) gives no rate rather than 0."""
    return Metric("transfer_rate", {"transferred": "count_if(is_answered AND is_transferred)",
                                    "answered_transfer_known": "count_if(is_answered AND is_transferred IS NOT NULL)"},
                  _ratio("transferred", "answered_transfer_known"))


def fcr_rate(fcr_days: float = 7.0) -> Metric:
    """FCR (first-contact resolution) = resolved ÷ eligible.

    Eligible: answered inbound contacts with a ``customer_id`` that are not a continuation
    (no ``related_id``) and not a survey. Resolved: the same customer's next contact (any inbound,
    non-survey, non-continuation record, offered or not; with ``fcr_same="reason"`` only one with
    the same reason) comes more than N days later, or never (next − t > N days)."""
    n_us = int(round(fcr_days * 86400e6))
    return Metric("fcr_rate", {
        "fcr_eligible": "count_if(fcr_eligible)",
        "fcr_resolved": f"count_if(fcr_eligible AND (next_t IS NULL OR next_t > t + to_microseconds({n_us})))",
    }, _ratio("fcr_resolved", "fcr_eligible"))


def occupancy(staffing_minutes: int = 30) -> Metric:
    """Occupancy = busy time ÷ staffed time.

    Busy = Σ handle (talk + hold + wrap) ÷ concurrency of answered contacts with an agent: a contact
    on a channel whose agents handle c at once (chat 2) takes 1/c of an agent for its handle time, as
    the staffing maths counts it, so an agent at full use on two chats is 100 % occupied, not 200 %.
    Staffed, from agent
    activity: Σ over M-minute intervals of the agents who answered a contact in the interval × M
    (an agent who answered anything in an interval counts as staffed for all of it; see
    ``staffed_from_activity``) — or, from the ``staffing`` table, Σ agents × interval_s (see
    ``metrics_table(occupancy_from=...)``). The parts here are busy time; staffed time is its own step."""
    return Metric("occupancy", {
        "busy_handle_s": "sum(handle) FILTER (WHERE is_answered AND agent_id IS NOT NULL)",
    }, _ratio("busy_s", "staffed_s"), {"busy_s": "sum(busy_handle_s / conc)"})


def _floor_div(x: str, d: int) -> str:
    """⌊x ÷ d⌋ for integers (DuckDB's ``//`` truncates towards zero)."""
    return f"(({x}) - ((({x}) % {d}) + {d}) % {d}) // {d}"


_YEAR_1_US = 62_135_596_800_000_000  # µs from 0001-01-01 to 1970-01-01 (719,162 days)


def staffed_from_activity(staffing_minutes: int = 30) -> tuple[str, str, str, str]:
    """Staffed time from activity, exactly, in two aggregation steps: (row filter, block, inner, outer).

    Count the distinct (agent, M-minute interval) pairs with an answered contact, × M × 60 s. Per
    agent and ``block`` of 64 consecutive intervals, ``inner`` ORs one bit per interval; ``outer``
    sums the bits. Exact (no hashing), and 3× faster than a distinct count on 10 M rows."""
    m = int(staffing_minutes)
    d = m * 60_000_000
    # the interval's number counted from 0001-01-01 (a whole number of days, so intervals keep their
    # boundaries): non-negative, so plain integer division floors it; earlier times take the general floor
    interval = (f"CASE WHEN answered_at >= TIMESTAMP '0001-01-01' THEN (epoch_us(answered_at) + {_YEAR_1_US}) // {d} "
                f"ELSE {_floor_div('epoch_us(answered_at)', d)} END")
    return ("is_answered AND agent_id IS NOT NULL", _floor_div(interval, 64),
            f"bit_or(1::UBIGINT << CAST((({interval}) % 64 + 64) % 64 AS UBIGINT))",
            f"{m * 60} * sum(bit_count(_mask))")


def csat_avg() -> Metric:
    """CSAT average = Σ csat ÷ number of csat answers (1–5) on the group's records (contacts or surveys;
    a survey that names its contact in ``related_id`` belongs to that contact's queue, channel, agent and time)."""
    return Metric("csat_avg", {"csat_sum": "sum(csat)", "csat_n": "count(csat)"}, _ratio("csat_sum", "csat_n"))


def nps() -> Metric:
    """NPS = 100 × (promoters (9–10) − detractors (0–6)) ÷ nps answers."""
    return Metric("nps", {"nps_promoters": "count_if(nps >= 9)", "nps_detractors": "count_if(nps <= 6)",
                          "nps_n": "count(nps)"}, "100 * " + _ratio("nps_promoters - nps_detractors", "nps_n"))


def ces_avg() -> Metric:
    """CES average = Σ ces ÷ number of ces answers (1–7, higher = easier), counted like CSAT."""
    return Metric("ces_avg", {"ces_sum": "sum(ces)", "ces_n": "count(ces)"}, _ratio("ces_sum", "ces_n"))


def qa_score() -> Metric:
    """QA score = Σ QA score ÷ contacts scored (0–100, ``earful.quality``: 100 × Σ weight of items passed ÷
    Σ weight of items that apply, 0 when an auto-fail item failed); contacts with no score are left out."""
    return Metric("qa_score", {"qa_sum": "sum(qa_score)", "qa_n": "count(qa_score)"}, _ratio("qa_sum", "qa_n"))


def predicted_csat() -> Metric:
    """Predicted CSAT = Σ predicted CSAT ÷ contacts with a prediction (``earful.surveys.predict``: every answered
    contact, rated or not)."""
    return Metric("predicted_csat", {"pcsat_sum": "sum(predicted_csat)", "pcsat_n": "count(predicted_csat)"},
                  _ratio("pcsat_sum", "pcsat_n"))


def peak_hour() -> Metric:
    """Peak hour = the hour of day (0–23) with the most offered contacts in the group (earliest on a tie).

    Computed by ``metrics_table`` from offered counted by group × hour of day; its parts are those counts."""
    return Metric("peak_hour", {"offered": "count_if(is_offered)"}, "peak_hour")
