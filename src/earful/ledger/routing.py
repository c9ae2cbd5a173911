"""Routing insights to departments with the rules of ``routing.yaml``.

A rule matches an insight when every condition it names matches (AND across fields,
OR within a list; values may be shell-style patterns such as ``card_*``). Every matching
rule's departments receive the insight; an insight no rule matches goes to the triage
department.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from earful.ledger import _config
from earful.store import transaction

CONDITIONS = ("kind", "reason", "topic", "product", "competitor", "suggested_department")
_DEPT_KEYS = {"name", "webhook", "email", "secret_env"}
_SMTP_KEYS = {"host", "port", "sender", "starttls", "ca_file", "username", "password_env", "timeout_s"}


@dataclass(frozen=True)
class Department:
    """A department that receives insights, with how to notify it."""

    key: str
    name: str
    webhook: str | None = None
    email: tuple[str, ...] = ()
    secret_env: str = "EARFUL_WEBHOOK_SECRET"


@dataclass(frozen=True)
class Rule:
    """One routing rule: conditions (field -> accepted values or patterns) and departments."""

    name: str
    when: dict[str, tuple[str, ...]]
    to: tuple[str, ...]
    line: int = 0
    ask: str | None = None     # what the departments are asked to do (else the kind's usual ask)


@dataclass(frozen=True)
class Smtp:
    host: str = "localhost"
    port: int = 25
    sender: str = "earful@localhost"
    starttls: bool = False
    ca_file: str | None = None      # extra CA certificate(s) to trust for STARTTLS (a private mail server)
    username: str | None = None
    password_env: str | None = None
    timeout_s: int = 10


@dataclass(frozen=True)
class RoutingConfig:
    """The parsed ``routing.yaml``."""

    departments: dict[str, Department]
    rules: tuple[Rule, ...]
    triage: str = "triage"
    smtp: Smtp = field(default_factory=Smtp)
    remind_after_days: int = 7
    due_after_days: int = 14   # a new route is due this many days after it is routed


def load_routing(path: str | Path) -> RoutingConfig:
    """Read and validate ``routing.yaml``; every mistake is a ``ConfigError`` naming its line."""
    root = _config.load(path)
    top = root.mapping("routing.yaml", {"departments", "rules", "triage", "smtp", "remind_after_days", "due_after_days"})
    if "departments" not in top:
        raise root.error("'departments' is missing")
    departments: dict[str, Department] = {}
    for key, node in top["departments"].items("departments"):
        if node.is_null:
            departments[key] = Department(key=key, name=key.title())
            continue
        d = node.mapping(f"department '{key}'", _DEPT_KEYS)
        webhook = d["webhook"].text("webhook") if "webhook" in d else None
        if webhook and not webhook.startswith(("http://", "https://")):
            raise d["webhook"].error(f"department '{key}': webhook must be an http:// or https:// URL")
        emails = tuple(d["email"].texts("email")) if "email" in d else ()
        for addr_node, addr in zip(d["email"].seq("email", scalar_ok=True) if "email" in d else [], emails):
            if "@" not in addr:
                raise addr_node.error(f"department '{key}': '{addr}' is not an e-mail address")
        departments[key] = Department(
            key=key,
            name=d["name"].text("name") if "name" in d else key.title(),
            webhook=webhook,
            email=emails,
            secret_env=d["secret_env"].text("secret_env") if "secret_env" in d else "EARFUL_WEBHOOK_SECRET",
        )
    triage = top["triage"].text("triage") if "triage" in top else "triage"
    if triage not in departments:
        departments[triage] = Department(key=triage, name=triage.title())
    rules: list[Rule] = []
    names: set[str] = set()
    if "rules" in top:
        for i, node in enumerate(top["rules"].seq("rules"), start=1):
            r = node.mapping(f"rule {i}", {"name", "when", "to", "ask"})
            name = r["name"].text("name") if "name" in r else f"rule {i}"
            if name in names:
                raise node.error(f"rule name '{name}' used twice")
            names.add(name)
            if "to" not in r:
                raise node.error(f"rule '{name}': 'to' (the department or departments) is missing")
            to = []
            for dn in r["to"].seq("to", scalar_ok=True):
                dept = dn.text("to")
                if dept not in departments:
                    raise dn.error(f"rule '{name}': unknown department '{dept}' "
                                   f"(known: {', '.join(sorted(departments))})")
                to.append(dept)
            if "when" not in r:
                raise node.error(f"rule '{name}': 'when' (the conditions) is missing")
            when = {k: tuple(v.texts(k)) for k, v in r["when"].items(f"rule '{name}' when", set(CONDITIONS))}
            if not when:
                raise r["when"].error(f"rule '{name}': 'when' names no condition")
            rules.append(Rule(name=name, when=when, to=tuple(to), line=node.line,
                              ask=r["ask"].text("ask") if "ask" in r else None))
    smtp = Smtp()
    if "smtp" in top:
        s = top["smtp"].mapping("smtp", _SMTP_KEYS)
        smtp = Smtp(
            host=s["host"].text("host") if "host" in s else "localhost",
            port=s["port"].integer("port", min_value=1) if "port" in s else 25,
            sender=s["sender"].text("sender") if "sender" in s else "earful@localhost",
            starttls=s["starttls"].boolean("starttls") if "starttls" in s else False,
            ca_file=s["ca_file"].text("ca_file") if "ca_file" in s else None,
            username=s["username"].text("username") if "username" in s else None,
            password_env=s["password_env"].text("password_env") if "password_env" in s else None,
            timeout_s=s["timeout_s"].integer("timeout_s", min_value=1) if "timeout_s" in s else 10,
        )
        if smtp.username and not smtp.starttls:
            raise s["username"].error("smtp: a username needs starttls: true (the password would travel in clear)")
    remind = top["remind_after_days"].integer("remind_after_days", min_value=1) if "remind_after_days" in top else 7
    due = top["due_after_days"].integer("due_after_days", min_value=1) if "due_after_days" in top else 14
    return RoutingConfig(departments=departments, rules=tuple(rules), triage=triage, smtp=smtp,
                         remind_after_days=remind, due_after_days=due)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        out: list[str] = []
        for v in value:
            if isinstance(v, dict):  # e.g. {"name": "x", "count": 3}
                v = v.get("name") or v.get("text") or v.get("value")
            if v is not None:
                out.append(str(v))
        return out
    if isinstance(value, dict):
        return [str(k) for k in value]
    return [str(value)]


def insight_facets(insight: dict[str, Any]) -> dict[str, list[str]]:
    """The values a rule can match on: kind, reason, topic, and products/competitors
    named in the insight's ``metrics`` or ``evidence`` (keys product(s)/competitor(s))."""
    facets = {k: _as_list(insight.get(k)) for k in ("kind", "reason", "topic", "suggested_department")}
    for facet in ("product", "competitor"):
        values: list[str] = _as_list(insight.get(facet))
        for blob in ("metrics", "evidence"):
            data = insight.get(blob)
            if isinstance(data, str):
                try:
                    data = json.loads(data)
                except ValueError:
                    data = None
            if isinstance(data, dict):
                values += _as_list(data.get(facet)) + _as_list(data.get(facet + "s"))
        facets[facet] = values
    return facets


def _matches(rule: Rule, facets: dict[str, list[str]]) -> bool:
    for cond, accepted in rule.when.items():
        have = [v.lower() for v in facets.get(cond, [])]
        if not any(fnmatch.fnmatchcase(v, pat.lower()) for v in have for pat in accepted):
            return False
    return True


def departments_for(insight: dict[str, Any], config: RoutingConfig) -> list[tuple[str, str]]:
    """(department, rule name) pairs for one insight, first match per department; triage when none."""
    facets = insight_facets(insight)
    out: dict[str, str] = {}
    for rule in config.rules:
        if _matches(rule, facets):
            for dept in rule.to:
                out.setdefault(dept, rule.name)
    if not out:
        return [(config.triage, "triage")]
    return list(out.items())


def load_insights(con: duckdb.DuckDBPyConnection, ids: list[str] | None = None) -> list[dict[str, Any]]:
    """Insights from the store as dicts (metrics/evidence parsed), oldest first: those in ``ids``,
    else every insight not retired."""
    sql = "SELECT * FROM insights"
    params: list[Any] = []
    if ids is not None:
        sql += " WHERE id IN (SELECT unnest(?))"
        params.append(ids)
    else:
        sql += " WHERE retired_at IS NULL"
    cur = con.execute(sql + " ORDER BY created_at, id", params)
    cols = [d[0] for d in cur.description]
    rows = []
    for r in cur.fetchall():
        d = dict(zip(cols, r))
        for k in ("metrics", "evidence"):
            if isinstance(d.get(k), str):
                try:
                    d[k] = json.loads(d[k])
                except ValueError:
                    pass
        rows.append(d)
    return rows


def route_insights(con: duckdb.DuckDBPyConnection, config: RoutingConfig, *, who: str = "earful",
                   now: datetime | None = None, dry_run: bool = False) -> list[tuple[str, str, str]]:
    """Route every insight not yet routed; return the new (insight, department, rule) routes.

    Idempotent: an (insight, department) pair already in ``ledger_routes`` is left alone.
    Each new route starts in state ``new`` with a history row, the rule's ask (or the kind's
    usual one) and a due date ``due_after_days`` ahead.
    """
    now = now or datetime.now()
    done = {(i, d) for i, d in con.execute("SELECT insight_id, department FROM ledger_routes").fetchall()}
    asks = {r.name: r.ask for r in config.rules if r.ask}
    new: list[tuple[str, str, str]] = []
    for ins in load_insights(con):
        for dept, rule in departments_for(ins, config):
            if (ins["id"], dept) not in done:
                new.append((ins["id"], dept, rule))
    if dry_run or not new:
        return new
    add_routes(con, new, who=who, now=now, asks={(i, d): asks[r] for i, d, r in new if r in asks},
               due_days=config.due_after_days)
    return new


def add_routes(con: duckdb.DuckDBPyConnection, routes: list[tuple[str, str, str]], *, who: str,
               now: datetime | None = None, note: str | None = None,
               asks: dict[tuple[str, str], str] | None = None, due_days: int = 14) -> None:
    """Write new (insight, department, rule) routes in state ``new``, each with its history row, in
    one transaction (the rule is the history note unless ``note`` is given). Each route is asked
    ``asks[(insight, department)]`` or its kind's usual ask, and is due ``due_days`` after ``now``."""
    from earful.ledger.plans import ask_for

    now = now or datetime.now()
    kinds = dict(con.execute("SELECT id, kind FROM insights WHERE id IN (SELECT unnest(?))",
                             [sorted({i for i, _, _ in routes})]).fetchall())
    due = (now + timedelta(days=due_days)).date()
    with transaction(con):
        _config.insert_rows(con, "ledger_routes", ["insight_id", "department", "rule", "state", "routed_at", "updated_at",
                                                   "ask", "due_date"],
                            [(i, d, r, "new", now, now, (asks or {}).get((i, d)) or ask_for(kinds.get(i)), due)
                             for i, d, r in routes])
        _config.insert_rows(con, "ledger_history", ["insight_id", "department", "to_state", "who", "at_time", "note"],
                            [(i, d, "new", who, now, note or f"rule: {r}") for i, d, r in routes])
