"""The value ledger: one estimated value per insight from visible formulas, confirmed value per
department, the credit split between departments, and period totals that count each insight once.

Formulas, parameters, each formula's basis (per year, per period, one-off) and the rule that splits
an insight's value between the departments it went to come from a YAML value model
(``value.yaml``, kept in the store when estimates are recorded so later runs re-estimate with it).
Each estimate stores its formula, every input with where it came from, and the working with
numbers filled in. Money is ``decimal.Decimal`` end to end and ``DECIMAL(18,2)`` in the store,
rounded half-up to cents only when stored. Every money figure earful shows for a period (the
demo, the ledger page, the credit report, the briefing, the API) is read from ``reconcile``.
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


BASES = ("per year", "per period", "one-off")
SPLITS = ("equal", "first", "weights")


@dataclass(frozen=True)
class ValueModel:
    """The parsed value model."""

    currency: str
    parameters: dict[str, Decimal]
    inputs: dict[str, tuple[str, ...]]
    formulas: dict[str, Formula]
    kinds: dict[str, str]
    basis: dict[str, str] = field(default_factory=dict)        # formula → per year | per period | one-off
    split: str = "equal"                                       # how departments share an insight's value
    weights: dict[str, Decimal] = field(default_factory=dict)  # with split: weights (others weigh 1)
    text: str = ""                                             # the YAML it was read from
    name: str = "value.yaml"


def load_value_model(path: str | Path) -> ValueModel:
    """Read and validate ``value.yaml`` (line-numbered ``ConfigError`` on any mistake)."""
    p = Path(path)
    root = _config.load(p)
    return _parse_value_model(root, p.read_text(encoding="utf-8"), p.name)


def parse_value_model(text: str, name: str = "value.yaml") -> ValueModel:
    """A value model from YAML text (as ``load_value_model`` reads a file)."""
    return _parse_value_model(_config.load_text(text, name), text, name)


def _parse_value_model(root: _config.Node, text: str, name: str) -> ValueModel:
    top = root.mapping("value model", {"currency", "parameters", "inputs", "formulas", "kinds", "split", "weights"})
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
    basis: dict[str, str] = {}
    for k, v in top["formulas"].items("formulas"):
        expr = v
        if v.is_map:  # {formula: ..., basis: per year}
            parts = v.mapping(f"formula '{k}'", {"formula", "basis"})
            if "formula" not in parts:
                raise v.error(f"formula '{k}': 'formula' is missing")
            expr = parts["formula"]
            if "basis" in parts:
                b = parts["basis"].text("basis")
                if b not in BASES:
                    raise parts["basis"].error(f"formula '{k}': basis must be one of {', '.join(BASES)}, not '{b}'")
                basis[k] = b
        f = _parse_formula(k, expr.text(f"formula '{k}'"), expr)
        for n in f.names:
            if n not in params and n not in inputs:
                raise v.error(f"formula '{k}': '{n}' is neither a parameter nor an input")
        formulas[k] = f
    kinds = {}
    for k, v in top["kinds"].items("kinds"):
        fname = v.text(f"kind '{k}'")
        if fname not in formulas:
            raise v.error(f"kind '{k}': unknown formula '{fname}' (formulas: {', '.join(formulas)})")
        kinds[k] = fname
    split = top["split"].text("split") if "split" in top else "equal"
    if split not in SPLITS:
        raise top["split"].error(f"split must be one of {', '.join(SPLITS)}, not '{split}'")
    weights = {k: v.decimal(f"weight of '{k}'", min_value=Decimal(0))
               for k, v in (top["weights"].items("weights") if "weights" in top else [])}
    if split == "weights" and not weights:
        raise top["split"].error("split: weights needs a 'weights' mapping (department: number)")
    return ValueModel(currency, params, inputs, formulas, kinds, basis, split, weights, text, name)


_SETTING = "value_model"


def stored_value_model(con: duckdb.DuckDBPyConnection) -> ValueModel | None:
    """The value model the ledger last estimated with (kept in ``settings``), or None."""
    row = con.execute("SELECT value FROM settings WHERE key = ?", [_SETTING]).fetchone()
    if row is None:
        return None
    data = json.loads(row[0])
    return parse_value_model(data["text"], data.get("name", "value.yaml"))


def _keep_model(con: duckdb.DuckDBPyConnection, model: ValueModel) -> None:
    if not model.text:
        return
    value = json.dumps({"text": model.text, "name": model.name})
    con.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [_SETTING, value])


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
    basis: str = "per period"


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
                    f"{working} = {money(value):,} {model.currency}", basis=model.basis.get(name, "per period"))


def record_estimates(con: duckdb.DuckDBPyConnection, model: ValueModel, *, who: str = "earful",
                     now: datetime | None = None, replace: bool = False,
                     ids: list[str] | None = None) -> list[Estimate]:
    """Estimate the live insights (or those in ``ids``) and record each estimate that is new or
    differs from the insight's latest one (its figures changed); with ``replace`` record all again.
    Keeps ``model`` in the store for later re-estimates and for the credit split. Returns the
    estimates recorded and the insights skipped (``amount`` None, with the reason)."""
    now = now or datetime.now()
    latest = {r[0]: (r[1], r[2], r[3], r[4]) for r in con.execute(
        f"SELECT insight_id, amount, currency, working, basis FROM ({_LATEST_ESTIMATE})").fetchall()}
    out = []
    for ins in load_insights(con, ids):
        if ins.get("retired_at") is not None:
            continue
        e = estimate(ins, model)
        if e.amount is None or replace or latest.get(e.insight_id) != (e.amount, e.currency, e.working, e.basis):
            out.append(e)
    with transaction(con):
        _keep_model(con, model)
        _config.insert_rows(con, "ledger_values", ["insight_id", "kind", "amount", "currency", "formula", "inputs",
                                                   "working", "basis", "who", "at_time"],
                            [(e.insight_id, "estimated", e.amount, e.currency, e.formula, json.dumps(e.inputs),
                              e.working, e.basis, who, now) for e in out if e.amount is not None])
    return out


def refresh_estimates(con: duckdb.DuckDBPyConnection, ids: list[str] | None = None, *,
                      now: datetime | None = None) -> list[Estimate]:
    """Re-estimate insights whose figures changed, with the value model the ledger keeps (nothing
    when no estimate was ever recorded)."""
    model = stored_value_model(con)
    if model is None:
        return []
    return record_estimates(con, model, who="earful", now=now, ids=ids)


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

# The day an insight's value is credited to: the start of its episode (the month it was found in).
CREDIT_DAY = "coalesce(i.episode_start, i.period_end, CAST(i.created_at AS DATE))"
_PERIOD = {"month": "strftime(d, '%Y-%m')",
           "quarter": "strftime(d, '%Y') || '-Q' || CAST(quarter(d) AS VARCHAR)",
           "year": "strftime(d, '%Y')"}
OPEN_STATES = ("new", "shared", "acknowledged", "actioned")


@dataclass
class Credit:
    """One insight's value in one department (``department`` None: not routed yet)."""

    insight_id: str
    kind: str
    title: str
    day: date                     # the day its value is credited to (its episode's start)
    department: str | None
    state: str | None
    estimated: Decimal | None     # this department's share of the insight's estimate
    confirmed: Decimal            # what this department confirmed
    currency: str | None
    basis: str | None
    insight_estimate: Decimal | None  # the whole estimate, counted once per insight
    share: Decimal = Decimal(1)


def _weights(model: ValueModel | None, routes: list[tuple[str, str, datetime]]) -> list[Decimal]:
    """Each route's weight under the director's split rule (routes: department, state, routed_at)."""
    split = model.split if model else "equal"
    if split == "first":
        first = min(range(len(routes)), key=lambda k: (routes[k][2], routes[k][0]))
        return [Decimal(1) if k == first else Decimal(0) for k in range(len(routes))]
    if split == "weights" and model:
        w = [model.weights.get(d, Decimal(1)) for d, _, _ in routes]
        return w if sum(w) > 0 else [Decimal(1)] * len(routes)
    return [Decimal(1)] * len(routes)


def split_amount(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """``amount`` in cents shared by ``weights``; the cents left by rounding go to the largest share,
    so the parts always add up to the whole."""
    total = sum(weights)
    if total <= 0:
        return [Decimal(0)] * len(weights)
    parts = [money(amount * w / total) for w in weights]
    parts[max(range(len(weights)), key=lambda k: (weights[k], -k))] += amount - sum(parts)
    return parts


def credits(con: duckdb.DuckDBPyConnection, *, start: date | None = None, end: date | None = None,
            month: str | None = None, ids: list[str] | None = None) -> list[Credit]:
    """Every insight's value split over the departments it went to, by the split rule of the value
    model the ledger keeps (equal shares when none). Insights credited to days ``start``..``end`` (or
    to ``month``, ``YYYY-MM``); retired insights bring only what was confirmed on them."""
    if month:
        start, end = period_bounds_month(month)
    where, params = [], []
    if start:
        where.append(f"{CREDIT_DAY} >= ?")
        params.append(start)
    if end:
        where.append(f"{CREDIT_DAY} <= ?")
        params.append(end)
    if ids is not None:
        where.append("i.id IN (SELECT unnest(?))")
        params.append(ids)
    cond = (" AND " + " AND ".join(where)) if where else ""
    rows = con.execute(f"""
        SELECT i.id, i.kind, i.title, {CREDIT_DAY} AS d, i.retired_at IS NOT NULL, e.amount, e.currency, e.basis
        FROM insights i LEFT JOIN ({_LATEST_ESTIMATE}) e ON e.insight_id = i.id
        WHERE 1 = 1 {cond} ORDER BY d, i.id""", params).fetchall()
    ids = [r[0] for r in rows]
    routes: dict[str, list[tuple[str, str, datetime]]] = {}
    for iid, dept, st, at in con.execute(
            "SELECT insight_id, department, state, routed_at FROM ledger_routes WHERE insight_id IN (SELECT unnest(?))"
            " ORDER BY routed_at, department", [ids]).fetchall():
        routes.setdefault(iid, []).append((dept, st, at))
    confirmed: dict[tuple[str, str], tuple[Decimal, str]] = {}
    for iid, dept, amount, cur in con.execute(
            "SELECT insight_id, department, sum(amount), any_value(currency) FROM ledger_values WHERE kind = 'confirmed'"
            " AND insight_id IN (SELECT unnest(?)) GROUP BY 1, 2", [ids]).fetchall():
        confirmed[(iid, dept)] = (money(amount), cur)
    model = stored_value_model(con)
    out: list[Credit] = []
    for iid, kind, title, d, retired, amount, cur, basis in rows:
        cur = cur or (model.currency if model else None)
        est = None if retired or amount is None else money(amount)
        rs = routes.get(iid, [])
        if not rs:
            if est is not None:
                out.append(Credit(iid, kind, title, d, None, None, est, money(0), cur, basis, est))
            continue
        weights = _weights(model, rs)
        parts = split_amount(est, weights) if est is not None else [None] * len(rs)
        total_w = sum(weights) or Decimal(1)
        for (dept, st, _), part, w in zip(rs, parts, weights):
            conf, ccur = confirmed.get((iid, dept), (money(0), None))
            if retired and conf == 0:
                continue
            out.append(Credit(iid, kind, title, d, dept, st, part, conf, cur or ccur, basis, est, w / total_w))
    return out


def period_bounds_month(month: str) -> tuple[date, date]:
    """``YYYY-MM`` → its first and last day (InputError otherwise)."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise InputError(f"a month looks like 2025-08, not '{month}'") from None
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, date.fromordinal(nxt.toordinal() - 1)


def totals(con: duckdb.DuckDBPyConnection, by: tuple[str, ...] = ("department",), *, period: str = "month",
           start: date | None = None, end: date | None = None) -> list[dict[str, Any]]:
    """Estimated and confirmed money by department, period (the month, quarter or year each insight's
    value is credited to) and/or kind. Each insight counts once: departments that share an insight
    share its estimate by the split rule, so department totals add up to the overall total."""
    for b in by:
        if b not in ("department", "period", "kind"):
            raise InputError(f"cannot total by '{b}' (use department, period, kind)")
    if period not in _PERIOD:
        raise InputError(f"period must be month, quarter or year, not '{period}'")
    fmt = {"month": "%Y-%m", "year": "%Y"}

    def key_of(c: Credit) -> tuple:
        keys = []
        for b in by:
            if b == "department":
                keys.append(c.department)
            elif b == "kind":
                keys.append(c.kind)
            else:
                keys.append(f"{c.day:%Y}-Q{(c.day.month - 1) // 3 + 1}" if period == "quarter"
                            else c.day.strftime(fmt[period]))
        return (*keys, c.currency)

    groups: dict[tuple, list[Credit]] = {}
    for c in credits(con, start=start, end=end):
        if c.estimated is not None or c.confirmed:
            groups.setdefault(key_of(c), []).append(c)
    out = []
    for key in sorted(groups, key=lambda k: tuple("" if v is None else str(v) for v in k)):
        cs = groups[key]
        row: dict[str, Any] = dict(zip(by, key[:-1]))
        row.update({"currency": key[-1],
                    "insights_estimated": len({c.insight_id for c in cs if c.estimated is not None}),
                    "estimated": money(sum((c.estimated for c in cs if c.estimated is not None), Decimal(0))),
                    "insights_confirmed": len({c.insight_id for c in cs if c.confirmed}),
                    "confirmed": money(sum((c.confirmed for c in cs), Decimal(0)))})
        out.append(row)
    return out


_COUNTS = ("insights", "waiting", "acknowledged", "actioned", "value_confirmed", "dismissed")
_MONEY = ("estimated", "open", "dismissed_value", "confirmed_estimate", "confirmed")


def reconcile(con: duckdb.DuckDBPyConnection, *, month: str | None = None, start: date | None = None,
              end: date | None = None, department: str | None = None) -> dict[str, Any]:
    """How a period's money is made, per department and in total (each insight counted once):

    - ``estimated``: the department's share of its insights' estimates (the split rule's);
    - of which ``open`` (new, shared, acknowledged, actioned), ``dismissed_value`` (dismissed by the
      department) and ``confirmed_estimate`` (the department confirmed a value);
    - ``confirmed``: the money the department confirmed.

    A row with department None holds insights not routed yet. ``total`` adds the rows up (with
    ``department`` given, only that department's row is returned and totalled).
    """
    cs = credits(con, start=start, end=end, month=month)
    if department is not None:
        cs = [c for c in cs if c.department == department]
    rows: dict[tuple, dict[str, Any]] = {}
    default = next((c.currency for c in cs if c.currency), None)  # an insight without money counts in it
    for c in cs:
        cur = c.currency or default
        r = rows.setdefault((c.department, cur), {
            "department": c.department, "currency": cur, **{k: 0 for k in _COUNTS},
            **{k: money(0) for k in _MONEY}, "_ids": set()})
        r["_ids"].add(c.insight_id)
        if c.state in ("new", "shared"):
            r["waiting"] += 1
        if c.state in ("acknowledged", "actioned", "value_confirmed"):
            r["acknowledged"] += 1
        if c.state in ("actioned", "value_confirmed"):
            r["actioned"] += 1
        if c.state == "value_confirmed":
            r["value_confirmed"] += 1
        if c.state == "dismissed":
            r["dismissed"] += 1
        est = c.estimated or money(0)
        r["estimated"] += est
        if c.state == "dismissed":
            r["dismissed_value"] += est
        elif c.state == "value_confirmed":
            r["confirmed_estimate"] += est
        else:
            r["open"] += est
        r["confirmed"] += c.confirmed
    ordered = sorted(rows.values(), key=lambda r: (r["department"] is None, r["department"] or "", r["currency"] or ""))
    totals_by_cur: dict[str | None, dict[str, Any]] = {}
    for r in ordered:
        t = totals_by_cur.setdefault(r["currency"], {"department": None, "currency": r["currency"],
                                                      **{k: 0 for k in _COUNTS}, **{k: money(0) for k in _MONEY},
                                                      "_ids": set()})
        for k in _COUNTS[1:] + _MONEY:
            t[k] += r[k]
        t["_ids"] |= r["_ids"]
    for r in [*ordered, *totals_by_cur.values()]:
        r["insights"] = len(r.pop("_ids"))
    model = stored_value_model(con)
    return {"month": month, "start": start, "end": end, "rows": ordered, "totals": list(totals_by_cur.values()),
            "split": model.split if model else "equal",
            "weights": {k: str(v) for k, v in (model.weights if model else {}).items()},
            "model": model.name if model else None}


def credit_report(con: duckdb.DuckDBPyConnection, *, start: date | None = None, end: date | None = None,
                  month: str | None = None) -> list[dict[str, Any]]:
    """Per department: insights received, waiting, acknowledged, actioned, confirmed, dismissed, and
    the money credited (its share of estimates, split by the director's rule) and confirmed — the
    internal transfer value the centre reports. The last row (department ``"total"``) adds them up."""
    rec = reconcile(con, start=start, end=end, month=month)
    return rec["rows"] + [{**t, "department": "total"} for t in rec["totals"]]


def credit_report_markdown(rows: list[dict[str, Any]], title: str = "Contact centre credit report") -> str:
    """The credit report (with its total row) as a Markdown table, for the executive digest."""
    lines = [f"## {title}", "",
             "| department | insights | waiting | acknowledged | actioned | value confirmed | dismissed "
             "| estimated | of which dismissed | confirmed |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        cur = r["currency"] or ""
        name = r["department"] or "not routed yet"
        name = f"**{name}**" if r["department"] == "total" else name
        lines.append(f"| {name} | {r['insights']} | {r['waiting']} | {r['acknowledged']} | {r['actioned']} "
                     f"| {r['value_confirmed']} | {r['dismissed']} | {r['estimated']:,} {cur} "
                     f"| {r['dismissed_value']:,} {cur} | {r['confirmed']:,} {cur} |")
    lines += ["", "Each insight's estimate is counted once: departments that share an insight share its value "
                  "by the split rule of the value model; confirmed value is what each department recorded."]
    return "\n".join(lines)
