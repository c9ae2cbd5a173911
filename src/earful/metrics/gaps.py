"""Honest gaps: why a figure is unknown, and the conventions a rate was computed with.

``metrics_table`` leaves a figure empty (NULL) when its inputs are missing, never a number
derived from a default: no queue time gives no ASA and no service level, no handle time no AHT,
no staffed time no occupancy. ``unknown_reasons`` says why for each empty figure of a row, in
words a director can read out; ``caveats`` names figures that are known but stand on part of
the contacts; ``conventions`` says how the service level and the abandon rate were counted.
Every page, the CLI, the API and the briefing show these beside the figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from earful.metrics.definitions import ServiceDefinitions, format_duration

NO_QUEUE_TIME = "no queue time: the data records neither a wait nor when each contact was answered"
NO_HANDLE_TIME = "no handle time: the data records no talk or handling time"
NO_STAFFED_TIME = "no staffed time: no agent on the answered contacts and no staffing table"

#: How each abandon treatment counts, for the service level and the abandon rate (S, T: the contact's own).
TREATMENT_WORDS = {
    "all": ("answered within T ÷ offered", "abandoned ÷ offered"),
    "exclude_short": ("answered within T ÷ (offered − short abandons)",
                      "(abandoned − short abandons) ÷ (offered − short abandons)"),
    "exclude_within_threshold": ("answered within T ÷ (offered − abandons within T)",
                                 "(abandoned − abandons within T) ÷ (offered − abandons within T)"),
    "answered_only": ("answered within T ÷ answered", "abandoned ÷ offered (abandons count here)"),
}


def _n(row: Mapping[str, Any], key: str) -> float:
    v = row.get(key)
    return float(v) if v is not None else 0.0


def unknown_reasons(row: Mapping[str, Any]) -> dict[str, str]:
    """For each figure of a ``metrics_table`` row that is empty, the reason in plain words."""
    out: dict[str, str] = {}
    offered, answered = _n(row, "offered"), _n(row, "answered")
    none_offered = "no contacts offered" if not offered else None
    none_answered = none_offered or ("no contact was answered" if not answered else None)
    if row.get("service_level") is None and "service_level" in row:
        out["service_level"] = (none_offered or (NO_QUEUE_TIME if answered and not _n(row, "waits_known") else
                                "the abandon treatment leaves every offered contact out"))
    if row.get("asa_s") is None and "asa_s" in row:
        out["asa_s"] = none_answered or NO_QUEUE_TIME
    if row.get("aht_s") is None and "aht_s" in row:
        out["aht_s"] = none_answered or NO_HANDLE_TIME
    if row.get("abandon_rate") is None and "abandon_rate" in row:
        out["abandon_rate"] = none_offered or "every offered contact is left out by the abandon treatment"
    if row.get("transfer_rate") is None and "transfer_rate" in row:
        out["transfer_rate"] = none_answered or "the data does not say which contacts were transferred"
    if row.get("fcr_rate") is None and "fcr_rate" in row:
        out["fcr_rate"] = none_answered or "no answered contact carries a customer id (or FCR was not asked for)"
    if row.get("occupancy") is None and "occupancy" in row:
        out["occupancy"] = none_answered or (NO_STAFFED_TIME if not _n(row, "staffed_s") else NO_HANDLE_TIME)
    if row.get("csat_avg") is None and "csat_avg" in row:
        out["csat_avg"] = "no survey answers"
    if row.get("nps") is None and "nps" in row:
        out["nps"] = "no NPS answers"
    if row.get("peak_hour") is None and "peak_hour" in row:
        out["peak_hour"] = "no contacts offered"
    return out


def caveats(row: Mapping[str, Any]) -> dict[str, str]:
    """Figures that are known but rest on part of the contacts (e.g. some calls lack a queue time)."""
    out: dict[str, str] = {}
    answered = _n(row, "answered")
    missing_wait = answered - _n(row, "waits_known")
    if answered and 0 < missing_wait < answered and "waits_known" in row:
        note = f"{missing_wait:,.0f} of {answered:,.0f} answered contacts have no queue time and are left out"
        out["asa_s"] = note
        out["service_level"] = note
    missing_handle = answered - _n(row, "handles_known")
    if answered and 0 < missing_handle < answered and "handles_known" in row:
        out["aht_s"] = f"{missing_handle:,.0f} of {answered:,.0f} answered contacts have no handle time and are left out"
    return out


def conventions(defs: ServiceDefinitions, *, sl_threshold_s: float | None = None,
                abandon_treatment: str | None = None, short_abandon_s: float | None = None,
                channels: list[str] | None = None) -> list[str]:
    """How the service level and the abandon rate were counted, one line each (for table notes)."""
    from earful.metrics.definitions import SERVICE_CHANNELS

    chans = channels or list(SERVICE_CHANNELS)
    ds = [defs.for_channel(ch) for ch in chans]
    if sl_threshold_s is not None:
        standard = f"answered within {format_duration(sl_threshold_s)} (the same T for every channel)"
    else:
        parts = [f"{d.channel} {format_duration(d.threshold_s)}" + (" of business hours" if d.business_clock else "")
                 for d in ds]
        standard = "each contact against its own channel's threshold T (" + ", ".join(parts) + ")"
        if defs.queues:
            standard += "; queues with their own: " + ", ".join(defs.queues)
    treatments = {abandon_treatment} if abandon_treatment else {d.abandon_treatment for d in ds}
    shorts = {short_abandon_s} if short_abandon_s is not None else {d.short_abandon_s for d in ds}
    lines = [f"Service level: {standard}."]
    for t in sorted(treatments):
        sl_words, ab_words = TREATMENT_WORDS[t]
        short = (f", short = wait under {format_duration(next(iter(shorts)))}"
                 if t == "exclude_short" and len(shorts) == 1 else "")
        lines.append(f"Abandon treatment {t}: service level = {sl_words}; abandon rate = {ab_words}{short}.")
    return lines
