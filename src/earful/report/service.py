"""The briefing's service section: each channel against its own target, the previous equal period,
red/amber/green, and figures the data cannot support shown as unknown with the reason."""

from __future__ import annotations

from datetime import date
from html import escape

import duckdb

from earful.metrics.service import service_summary

_RAG = {"green": "#217a50", "amber": "#9a5b00", "red": "#b42318"}


def _pct(v) -> str:
    return "unknown" if v is None else f"{v * 100:.1f} %"


def _secs(v) -> str:
    if v is None:
        return "unknown"
    return f"{v:.0f} s" if v < 120 else f"{v / 60:.1f} min" if v < 7200 else f"{v / 3600:.1f} h"


def _delta_pts(d) -> str:
    return "" if d is None else f"{'+' if d >= 0 else '−'}{abs(d) * 100:.1f} pts"


def service_kpis(summary: dict) -> list[tuple[str, str]]:
    """The headline tiles the briefing shows about service: (label, value), unknown said as such."""
    t = summary.get("total_row") or {}
    framed = summary.get("totals") or {}
    aht = framed.get("aht_s", {})
    handled = (t["aht_s"] * t["handles_known"] / 3600) if t.get("aht_s") is not None else None
    sl = framed.get("service_level", {})
    return [
        ("service level (own targets)", _pct(sl.get("value")) + (f" vs {_pct(sl['target'])}" if sl.get("target") else "")),
        ("handled hours", f"{handled:,.0f}" if handled is not None else "unknown"),
        ("avg handle time", _secs(aht.get("value")) if aht.get("value") is not None else "unknown"),
        ("CSAT", f"{t['csat_avg']:.2f}" if t.get("csat_avg") is not None else "unknown"),
    ]


def service_section(con: duckdb.DuckDBPyConnection, start: date, end: date) -> tuple[list[tuple[str, str]], str]:
    """(headline tiles, HTML of the "Service against target" section) for the period."""
    s = service_summary(con, start, end)
    if not s.get("start"):
        return [], ""
    rows = []
    for c in s["channels"]:
        sl, asa, ab, aht = c["service_level"], c["asa_s"], c["abandon_rate"], c["aht_s"]
        colour = _RAG.get(sl.get("rag") or "", "#1d2430")
        rows.append(
            f"<tr><td>{escape(c['channel'])}</td><td>{escape(c['standard'])}</td>"
            f"<td style='text-align:right'>{c['offered']['value'] or 0:,}</td>"
            f"<td style='text-align:right;color:{colour};font-weight:bold'>{_pct(sl['value'])}</td>"
            f"<td style='text-align:right'>{_delta_pts(sl['delta'])}</td>"
            f"<td style='text-align:right'>{_secs(asa['value'])}</td>"
            f"<td style='text-align:right'>{_pct(ab['value'])}</td>"
            f"<td style='text-align:right'>{_secs(aht['value'])}</td></tr>")
    gaps = []
    for c in s["channels"]:
        for name, label in (("service_level", "service level"), ("asa_s", "ASA"), ("aht_s", "AHT")):
            if c[name].get("unknown"):
                gaps.append(f"{c['channel']} {label}: {c[name]['unknown']}")
    blended = s["totals"]["service_level"]
    compare = (f"change against {s['previous']['start']} to {s['previous']['end']}" if s.get("previous")
               else escape(s.get("previous_note") or "no previous period"))
    html = ("<h2>Service against target</h2>"
            "<table style='width:100%;border-collapse:collapse;font-size:8pt'><tr>"
            "<th align='left'>channel</th><th align='left'>standard</th><th>offered</th><th>service level</th>"
            "<th>change</th><th>ASA</th><th>abandoned</th><th>AHT</th></tr>" + "".join(rows) + "</table>"
            f"<div class='sub'>All channels: {_pct(blended.get('value'))} of contacts answered within their own "
            f"channel's threshold (target {_pct(blended.get('target'))}, the same weighting of the channels' targets); "
            f"{compare}. " + escape(" ".join(s["conventions"]))
            + ("".join(f"<br>Unknown — {escape(g)}." for g in gaps)) + "</div>")
    return service_kpis(s), html
