"""The strategic assessment as a two-page document for the executive team: HTML with inline SVG
(no scripts), PDF via WeasyPrint. Page one: the levels, the plan and what moved; page two: every
practice with its level, basis and reason."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from earful.errors import ConfigError, InputError
from earful.report import _CSS as _BRIEFING_CSS
from earful.report._svg import bar_chart

# The briefing's page, type and card styles, with this document's own additions after them.
_CSS = _BRIEFING_CSS + """
.kpi { padding: 4px 6px; font-size: 7.4pt; }
ol { margin: 2px 0 0 14px; padding: 0; } li { margin: 0 0 4px 0; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 7.3pt; background: #eef1f6; padding: 0 2px; }
table { border-collapse: collapse; width: 100%; font-size: 7.2pt; }
th, td { text-align: left; vertical-align: top; padding: 1.6px 3px; border-bottom: 1px solid #e4e7ec; }
th { color: #5b6577; } td.n { text-align: right; }
.second { break-before: page; }
.self { color: #9a5b00; } .open { color: #667085; }
"""


def _lvl(v: float | None) -> str:
    return "–" if v is None else f"{v:.1f}"


def render_assessment_html(result: dict[str, Any], moved: dict[str, Any] | None = None, snapshot_id: int | None = None) -> str:
    """The two pages' HTML from an assessment's ``to_dict`` (a saved snapshot's result)."""
    dims = result["dimensions"]
    title = f"Strategic assessment — {result['period_start']} to {result['period_end']}"
    h = [f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title><style>{_CSS}</style>"
         "</head><body>", f"<h1>Where the contact centre stands</h1><div class='sub'>{escape(title)} · "
         f"{escape(result['model']['name'])} v{escape(str(result['model']['version']))}"
         + (f" · snapshot #{snapshot_id}" if snapshot_id else "") + " · levels 1 (ad hoc) to 5 (best practice)</div>",
         "<div class='kpis'>", f"<div class='kpi'>Overall<b>{_lvl(result['overall'])}</b></div>"]
    for d in dims:
        h.append(f"<div class='kpi'>{escape(d['title'])}<b>{_lvl(d['level'])}</b>{d['measured']} measured, "
                 f"{d['self_reported']} self-reported</div>")
    h.append("</div><h2>Level per dimension</h2>")
    h.append(bar_chart([d["title"] for d in dims], [d["level"] or 0 for d in dims], width=520, height=90,
                       title="maturity level per dimension", top=5))
    h.append("<h2>What to do next</h2><ol>")
    for r in result["recommendations"]:
        worth = r.get("worth") or {}
        money = f"; {worth['currency']} {worth['amount']:,.0f} at stake" if worth.get("amount") else ""
        h.append(f"<li><b>{escape(r['title'])}</b> (level {r['level']}{escape(money)}): {escape(r['text'])} "
                 f"First step: <code>{escape(r['command'])}</code></li>")
    h.append("</ol>")
    if moved and moved.get("comparable") and (moved["practices"] or moved["dimensions"]):
        h.append(f"<h2>What moved since {escape(str(moved['since']))}</h2><ul>")
        h += [f"<li>{escape(d['title'])}: {_lvl(d['before'])} → {_lvl(d['after'])}</li>" for d in moved["dimensions"]]
        h += [f"<li>{escape(p['title'])}: {p['before'] if p['before'] is not None else '–'} → "
              f"{p['after'] if p['after'] is not None else '–'} ({escape(p['why'])})</li>" for p in moved["practices"][:8]]
        h.append("</ul>")
    if result["questions"]:
        h.append(f"<div class='sub'>{len(result['questions'])} practice(s) still unanswered: "
                 + escape(", ".join(q["title"] for q in result["questions"])) + ".</div>")
    h.append("<div class='second'><h2>Every practice, its level and why</h2><table><thead><tr><th>practice</th>"
             "<th class='n'>level</th><th>basis</th><th>why</th></tr></thead><tbody>")
    by_dim = {d["key"]: d["title"] for d in dims}
    last = None
    for p in result["practices"]:
        if p["dimension"] != last:
            last = p["dimension"]
            h.append(f"<tr><th colspan='4'>{escape(by_dim.get(last, last))}</th></tr>")
        cls = {"self-reported": "self", "unanswered": "open"}.get(p["basis"], "")
        bench = p.get("benchmark")
        why = p["reason"] + (f" · benchmark: {bench['label']} {bench['figure']:.0%} ({bench['source']})" if bench else "")
        h.append(f"<tr><td>{escape(p['title'])}</td><td class='n'>{p['level'] if p['level'] is not None else '–'}</td>"
                 f"<td class='{cls}'>{escape(p['basis'])}</td><td>{escape(why)}</td></tr>")
    h.append("</tbody></table><div class='sub'>Measured levels come from the store with the command shown in "
             "<code>earful assess</code>; self-reported levels are the director's answers. Model, rules and sources: "
             "docs/assess.md.</div></div></body></html>")
    return "\n".join(h)


def write_assessment(result: dict[str, Any], out: str | Path, *, pdf: str | Path | None = None,
                     moved: dict[str, Any] | None = None, snapshot_id: int | None = None) -> int | None:
    """Write the HTML (and the PDF when asked); returns the PDF's page count (None without a PDF)."""
    html = render_assessment_html(result, moved, snapshot_id)
    out = Path(out)
    try:
        out.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{out}: cannot write ({exc.strerror})") from None
    if pdf is None:
        return None
    try:
        from weasyprint import HTML  # type: ignore[import-not-found]
    except (ImportError, OSError) as exc:
        raise ConfigError(f"PDF needs WeasyPrint and its system libraries (pip install weasyprint): {exc}") from None
    doc = HTML(string=html, base_url=str(out.parent)).render()
    doc.write_pdf(str(pdf))
    return len(doc.pages)
