"""The one-page executive briefing: HTML with inline SVG charts (no scripts, no CDN), PDF via WeasyPrint."""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path

import duckdb

from earful.errors import ConfigError, InputError
from earful.insights import Insight, find_insights, load_config
from earful.report._svg import bar_chart, line_chart, sparkline
from earful.report.service import service_section

_CSS = """
@page { size: A4; margin: 10mm; }
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: 8.3pt; color: #1d2430; margin: 0; }
h1 { font-size: 17pt; margin: 0 0 2px 0; } h2 { font-size: 10.5pt; margin: 7px 0 3px 0; color: #23408e; }
.sub { color: #5b6577; margin-bottom: 6px; }
.kpis { display: flex; gap: 8px; margin: 6px 0; }
.kpi { border: 1px solid #d6dbe4; border-radius: 4px; padding: 4px 8px; flex: 1; }
.kpi b { display: block; font-size: 13pt; }
.row { display: flex; gap: 12px; } .col { flex: 1; min-width: 0; }
.item { margin: 3px 0 6px 0; } .item .t { font-weight: bold; }
.q { color: #3d4656; font-style: italic; margin-left: 8px; font-size: 8.5pt; }
.dept { color: #7a5b00; font-size: 8pt; }
svg { display: block; }
"""


def _quote(i: Insight) -> str:
    q = (i.evidence.get("quotes") or [])[:1]
    return "".join(f'<div class="q">“{escape(x["text"][:140])}” <span class="dept">({escape(x["interaction_id"])})</span></div>'
                   for x in q)


def render_html(con: duckdb.DuckDBPyConnection, start: date, end: date, items: list[Insight],
                currency: str = "EUR") -> str:
    """The briefing's HTML for the period from its insights and `_ins_contacts`."""
    daily = con.execute("SELECT day, count(*) FROM _ins_contacts WHERE day BETWEEN ? AND ? GROUP BY 1 ORDER BY 1",
                        [start, end]).fetchall()
    total = sum(n for _, n in daily)
    if not total:
        raise InputError(f"no contacts between {start} and {end}")
    top = con.execute("SELECT reason, count(*) n FROM _ins_contacts WHERE day BETWEEN ? AND ? AND reason IS NOT NULL"
                      " GROUP BY 1 ORDER BY n DESC, reason LIMIT 8", [start, end]).fetchall()
    emerging = [i for i in items if i.kind == "emerging_issue"]
    drv = [i for i in items if i.kind == "driver"]
    voc = [i for i in items if i.kind not in ("emerging_issue", "driver")]
    cost = sum(i.metrics.get("handling_cost", 0) for i in drv)
    avoid = sum(i.metrics.get("avoidable_cost", 0) for i in drv)
    service_tiles, service_html = service_section(con, start, end)
    no_handle = dict(service_tiles).get("avg handle time") == "unknown"  # no handle time: no cost can be known
    kpis = [("contacts", f"{total:,}"), *service_tiles, ("emerging issues", str(len(emerging))),
            ("avoidable cost (top drivers)", "unknown (no handle times)" if no_handle else f"{currency} {avoid:,.0f}")]
    h = [f"<!doctype html><html><head><meta charset='utf-8'><title>Contact centre briefing {start:%B %Y}</title>",
         f"<style>{_CSS}</style></head><body>",
         f"<h1>What our customers told us — {start:%B %Y}</h1>",
         f"<div class='sub'>{start} to {end} · earful contact-centre briefing</div><div class='kpis'>",
         *[f"<div class='kpi'>{escape(k)}<b>{escape(v)}</b></div>" for k, v in kpis], "</div>",
         "<div class='row'><div class='col'><h2>Contacts per day</h2>",
         line_chart([str(d) for d, _ in daily], [n for _, n in daily], width=340, height=120, title="contacts per day"),
         "</div><div class='col'><h2>Top contact reasons</h2>",
         bar_chart([r for r, _ in top], [n for _, n in top], width=340, height=120, title="contacts by reason"),
         "</div></div>", service_html, "<h2>What is rising</h2>"]
    if not emerging:
        h.append("<div class='item'>Nothing rose beyond what each reason's own history predicts.</div>")
    for i in emerging[:4]:
        series = [p["count"] for p in i.evidence.get("series", [])]
        h.append(f"<div class='item'><div class='row'><div class='col'><span class='t'>{escape(i.title)}</span>"
                 f" <span class='dept'>→ {escape(i.suggested_department or '')}</span><br>{escape(i.summary)}"
                 + (f"<br><span class='dept'>key phrases: {escape(', '.join(i.evidence.get('key_phrases', [])[:6]))}</span>"
                    if i.evidence.get("key_phrases") else "") +
                 f"{_quote(i)}</div><div style='width:150px'>{sparkline(series, title=i.reason or '')}</div></div></div>")
    h.append("<h2>What it costs — fix this first</h2><div class='row'><div class='col'>")
    h.append(bar_chart([i.reason or "" for i in drv[:6]], [i.metrics.get("avoidable_cost", 0) for i in drv[:6]],
                       width=300, height=110, title=f"avoidable cost ({currency})", money=currency))
    h.append("</div><div class='col'>")
    for i in drv[:3]:
        h.append(f"<div class='item'><span class='t'>{escape(i.title)}</span><br>{escape(i.summary)}{_quote(i)}</div>")
    h.append("</div></div><h2>Voice of the customer</h2>")
    for i in voc[:4]:
        h.append(f"<div class='item'><span class='t'>{escape(i.title)}</span>"
                 f" <span class='dept'>→ {escape(i.suggested_department or '')}</span>{_quote(i)}</div>")
    h.append(f"<div class='sub'>Handling cost of the listed drivers: {currency} {cost:,.0f}. Quotes are redacted; "
             "numbers in brackets are interaction ids.</div></body></html>")
    return "\n".join(h)


def write_report(con: duckdb.DuckDBPyConnection, start: date, end: date, out: str | Path, *,
                 pdf: str | Path | None = None, config=None) -> list[Path]:
    """Find the period's insights (history before it is the baseline), write the HTML and optional PDF."""
    cfg = load_config(config) if not hasattr(config, "fdr") else config
    items = find_insights(con, start, end, cfg)
    html = render_html(con, start, end, items, cfg.currency)
    out = Path(out)
    try:
        out.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{out}: cannot write ({exc.strerror})") from None
    paths = [out]
    if pdf is not None:
        try:
            from weasyprint import HTML  # type: ignore[import-not-found]
        except (ImportError, OSError) as exc:
            raise ConfigError(f"PDF needs WeasyPrint and its system libraries (pip install weasyprint): {exc}") from None
        HTML(string=html, base_url=str(out.parent)).write_pdf(str(pdf))
        paths.append(Path(pdf))
    return paths
