"""Tiny inline-SVG charts (line, bars, sparkline): no scripts, render in browsers and WeasyPrint."""

from __future__ import annotations

from html import escape

_BLUE, _GREY, _RED = "#23408e", "#b8c0cc", "#c0392b"


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 10 else f"{v:.1f}"


def line_chart(labels: list[str], values: list[float], *, width: int = 340, height: int = 120,
               title: str = "") -> str:
    """A line of values over labelled x positions with min/max annotation."""
    if not values:
        return f'<svg class="chart line" width="{width}" height="{height}"></svg>'
    pad_l, pad_b, pad_t = 34, 16, 6
    w, h = width - pad_l - 4, height - pad_b - pad_t
    hi = max(max(values), 1)
    n = len(values)
    xs = [pad_l + (w * k / max(n - 1, 1)) for k in range(n)]
    ys = [pad_t + h - h * v / hi for v in values]
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))
    ticks = "".join(f'<text x="{xs[k]:.1f}" y="{height - 3}" font-size="7" text-anchor="middle" fill="#5b6577">'
                    f'{escape(labels[k][-5:])}</text>' for k in range(0, n, max(1, n // 6)))
    return (f'<svg class="chart line" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
            f'<line x1="{pad_l}" y1="{pad_t + h}" x2="{width - 4}" y2="{pad_t + h}" stroke="{_GREY}"/>'
            f'<text x="{pad_l - 3}" y="{pad_t + 6}" font-size="7" text-anchor="end" fill="#5b6577">{_fmt(hi)}</text>'
            f'<text x="{pad_l - 3}" y="{pad_t + h}" font-size="7" text-anchor="end" fill="#5b6577">0</text>'
            f'<polyline points="{pts}" fill="none" stroke="{_BLUE}" stroke-width="1.5"/>{ticks}</svg>')


def bar_chart(labels: list[str], values: list[float], *, width: int = 340, height: int = 120,
              title: str = "", money: str | None = None, top: float | None = None) -> str:
    """Horizontal bars, one per label, values written at the bar's end; ``top``: the value a full
    bar stands for (default: the largest value)."""
    n = max(len(values), 1)
    bh = (height - 4) / n
    hi = top or max(values or [1]) or 1
    lab_w = width * 0.45
    out = [f'<svg class="chart bars" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for k, (lab, v) in enumerate(zip(labels, values)):
        y = 2 + k * bh
        bw = (width - lab_w - 50) * v / hi
        short = lab if len(lab) <= 30 else lab[:29] + "…"
        out.append(f'<text x="{lab_w - 4:.1f}" y="{y + bh * 0.7:.1f}" font-size="7.5" text-anchor="end">{escape(short)}</text>'
                   f'<rect x="{lab_w:.1f}" y="{y + 1:.1f}" width="{bw:.1f}" height="{bh - 2:.1f}" fill="{_BLUE}"/>'
                   f'<text x="{lab_w + bw + 3:.1f}" y="{y + bh * 0.7:.1f}" font-size="7">'
                   f'{escape((money + " ") if money else "")}{_fmt(v)}</text>')
    out.append("</svg>")
    return "".join(out)


def sparkline(values: list[float], *, width: int = 150, height: int = 34, title: str = "") -> str:
    """A small trend line; the last third is drawn red so the recent rise shows."""
    if not values:
        return ""
    hi = max(max(values), 1)
    n = len(values)
    pts = [(2 + (width - 4) * k / max(n - 1, 1), height - 2 - (height - 4) * v / hi) for k, v in enumerate(values)]
    s = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    return (f'<svg class="chart spark" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)} per day</title>'
            f'<polyline points="{s}" fill="none" stroke="{_RED}" stroke-width="1.2"/></svg>')
