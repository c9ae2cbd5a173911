"""The monthly briefing that speaks for the centre: HTML with inline SVG charts (no scripts, no CDN),
PDF via WeasyPrint, and the same page served to executives by the dashboard.

It reads only what the store holds: service figures per channel against target and the month
before, what was found (the month's insights in plain words, routed as the ledger has them), what it
is worth (the ledger's reconciliation, counted once), and what departments did with the previous
month's insights. Quotes are redacted and carry no customer identifier.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

import duckdb

from earful.errors import ConfigError, InputError
from earful.insights import Insight, find_insights, load_config, month_insights, wording
from earful.insights.identity import month_end, month_start
from earful.report._svg import bar_chart, line_chart, sparkline
from earful.report.service import service_section

_CSS = """
@page { size: A4; margin: 10mm; }
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: 8.3pt; color: #1d2430; margin: 0 auto;
       max-width: 190mm; }
h1 { font-size: 17pt; margin: 0 0 2px 0; } h2 { font-size: 10.5pt; margin: 9px 0 3px 0; color: #23408e; }
.sub { color: #5b6577; margin-bottom: 6px; }
.kpis { display: flex; gap: 8px; margin: 6px 0; }
.kpi { border: 1px solid #d6dbe4; border-radius: 4px; padding: 4px 8px; flex: 1; }
.kpi b { display: block; font-size: 13pt; } .kpi small { color: #5b6577; }
.row { display: flex; gap: 12px; } .col { flex: 1; min-width: 0; }
.item { margin: 3px 0 6px 0; } .item .t { font-weight: bold; }
.q { color: #3d4656; font-style: italic; margin-left: 8px; font-size: 8.5pt; }
.dept { color: #7a5b00; font-size: 8pt; }
table { border-collapse: collapse; width: 100%; margin: 2px 0 4px 0; }
th, td { border-bottom: 1px solid #e4e7ec; padding: 2px 4px; text-align: left; }
td.n, th.n { text-align: right; } tr.total td { font-weight: bold; border-top: 1.5px solid #1d2430; }
.good { color: #1e7a4f; } .bad { color: #b3261e; }
a { color: inherit; }
svg { display: block; }
"""


def _money(amount: Decimal | None, currency: str | None, figure: str) -> str:
    """A money figure, marked with what it is and its exact amount (the ledger's)."""
    if amount is None:
        return "—"
    return (f'<span class="money" data-figure="{escape(figure)}" data-amount="{amount}">'
            f"{escape(wording.money(amount, currency))}</span>")


def _routes(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for iid, dept, st in con.execute("SELECT insight_id, department, state FROM ledger_routes WHERE insight_id IN "
                                     "(SELECT unnest(?)) ORDER BY department", [ids]).fetchall():
        out.setdefault(iid, []).append((dept, st))
    return out


def _quote(i: Insight) -> str:
    q = (i.evidence.get("quotes") or [])[:1]
    return "".join(f'<div class="q">“{escape(x["text"][:160])}”</div>' for x in q if isinstance(x, dict))


def render_html(con: duckdb.DuckDBPyConnection, month: date, *, links: bool = False) -> str:
    """The briefing of the calendar month holding ``month``, from the store alone (read-only)."""
    from earful.ledger.value import credits, reconcile
    from earful.metrics import metrics_table

    first, last = month_start(month), month_end(month)
    daily = [(r["day"], r["offered"]) for r in metrics_table(con, by=("day",), start=first, end=last).to_pylist()
             if r.get("offered")]
    total = sum(n for _, n in daily)
    if not total:
        raise InputError(f"no contacts between {first} and {last}")
    top = _top_reasons(con, first, last)
    items = month_insights(con, first)
    routes = _routes(con, [i.id for i in items])
    value = {c.insight_id: c for c in credits(con, start=first, end=last)}
    rec = reconcile(con, start=first, end=last)
    prev = month_start(first - timedelta(days=1))
    before = reconcile(con, start=prev, end=first - timedelta(days=1))
    tot = rec["totals"][0] if rec["totals"] else {"estimated": Decimal(0), "confirmed": Decimal(0),
                                                  "dismissed_value": Decimal(0), "currency": None, "insights": 0}
    cur = tot["currency"]
    _tiles, service_html = service_section(con, first, last)  # each channel against its own target

    def title(i: Insight) -> str:
        t = escape(i.title)
        return f'<a href="/insights/{escape(i.id)}">{t}</a>' if links else t

    def who(i: Insight) -> str:
        rs = routes.get(i.id)
        if not rs:
            return "<span class='dept'>not routed yet</span>"
        return "<span class='dept'>→ " + ", ".join(f"{escape(d)} ({escape(s.replace('_', ' '))})" for d, s in rs) + "</span>"

    def worth(i: Insight) -> str:
        c = value.get(i.id)
        if c is None or c.insight_estimate is None:
            return ""
        return (f" · worth {_money(c.insight_estimate, c.currency, 'insight:' + i.id)}"
                f" <small>({escape(c.basis or 'per period')})</small>")

    emerging = [i for i in items if i.kind == "emerging_issue"]
    drv = [i for i in items if i.kind == "driver"]
    voc = [i for i in items if i.kind not in ("emerging_issue", "driver")]
    h = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Contact centre briefing {first:%B %Y}</title>",
         f"<style>{_CSS}</style></head><body>",
         f"<h1>What our customers told us — {first:%B %Y}</h1>",
         f"<div class='sub'>{escape(wording.span(daily[0][0], daily[-1][0]))} · the contact centre's briefing · "
         f"money as the ledger has it</div><div class='kpis'>",
         f"<div class='kpi'>contacts<b>{total:,}</b></div>",
         f"<div class='kpi'>insights found<b>{len(items):,}</b></div>",
         (f"<div class='kpi'>estimated value<b>{_money(tot['estimated'], cur, 'estimated')}</b>"
          f"<small>counted once</small></div>" if any(c.insight_estimate is not None for c in value.values()) else
          "<div class='kpi'>estimated value<b>—</b><small>not estimated yet: earful ledger estimate</small></div>"),
         f"<div class='kpi'>confirmed by departments<b>{_money(tot['confirmed'], cur, 'confirmed')}</b></div>",
         "</div><h2>How we served customers</h2>"]
    h.append(service_html.replace("<h2>Service against target</h2>", "", 1))
    h += ["<div class='row'><div class='col'><h2>Contacts per day</h2>",
          line_chart([str(d) for d, _ in daily], [n for _, n in daily], width=340, height=110, title="contacts per day"),
          "</div><div class='col'><h2>Top contact reasons</h2>",
          bar_chart([wording.label(r) for r, _ in top], [n for _, n in top], width=340, height=110,
                    title="contacts by reason"),
          "</div></div><h2>What is rising</h2>"]
    if not emerging:
        h.append("<div class='item'>Nothing rose beyond what each reason's own history predicts.</div>")
    for i in emerging[:4]:
        series = [p["count"] for p in i.evidence.get("series", []) if isinstance(p, dict)]
        h.append(f"<div class='item'><div class='row'><div class='col'><span class='t'>{title(i)}</span> {who(i)}"
                 f"{worth(i)}<br>{escape(i.summary)}{_quote(i)}</div>"
                 f"<div style='width:150px'>{sparkline(series, title=i.subject)}</div></div></div>")
    h.append("<h2>What costs most — fix this first</h2>")
    for i in drv[:3]:
        h.append(f"<div class='item'><span class='t'>{title(i)}</span> {who(i)}{worth(i)}<br>"
                 f"{escape(i.summary)}{_quote(i)}</div>")
    if len(drv) > 3:
        h.append(f"<div class='sub'>{len(drv) - 3} more cost drivers in the dashboard's inbox.</div>")
    h.append("<h2>In customers' own words</h2>")
    for i in voc[:4]:
        h.append(f"<div class='item'><span class='t'>{title(i)}</span> {who(i)}{worth(i)}{_quote(i)}</div>")
    h.append("<h2>What it is worth</h2>")
    h.append(_ledger_table(rec, show_money=True))
    h.append(f"<div class='sub'>Each insight's estimated value is counted once; departments that share an insight "
             f"share its value ({escape(_split_words(rec))}). Formulas and parameters: the ledger's value model.</div>")
    h.append(f"<h2>What departments did with {prev:%B}'s insights</h2>")
    if before["rows"]:
        h.append(_ledger_table(before, show_money=False))
    else:
        h.append(f"<div class='item'>The ledger holds no insights from {prev:%B %Y}.</div>")
    h.append("<div class='sub'>Quotes are redacted: names, numbers and addresses read [NAME], [CARD] and the like.</div>"
             "</body></html>")
    return "\n".join(h)


def _split_words(rec: dict[str, Any]) -> str:
    if rec["split"] == "first":
        return "the department routed first takes it all"
    if rec["split"] == "weights":
        return "by the director's weights: " + ", ".join(f"{d} {w}" for d, w in sorted(rec["weights"].items()))
    return "equal shares"


def _ledger_table(rec: dict[str, Any], *, show_money: bool) -> str:
    """The reconciliation (per department and a total row), as the ledger computes it."""
    head = ("<table><thead><tr><th>department</th><th class='n'>insights</th><th class='n'>acknowledged</th>"
            "<th class='n'>actioned</th><th class='n'>value confirmed</th><th class='n'>dismissed</th>"
            + ("<th class='n'>estimated</th><th class='n'>of which dismissed</th>" if show_money else "")
            + "<th class='n'>confirmed</th></tr></thead><tbody>")
    out = [head]
    for r in [*rec["rows"], *({**t, "total": True} for t in rec["totals"])]:
        name = "Total" if r.get("total") else (r["department"] or "not routed yet")
        key = "total" if r.get("total") else f"department:{r['department'] or ''}"
        cur = r["currency"]
        cells = [r["insights"], r["acknowledged"], r["actioned"], r["value_confirmed"], r["dismissed"]]
        money_cells = ([_money(r["estimated"], cur, f"estimated:{key}"), _money(r["dismissed_value"], cur, f"dismissed:{key}")]
                       if show_money else [])
        out.append(f"<tr class='{'total' if r.get('total') else ''}'><td>{escape(name)}</td>"
                   + "".join(f"<td class='n'>{c:,}</td>" for c in cells)
                   + "".join(f"<td class='n'>{m}</td>" for m in money_cells)
                   + f"<td class='n'>{_money(r['confirmed'], cur, f'confirmed:{key}')}</td></tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _top_reasons(con: duckdb.DuckDBPyConnection, first: date, last: date, k: int = 8) -> list[tuple[str, int]]:
    from earful.store.schema import has_column, has_table

    reason, join = "i.disposition", ""
    if has_table(con, "enrichment") and has_column(con, "enrichment", "reason"):
        reason, join = "coalesce(e.reason, i.disposition)", "LEFT JOIN enrichment e ON e.interaction_id = i.id"
    return con.execute(
        f"SELECT {reason} AS r, count(*) n FROM interactions i {join} WHERE i.channel <> 'survey' "
        f"AND CAST(coalesce(i.offered_at, i.answered_at, i.ended_at) AS DATE) BETWEEN ? AND ? AND {reason} IS NOT NULL "
        f"GROUP BY 1 ORDER BY n DESC, r LIMIT {int(k)}", [first, last]).fetchall()


def write_report(con: duckdb.DuckDBPyConnection, start: date, end: date, out: str | Path, *,
                 pdf: str | Path | None = None, config=None) -> list[Path]:
    """Bring the month's insights up to date (history before it is the baseline; re-estimated with
    the ledger's value model), then write the briefing of the month holding ``start`` as HTML and
    optionally PDF."""
    cfg = load_config(config) if not hasattr(config, "fdr") else config
    find_insights(con, start, end, cfg)
    html = render_html(con, start)
    out = Path(out)
    extra = _assessment_beside(con, out, pdf)
    if extra:
        html = html.replace("</body></html>", extra[0] + "</body></html>")
    try:
        out.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{out}: cannot write ({exc.strerror})") from None
    paths = [out]
    if pdf is not None:
        paths.append(write_pdf(html, pdf, base=out.parent))
    return paths + (extra[1] if extra else [])


def pdf_bytes(html: str, *, base: Path | None = None) -> bytes:
    """The briefing's HTML as PDF bytes (WeasyPrint)."""
    try:
        from weasyprint import HTML  # type: ignore[import-not-found]
    except (ImportError, OSError) as exc:
        raise ConfigError(f"PDF needs WeasyPrint and its system libraries (pip install weasyprint): {exc}") from None
    return HTML(string=html, base_url=str(base or Path.cwd())).write_pdf()


def write_pdf(html: str, pdf: str | Path, *, base: Path | None = None) -> Path:
    """The briefing's HTML as a PDF file."""
    data = pdf_bytes(html, base=base)
    try:
        Path(pdf).write_bytes(data)
    except OSError as exc:
        raise InputError(f"{pdf}: cannot write ({exc.strerror})") from None
    return Path(pdf)


def _assessment_beside(con: duckdb.DuckDBPyConnection, out: Path, pdf: str | Path | None) -> tuple[str, list[Path]] | None:
    """When a strategic assessment is saved: write its two pages beside the briefing and return the
    briefing's line linking to them (and the files written)."""
    from earful.assess import changes, previous, snapshot, snapshots
    from earful.report.assessment import write_assessment
    from earful.store.schema import has_table

    rows = snapshots(con) if has_table(con, "assessments") else []
    if not rows:
        return None
    sid = rows[-1]["id"]
    result = snapshot(con, sid)
    before = previous(con, sid)
    moved = changes(before, result) if before else None
    html_out = out.with_name(f"{out.stem}-assessment.html")
    pdf_out = Path(pdf).with_name(f"{Path(pdf).stem}-assessment.pdf") if pdf is not None else None
    write_assessment(result, html_out, pdf=pdf_out, moved=moved, snapshot_id=sid)
    target = pdf_out or html_out
    levels = " · ".join(f"{escape(d['title'].split(' (')[0])} {d['level']:.1f}" for d in result["dimensions"]
                        if d["level"] is not None)
    line = (f"<div class='sub'>Strategic assessment of {result['period_start']} to {result['period_end']} (levels 1-5): "
            f"{levels}. <a href='{escape(target.name)}'>The two-page assessment</a>.</div>")
    return line, [html_out] + ([pdf_out] if pdf_out else [])
