"""Small charts drawn as inline SVG on the server: no script, no download, print-friendly."""

from __future__ import annotations

from html import escape
from math import isfinite

from markupsafe import Markup


def _clean(values) -> list[float | None]:
    out = []
    for v in values or []:
        try:
            f = float(v)
            out.append(f if isfinite(f) else None)
        except (TypeError, ValueError):
            out.append(None)
    return out


def sparkline(values, width: int = 120, height: int = 28, label: str = "") -> Markup:
    """A trend line with its last point marked."""
    vals = _clean(values)
    pts = [(i, v) for i, v in enumerate(vals) if v is not None]
    if len(pts) < 2:
        return Markup(f'<svg class="spark" width="{width}" height="{height}" role="img" aria-label="no trend"></svg>')
    lo, hi = min(v for _, v in pts), max(v for _, v in pts)
    span = (hi - lo) or 1.0
    n = max(len(vals) - 1, 1)
    xy = [(2 + (width - 4) * i / n, height - 3 - (height - 6) * (v - lo) / span) for i, v in pts]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    lx, ly = xy[-1]
    return Markup(
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label or "trend")}"><polyline fill="none" stroke="currentColor" stroke-width="1.5" '
        f'points="{path}"/><circle cx="{lx:.1f}" cy="{ly:.1f}" r="2.2" fill="currentColor"/></svg>')


def line_chart(labels, series: dict, width: int = 720, height: int = 220, fmt: str = "{:,.0f}") -> Markup:
    """Lines sharing one x axis; ``series`` maps a name to values aligned with ``labels``."""
    labels = list(labels or [])
    clean = {k: _clean(v) for k, v in series.items()}
    allv = [v for vs in clean.values() for v in vs if v is not None]
    if not labels or not allv:
        return Markup('<p class="muted">No data for this chart.</p>')
    lo, hi = min(0.0, min(allv)), max(allv)
    span = (hi - lo) or 1.0
    left, right, top, bottom = 56, 10, 10, 28
    w, h = width - left - right, height - top - bottom
    n = max(len(labels) - 1, 1)
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="chart">']
    for frac in (0, 0.5, 1):
        y = top + h - h * frac
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="axis">'
                     f'{escape(fmt.format(lo + span * frac))}</text>')
    step = max(1, len(labels) // 6)
    for i in range(0, len(labels), step):
        x = left + w * i / n
        parts.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" class="axis">'
                     f'{escape(str(labels[i])[:16])}</text>')
    for k, (name, vals) in enumerate(clean.items()):
        pts = " ".join(f"{left + w * i / n:.1f},{top + h - h * (v - lo) / span:.1f}"
                       for i, v in enumerate(vals) if v is not None)
        parts.append(f'<polyline class="s{k % 4}" fill="none" stroke-width="2" points="{pts}"><title>{escape(name)}'
                     f'</title></polyline>')
    parts.append("</svg>")
    legend = "".join(f'<span class="legend s{k % 4}">{escape(name)}</span>' for k, name in enumerate(clean))
    return Markup("".join(parts) + (f'<div class="legends">{legend}</div>' if len(clean) > 1 else ""))


def bars(labels, values, width: int = 720, fmt: str = "{:,.0f}") -> Markup:
    """Horizontal bars, one per label, longest first as given."""
    vals = _clean(values)
    labels = list(labels or [])
    if not labels:
        return Markup('<p class="muted">No data for this chart.</p>')
    top = max((v for v in vals if v is not None), default=0) or 1.0
    row, lab = 22, 200
    height = row * len(labels) + 4
    parts = [f'<svg class="chart bars" viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="bar chart">']
    for i, (name, v) in enumerate(zip(labels, vals)):
        y = 2 + i * row
        bw = (width - lab - 80) * (v or 0) / top
        parts.append(f'<text x="{lab - 6}" y="{y + 15}" text-anchor="end" class="axis">{escape(str(name)[:30])}</text>'
                     f'<rect x="{lab}" y="{y + 3}" width="{bw:.1f}" height="{row - 7}" class="bar"/>'
                     f'<text x="{lab + bw + 6:.1f}" y="{y + 15}" class="axis">'
                     f'{escape(fmt.format(v) if v is not None else "—")}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
