"""Chart options for the dashboard, drawn in the browser by the bundled Apache ECharts.

Each function returns plain data: ``{"kind", "label", "option", "table"}``. ``option`` is an
ECharts option (JSON only, no functions); its ``earful`` key tells ``static/earful.js`` how to
format values (``unit``: ``num``, ``pct``, ``secs`` or ``dec2``) and is removed before drawing.
``table`` holds the same numbers for the no-script fallback. ``templates/_chart.html`` writes
them into a ``<div class="chart" data-chart='...'>`` with Jinja's ``tojson``.
"""

from __future__ import annotations

from math import isfinite

# The series colours of earful.css (--s0 .. --s3) and its muted ink and grid lines.
COLOURS = ["#2f5bd3", "#d9822b", "#2e9e6a", "#b3365b"]
MUTED, LINE = "#667085", "#e4e7ec"
UNIT_NAMES = {"pct": "%", "secs": "s"}


def _num(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if isfinite(f) else None


def _label(v) -> str:
    """A category label: dates as 2010-08-04, times as 2010-08-04 10:30."""
    if v is None:
        return ""
    if hasattr(v, "isoformat"):
        v = v.isoformat()
    s = str(v)
    if len(s) >= 16 and s[4] == "-" and s[10] == "T":
        s = s[:16].replace("T", " ")
    return s


def _value_axis(name: str, unit: str, **extra) -> dict:
    return {"type": "value", "name": name, "nameTextStyle": {"color": MUTED, "align": "left"},
            "axisLabel": {"color": MUTED}, "splitLine": {"lineStyle": {"color": LINE}},
            "earful": {"unit": unit}, **extra}


def _base(unit: str) -> dict:
    return {"earful": {"unit": unit}, "color": COLOURS, "animation": False,
            "textStyle": {"fontFamily": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"},
            "tooltip": {"trigger": "axis", "confine": True}}


def _target_line(value, name: str = "target") -> dict:
    """A dashed horizontal line at the target, labelled, for a series' ``markLine``."""
    return {"symbol": "none", "silent": True, "lineStyle": {"color": COLOURS[3], "type": "dashed"},
            "label": {"formatter": name, "color": COLOURS[3], "position": "insideEndTop"},
            "data": [{"yAxis": _num(value)}]}


def line(labels, series: dict, *, y_name: str, x_name: str = "", unit: str = "num", label: str = "chart",
         target: float | None = None, target_name: str = "target") -> dict:
    """Lines sharing one category axis; ``series`` maps a name to values aligned with ``labels``;
    ``target`` draws a dashed line at that value on the first series."""
    cats = [_label(v) for v in (labels or [])]
    clean = {str(k): [_num(v) for v in vs] for k, vs in series.items()}
    if not cats or not any(v is not None for vs in clean.values() for v in vs):
        return {"kind": "empty", "label": label}
    opt = _base(unit)
    opt.update({
        "grid": {"left": 56, "right": 24, "top": 36, "bottom": 36, "containLabel": False},
        "legend": {"show": len(clean) > 1, "top": 0, "right": 0, "textStyle": {"color": MUTED}},
        "xAxis": {"type": "category", "data": cats, "name": x_name, "nameLocation": "middle", "nameGap": 26,
                  "nameTextStyle": {"color": MUTED},
                  "boundaryGap": False, "axisLabel": {"color": MUTED, "hideOverlap": True},
                  "axisLine": {"lineStyle": {"color": "#cfd4dc"}}},
        "yAxis": _value_axis(y_name, unit),
        "series": [{"type": "line", "name": name, "data": vs, "showSymbol": len(cats) <= 40, "symbolSize": 5,
                    "lineStyle": {"width": 2}, "emphasis": {"focus": "series"}} for name, vs in clean.items()],
    })
    if target is not None and _num(target) is not None and opt["series"]:
        opt["series"][0]["markLine"] = _target_line(target, target_name)
    table = {"head": [x_name or "", *clean], "rows": [[c, *(vs[i] for vs in clean.values())]
                                                      for i, c in enumerate(cats)], "unit": unit}
    return {"kind": "chart", "label": label, "option": opt, "table": table}


def band(labels, values, expected, low, high, *, name: str = "contacts", label: str = "chart") -> dict:
    """A daily count against what its history predicted: the count, the expected line (dashed) and
    the expected range as a shaded band (``low``..``high``); the tooltip gives the range as a range."""
    chart = line(labels, {name: values, "expected": expected}, y_name=name, x_name="day", label=label)
    if chart["kind"] == "empty":
        return chart
    lo = [_num(v) for v in low]
    width = [None if a is None or b is None else max(b - a, 0.0) for a, b in zip(lo, (_num(v) for v in high))]
    opt = chart["option"]
    counts, exp = opt["series"]
    counts.update({"z": 3, "lineStyle": {"width": 2.5}})
    exp.update({"showSymbol": False, "lineStyle": {"width": 1.5, "type": "dashed", "color": MUTED},
                "itemStyle": {"color": MUTED}, "z": 2})
    opt["series"] = [
        counts, exp,
        {"type": "line", "name": "range low", "data": lo, "stack": "band", "showSymbol": False, "silent": True,
         "lineStyle": {"opacity": 0}, "earful": {"hidden": True}},
        {"type": "line", "name": "expected range", "stack": "band", "showSymbol": False, "silent": True,
         "lineStyle": {"opacity": 0}, "areaStyle": {"color": "#9db3ee", "opacity": 0.35},
         "itemStyle": {"color": "#9db3ee"}, "earful": {"range": True},
         "data": [{"value": w, "range": [a, None if w is None else a + w]} for a, w in zip(lo, width)]},
    ]
    opt["legend"] = {"show": True, "top": 0, "right": 0, "textStyle": {"color": MUTED},
                     "data": [name, "expected", "expected range"]}
    cats = [r[0] for r in chart["table"]["rows"]]
    chart["table"] = {"head": ["day", name, "expected", "range from", "range to"], "unit": "num",
                      "rows": [list(r) for r in zip(cats, [_num(v) for v in values], [_num(v) for v in expected],
                                                    lo, [_num(v) for v in high])]}
    chart["kind"] = "chart band"
    return chart


def spark(values, labels=None, *, name: str, unit: str = "num", label: str = "trend",
          target: float | None = None) -> dict:
    """A small trend line without axes; the tooltip gives each point's label and value; ``target``
    draws a dashed line at that value (the axis stretches to show it)."""
    vals = [_num(v) for v in (values or [])]
    if sum(v is not None for v in vals) < 2:
        return {"kind": "empty", "label": label, "quiet": True}
    cats = [_label(v) for v in labels] if labels is not None else [str(i + 1) for i in range(len(vals))]
    opt = _base(unit)
    opt.update({
        "grid": {"left": 3, "right": 5, "top": 4, "bottom": 4},
        "xAxis": {"type": "category", "data": cats, "show": False, "boundaryGap": False},
        "yAxis": {"type": "value", "show": False, "scale": True, "earful": {"unit": unit}},
        "tooltip": {"trigger": "axis", "confine": True, "axisPointer": {"type": "none"}},
        "series": [{"type": "line", "name": name, "data": vals, "showSymbol": False, "smooth": False,
                    "lineStyle": {"width": 1.5}, "areaStyle": {"opacity": 0.08},
                    "markPoint": {"symbol": "circle", "symbolSize": 5, "label": {"show": False},
                                  "data": [{"coord": [len(vals) - 1, vals[-1]]}] if vals[-1] is not None else []}}],
    })
    if target is not None and _num(target) is not None:
        line_ = _target_line(target, "")
        line_["label"] = {"show": False}
        opt["series"][0]["markLine"] = line_
        known = [v for v in vals if v is not None] + [_num(target)]
        opt["yAxis"].update({"min": min(known), "max": max(known), "scale": False})
    return {"kind": "spark", "label": label, "option": opt, "table": None}


def bars(labels, values, *, x_name: str, unit: str = "num", label: str = "bar chart") -> dict:
    """Horizontal bars, first label on top."""
    cats = [_label(v) for v in (labels or [])]
    vals = [_num(v) for v in (values or [])]
    if not cats:
        return {"kind": "empty", "label": label}
    opt = _base(unit)
    opt["tooltip"] = {"trigger": "axis", "axisPointer": {"type": "shadow"}, "confine": True}
    opt.update({
        "grid": {"left": 196, "right": 64, "top": 8, "bottom": 40},
        "xAxis": _value_axis(x_name, unit, nameLocation="middle", nameGap=24),
        "yAxis": {"type": "category", "data": cats, "inverse": True,
                  "axisLabel": {"color": MUTED, "width": 184, "overflow": "truncate"},
                  "axisLine": {"lineStyle": {"color": "#cfd4dc"}}, "axisTick": {"show": False}},
        "series": [{"type": "bar", "name": x_name, "data": vals, "barMaxWidth": 16,
                    "label": {"show": True, "position": "right", "color": MUTED}}],
        "earful": {"unit": unit, "height": 40 + 22 * len(cats)},
    })
    table = {"head": ["", x_name], "rows": [[c, v] for c, v in zip(cats, vals)], "unit": unit}
    return {"kind": "chart", "label": label, "option": opt, "table": table}


def staffing(table: list[dict], current: dict, *, label: str = "agents and occupancy by service-level target") -> dict:
    """Agents (left axis) and occupancy (right axis) against the service-level target, with the
    slider's target marked; ``static/earful.js`` moves the mark as the slider moves."""
    if not table:
        return {"kind": "empty", "label": label}
    agents = [[round(float(r["target_sl"]) * 100, 1), _num(r["agents"])] for r in table]
    occ = [[round(float(r["target_sl"]) * 100, 1), _num(r["occupancy"])] for r in table]
    opt = _base("num")
    opt.update({
        "grid": {"left": 56, "right": 64, "top": 56, "bottom": 44},
        "legend": {"top": 0, "left": "center", "textStyle": {"color": MUTED}},
        "xAxis": {"type": "value", "name": "service-level target (%)", "nameLocation": "middle", "nameGap": 28,
                  "nameTextStyle": {"color": MUTED}, "min": 50, "max": 100,
                  "axisLabel": {"color": MUTED, "formatter": "{value}%"},
                  "splitLine": {"show": False}, "earful": {"unit": "pctpt"}},
        "yAxis": [_value_axis("agents", "num", scale=True, minInterval=1),
                  _value_axis("occupancy (%)", "pct", min=0, max=1, splitLine={"show": False})],
        "series": [
            {"type": "line", "name": "agents", "data": agents, "yAxisIndex": 0, "symbolSize": 6,
             "earful": {"unit": "num"}},
            {"type": "line", "name": "occupancy", "data": occ, "yAxisIndex": 1, "symbolSize": 5,
             "lineStyle": {"type": "dashed"}, "earful": {"unit": "pct"}},
            {"type": "scatter", "name": "your target", "id": "target", "yAxisIndex": 0, "symbolSize": 12,
             "itemStyle": {"color": COLOURS[3]}, "z": 5, "earful": {"unit": "num"},
             "data": [[round(float(current["target_sl"]) * 100, 1), _num(current["agents"])]],
             "markLine": {"symbol": "none", "silent": True, "lineStyle": {"color": COLOURS[3], "type": "dotted"},
                          "label": {"formatter": "{c}%", "color": COLOURS[3]},
                          "data": [{"xAxis": round(float(current["target_sl"]) * 100, 1)}]}},
        ],
        "tooltip": {"trigger": "axis", "confine": True},
    })
    return {"kind": "chart", "label": label, "option": opt, "table": None}
