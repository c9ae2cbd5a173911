"""The value ledger: estimated value per insight from visible formulas, confirmed value per department.

Formulas and parameters come from a YAML value model (``value.yaml``); each estimate stores
its formula, every input with where it came from, and the working with numbers filled in.
Money is ``decimal.Decimal`` end to end and ``DECIMAL(18,2)`` in the store, rounded half-up
to cents only when stored.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import duckdb

from earful.errors import InputError
from earful.ledger import _config
from earful.ledger.lifecycle import current_state, transition
from earful.ledger.routing import load_insights
from earful.store import transaction

CENT = Decimal("0.01")
_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "×", ast.Div: "÷"}
_PREC = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2}


def money(value: Decimal | str | int) -> Decimal:
    """Round to cents, half-up (the stored precision)."""
    try:
        return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise InputError(f"'{value}' is not an amount of money") from None


@dataclass(frozen=True)
class Formula:
    name: str
    text: str
    tree: ast.Expression
    names: tuple[str, ...]


def _parse_formula(name: str, text: str, node: _config.Node) -> Formula:
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise node.error(f"formula '{name}' is not a valid expression: {text}") from None
    names = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Name):
            names.append(n.id)
        elif isinstance(n, ast.BinOp) and type(n.op) not in _OPS:
            raise node.error(f"formula '{name}': only + - * / and parentheses are allowed")
        elif isinstance(n, ast.Constant) and not isinstance(n.value, (int, float)):
            raise node.error(f"formula '{name}': only numbers and names are allowed")
        elif not isinstance(n, (ast.Expression, ast.Name, ast.BinOp, ast.Constant, ast.UnaryOp, ast.Load,
                                ast.USub, ast.UAdd, *_OPS)):
            raise node.error(f"formula '{name}': '{type(n).__name__}' is not allowed (only + - * / and names)")
    return Formula(name, text, tree, tuple(dict.fromkeys(names)))


def _eval(node: ast.AST, env: dict[str, Decimal], src: str) -> tuple[Decimal, str]:
    """Exact Decimal evaluation; returns the value and the working with numbers filled in."""
    if isinstance(node, ast.Expression):
        return _eval(node.body, env, src)
    if isinstance(node, ast.Constant):
        text = ast.get_source_segment(src, node) or str(node.value)
        return Decimal(text), text
    if isinstance(node, ast.Name):
        return env[node.id], f"{env[node.id]:,}"
    if isinstance(node, ast.UnaryOp):
        v, w = _eval(node.operand, env, src)
        return (-v, f"-{w}") if isinstance(node.op, ast.USub) else (v, w)
    if isinstance(node, ast.BinOp):
        a, wa = _eval(node.left, env, src)
        b, wb = _eval(node.right, env, src)
        op = type(node.op)
        prec = _PREC[op]
        if isinstance(node.left, ast.BinOp) and _PREC[type(node.left.op)] < prec:
            wa = f"({wa})"
        if isinstance(node.right, ast.BinOp) and (_PREC[type(node.right.op)] < prec or (
                _PREC[type(node.right.op)] == prec and op in (ast.Sub, ast.Div))):
            wb = f"({wb})"
        if op is ast.Add:
            v = a + b
        elif op is ast.Sub:
            v = a - b
        elif op is ast.Mult:
            v = a * b
        else:
            if b == 0:
                raise InputError("division by zero in a value formula")
            v = a / b
        return v, f"{wa} {_OPS[op]} {wb}"
    raise InputError(f"cannot evaluate {type(node).__name__}")  # pragma: no cover - refused on load


@dataclass(frozen=True)
class ValueModel:
    """The parsed value model."""

    currency: str
    parameters: dict[str, Decimal]
    inputs: dict[str, tuple[str, ...]]
    formulas: dict[str, Formula]
    kinds: dict[str, str]


def load_value_model(path: str | Path) -> ValueModel:
    """Read and validate ``value.yaml`` (line-numbered ``ConfigError`` on any mistake)."""
    root = _config.load(path)
    top = root.mapping("value model", {"currency", "parameters", "inputs", "formulas", "kinds"})
    for req in ("currency", "formulas", "kinds"):
        if req not in top:
            raise root.error(f"'{req}' is missing")
    currency = top["currency"].text("currency").upper()
    if len(currency) != 3 or not currency.isalpha():
        raise top["currency"].error(f"currency must be a three-letter code like EUR, not '{currency}'")
    params = {k: v.decimal(f"parameter '{k}'", percent_ok=True)
              for k, v in (top["parameters"].items("parameters") if "parameters" in top else [])}
    inputs = {k: tuple(v.texts(f"input '{k}'")) for k, v in (top["inputs"].items("inputs") if "inputs" in top else [])}
    for k, v in (top["inputs"].items("inputs") if "inputs" in top else []):
        if k in params:
            raise v.error(f"'{k}' is both a parameter and an input")
    formulas: dict[str, Formula] = {}
    for k, v in top["formulas"].items("formulas"):
        f = _parse_formula(k, v.text(f"formula '{k}'"), v)
        for n in f.names:
            if n not in params and n not in inputs:
                raise v.error(f"formula '{k}': '{n}' is neither a parameter nor an input")
        formulas[k] = f
    kinds = {}
    for k, v in top["kinds"].items("kinds"):
        name = v.text(f"kind '{k}'")
        if name not in formulas:
            raise v.error(f"kind '{k}': unknown formula '{name}' (formulas: {', '.join(formulas)})")
        kinds[k] = name
    return ValueModel(currency, params, inputs, formulas, kinds)


@dataclass
class Estimate:
    insight_id: str
    kind: str
    formula: str | None
    amount: Decimal | None
    currency: str
    inputs: dict[str, dict[str, str]] = field(default_factory=dict)
    working: str = ""
    skipped: str | None = None


def _num(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):  # a float metric is read to 4 decimals: the working stays readable
        value = round(value, 4)
    if isinstance(value, (int, float, str, Decimal)):
        try:
            d = Decimal(str(value))
        except InvalidOperation:
            return None
        return d if d.is_finite() else None
    return None


_DERIVED = {"period_days": "period_end − period_start + 1"}


def _derived(insight: dict[str, Any]) -> dict[str, Decimal]:
    """Inputs read from the insight itself rather than its metrics (see ``_DERIVED``)."""
    out: dict[str, Decimal] = {}
    a, b = insight.get("period_start"), insight.get("period_end")
    if isinstance(a, str):
        a, b = (date.fromisoformat(x[:10]) if isinstance(x, str) else x for x in (a, b))
    if isinstance(a, date) and isinstance(b, date) and b >= a:
        out["period_days"] = Decimal((b - a).days + 1)
    return out


def estimate(insight: dict[str, Any], model: ValueModel) -> Estimate:
    """The estimated value of one insight: its kind's formula over parameters and insight metrics.

    An input is the first of its listed ``metrics`` keys present in the insight (``period_days``
    is the insight's own period length); when one is missing the estimate is skipped with the
    reason (never guessed).
    """
    kind = str(insight.get("kind"))
    name = model.kinds.get(kind)
    if name is None:
        return Estimate(insight["id"], kind, None, None, model.currency, skipped=f"no formula for kind '{kind}'")
    f = model.formulas[name]
    metrics = insight.get("metrics") or {}
    if isinstance(metrics, str):
        metrics = json.loads(metrics)
    if not isinstance(metrics, dict):
        metrics = {}
    derived = _derived(insight)
    money_in = metrics.get("currency")
    if isinstance(money_in, str) and money_in.upper() != model.currency:
        return Estimate(insight["id"], kind, None, None, model.currency,
                        skipped=f"the insight's money is in {money_in.upper()}, the value model's in {model.currency}")
    env: dict[str, Decimal] = {}
    shown: dict[str, dict[str, str]] = {}
    for n in f.names:
        if n in model.parameters:
            env[n] = model.parameters[n]
            shown[n] = {"value": str(env[n]), "from": "parameter"}
            continue
        for key in model.inputs[n]:
            v = _num(metrics.get(key))
            where = f"insight metrics.{key}"
            if v is None and key in derived:
                v, where = derived[key], f"insight {key} ({_DERIVED[key]})"
            if v is not None:
                env[n] = v
                shown[n] = {"value": str(v), "from": where}
                break
        else:
            return Estimate(insight["id"], kind, f.text, None, model.currency, shown,
                            skipped=f"input '{n}' not in the insight's metrics (looked for: {', '.join(model.inputs[n])})")
    value, working = _eval(f.tree, env, f.text)
    return Estimate(insight["id"], kind, f"{name} = {f.text}", money(value), model.currency, shown,
                    f"{working} = {money(value):,} {model.currency}")


def record_estimates(con: duckdb.DuckDBPyConnection, model: ValueModel, *, who: str = "earful",
                     now: datetime | None = None, replace: bool = False) -> list[Estimate]:
    """Estimate every insight without an estimate (or all, with ``replace``: a new row supersedes)."""
    now = now or datetime.now()
    have = {r[0] for r in con.execute("SELECT DISTINCT insight_id FROM ledger_values WHERE kind = 'estimated'").fetchall()}
    out = [estimate(ins, model) for ins in load_insights(con) if replace or ins["id"] not in have]
    with transaction(con):
        _config.insert_rows(con, "ledger_values", ["insight_id", "kind", "amount", "currency", "formula", "inputs",
                                                   "working", "who", "at_time"],
                            [(e.insight_id, "estimated", e.amount, e.currency, e.formula, json.dumps(e.inputs),
                              e.working, who, now) for e in out if e.amount is not None])
    return out


def confirm_value(con: duckdb.DuckDBPyConnection, insight_id: str, department: str, amount: Decimal | str,
                  currency: str, *, who: str, note: str | None = None, now: datetime | None = None) -> Decimal:
    """Record the value a department confirms and move its route actioned → value_confirmed."""
    amt = money(amount)
    if amt < 0:
        raise InputError("a confirmed value cannot be negative")
    currency = currency.upper()
    if len(currency) != 3 or not currency.isalpha():
        raise InputError(f"currency must be a three-letter code like EUR, not '{currency}'")
    now = now or datetime.now()
    with transaction(con):
        state = current_state(con, insight_id, department)
        if state != "actioned":
            raise InputError(f"insight '{insight_id}' in '{department}' is {state}: value is confirmed after it is actioned")
        con.execute("INSERT INTO ledger_values (insight_id, department, kind, amount, currency, who, at_time, note)"
                    " VALUES (?, ?, 'confirmed', CAST(? AS DECIMAL(18,2)), ?, ?, ?, ?)",
                    [insight_id, department, str(amt), currency, who, now, note])
        transition(con, insight_id, department, "value_confirmed", who=who, note=note or f"{amt} {currency}",
                   now=now, _in_transaction=True)
    return amt


_LATEST_ESTIMATE = """
    SELECT * EXCLUDE (rn) FROM (
        SELECT *, row_number() OVER (PARTITION BY insight_id ORDER BY id DESC) AS rn
        FROM ledger_values WHERE kind = 'estimated') WHERE rn = 1
"""

_PERIOD = {"month": "strftime(coalesce(i.period_end, CAST(i.created_at AS DATE)), '%Y-%m')",
           "quarter": "strftime(coalesce(i.period_end, CAST(i.created_at AS DATE)), '%Y') || '-Q' || "
                      "CAST(quarter(coalesce(i.period_end, CAST(i.created_at AS DATE))) AS VARCHAR)",
           "year": "strftime(coalesce(i.period_end, CAST(i.created_at AS DATE)), '%Y')"}


def totals(con: duckdb.DuckDBPyConnection, by: tuple[str, ...] = ("department",), *, period: str = "month",
           start: date | None = None, end: date | None = None) -> list[dict[str, Any]]:
    """Estimated and confirmed money by department, period (the insight's period end) and/or kind.

    An insight routed to several departments counts its estimate once in each department;
    totals not split by department count it once. Confirmed values belong to one department.
    """
    for b in by:
        if b not in ("department", "period", "kind"):
            raise InputError(f"cannot total by '{b}' (use department, period, kind)")
    if period not in _PERIOD:
        raise InputError(f"period must be month, quarter or year, not '{period}'")
    keys = {"department": "department", "period": _PERIOD[period], "kind": "i.kind"}
    where, params = "", []
    if start:
        where += " AND coalesce(i.period_end, CAST(i.created_at AS DATE)) >= ?"
        params.append(start)
    if end:
        where += " AND coalesce(i.period_end, CAST(i.created_at AS DATE)) <= ?"
        params.append(end)
    if "department" in by:
        est = (f"SELECT r.department AS department, e.insight_id, e.amount, e.currency FROM ({_LATEST_ESTIMATE}) e"
               " JOIN ledger_routes r USING (insight_id)")
    else:
        est = f"SELECT NULL AS department, e.insight_id, e.amount, e.currency FROM ({_LATEST_ESTIMATE}) e"
    conf = "SELECT department, insight_id, amount, currency FROM ledger_values WHERE kind = 'confirmed'"
    sel = ", ".join(f"{keys[b]} AS {b}" for b in by)
    group = ", ".join([*by, "currency"])
    sql = f"""
        WITH v AS (SELECT 'estimated' AS what, * FROM ({est}) UNION ALL SELECT 'confirmed', * FROM ({conf}))
        SELECT {sel + ', ' if sel else ''} v.currency AS currency,
               count(DISTINCT v.insight_id) FILTER (WHERE what = 'estimated') AS insights_estimated,
               coalesce(sum(v.amount) FILTER (WHERE what = 'estimated'), 0) AS estimated,
               count(DISTINCT v.insight_id) FILTER (WHERE what = 'confirmed') AS insights_confirmed,
               coalesce(sum(v.amount) FILTER (WHERE what = 'confirmed'), 0) AS confirmed
        FROM v JOIN insights i ON i.id = v.insight_id WHERE 1=1 {where}
        GROUP BY {group} ORDER BY {group}
    """
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r)) for r in cur.fetchall()]
    for r in rows:
        r["estimated"] = money(r["estimated"])
        r["confirmed"] = money(r["confirmed"])
    return rows


def credit_report(con: duckdb.DuckDBPyConnection, *, start: date | None = None,
                  end: date | None = None) -> list[dict[str, Any]]:
    """Per department: insights received, acknowledged, actioned, confirmed, dismissed, and the
    money estimated and confirmed — the internal transfer value the centre reports."""
    counts = con.execute("""
        SELECT department,
               count(*) AS received,
               count(*) FILTER (WHERE state IN ('acknowledged','actioned','value_confirmed')) AS acknowledged,
               count(*) FILTER (WHERE state IN ('actioned','value_confirmed')) AS actioned,
               count(*) FILTER (WHERE state = 'value_confirmed') AS value_confirmed,
               count(*) FILTER (WHERE state = 'dismissed') AS dismissed,
               count(*) FILTER (WHERE state IN ('new','shared')) AS waiting
        FROM ledger_routes GROUP BY department ORDER BY department""").fetchall()
    money_rows = {(r["department"], r["currency"]): r for r in totals(con, ("department",), start=start, end=end)}
    out = []
    for dept, received, ack, act, conf, dis, waiting in counts:
        curr = sorted({c for d, c in money_rows if d == dept}) or [None]
        for c in curr:
            m = money_rows.get((dept, c), {})
            out.append({"department": dept, "received": received, "acknowledged": ack, "actioned": act,
                        "value_confirmed": conf, "dismissed": dis, "waiting": waiting, "currency": c,
                        "estimated": m.get("estimated", money(0)), "confirmed": m.get("confirmed", money(0))})
    return out


def credit_report_markdown(rows: list[dict[str, Any]], title: str = "Contact centre credit report") -> str:
    """The credit report as a Markdown table with totals per currency (for the executive digest)."""
    lines = [f"## {title}", "",
             "| department | received | acknowledged | actioned | value confirmed | dismissed | waiting "
             "| estimated | confirmed |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    confirmed: dict[str, Decimal] = {}
    for r in rows:
        cur = r["currency"] or ""
        lines.append(f"| {r['department']} | {r['received']} | {r['acknowledged']} | {r['actioned']} "
                     f"| {r['value_confirmed']} | {r['dismissed']} | {r['waiting']} "
                     f"| {r['estimated']:,} {cur} | {r['confirmed']:,} {cur} |")
        if cur:
            confirmed[cur] = confirmed.get(cur, money(0)) + r["confirmed"]
    lines.append("")
    for cur, conf in sorted(confirmed.items()):
        lines.append(f"Confirmed value credited to the centre: **{conf:,} {cur}**.")
    lines.append("Estimated value counts an insight in every department it went to; confirmed value is "
                 "recorded by one department each and adds up.")
    return "\n".join(lines)
