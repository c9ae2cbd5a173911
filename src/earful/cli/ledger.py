"""`earful route`, `earful ledger …`, `earful sla`, `earful audit --export`."""

from __future__ import annotations

import csv
import getpass
import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from earful.cli import app
from earful.cli._common import DbOption, console, parse_day
from earful.errors import InputError
from earful.store import connect

RulesOption = Annotated[Path, typer.Option("--rules", help="routing.yaml: departments and routing rules.")]
WhoOption = Annotated[Optional[str], typer.Option("--who", help="Who makes the change (default: your login name).")]


def _who(who: str | None) -> str:
    if who:
        return who
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "earful"


def _open(db: Path | None, *, read_only: bool = False):
    """The store for ledger commands: it must exist (a mistyped --db must not create an empty one);
    commands that only read open it read-only."""
    return connect(db, read_only=read_only, create=False)


def _print_rows(rows: list[dict], title: str | None = None, as_json: bool = False) -> None:
    if as_json:
        console.print_json(json.dumps(rows, default=str))
        return
    if not rows:
        console.print(f"{title or 'nothing'}: none")
        return
    table = Table(title=title, title_justify="left")
    for c in rows[0]:
        table.add_column(c, justify="right" if isinstance(rows[0][c], (int, float, Decimal)) else "left")
    for r in rows:
        table.add_row(*("" if v is None else f"{v:,}" if isinstance(v, Decimal) else str(v) for v in r.values()))
    console.print(table)


@app.command()
def route(
    rules: RulesOption,
    db: DbOption = None,
    deliver_now: Annotated[bool, typer.Option("--deliver", help="Also send what is due in the outbox.")] = False,
    retry_for: Annotated[float, typer.Option("--retry-for", help="With --deliver: keep retrying failures for this "
                                                                 "many seconds (exponential back-off).")] = 0.0,
    remind: Annotated[bool, typer.Option("--remind", help="Queue reminders for insights unacknowledged past "
                                                          "remind_after_days.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Only validate routing.yaml.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the routes without writing them.")] = False,
    who: WhoOption = None,
) -> None:
    """Route new insights to departments, queue their notifications, and (--deliver) send the outbox."""
    from earful.ledger import deliver, load_routing, queue_reminders, route_insights, share_new

    cfg = load_routing(rules)
    if check:
        console.print(f"{rules}: {len(cfg.departments)} departments, {len(cfg.rules)} rules, triage '{cfg.triage}': ok")
        return
    con = _open(db)
    try:
        new = route_insights(con, cfg, who=_who(who), dry_run=dry_run)
        _print_rows([{"insight": i, "department": d, "rule": r} for i, d, r in new],
                    "would route" if dry_run else "routed")
        if dry_run:
            return
        shared = share_new(con, cfg, who=_who(who))
        console.print(f"{shared} route(s) shared; notifications queued in the outbox")
        if remind:
            late = queue_reminders(con, cfg)
            console.print(f"{len(late)} reminder(s) for insights unacknowledged over {cfg.remind_after_days} days")
        if deliver_now:
            rep = deliver(con, cfg, retry_for_s=retry_for)
            console.print(f"delivery: {rep.delivered} delivered, {rep.failed} failed attempt(s), "
                          f"{rep.pending} pending, {rep.dead} dead")
        else:
            pending = con.execute("SELECT count(*) FROM ledger_outbox WHERE status = 'pending'").fetchone()[0]
            console.print(f"{pending} message(s) pending in the outbox (send with --deliver)")
    finally:
        con.close()


ledger_app = typer.Typer(help="The insight ledger: lifecycle per department, value estimated and confirmed, "
                              "credit report.", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")


@ledger_app.command("list")
def ledger_list(
    db: DbOption = None,
    department: Annotated[Optional[str], typer.Option("--department", "-d")] = None,
    state: Annotated[Optional[str], typer.Option("--state")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Routes with their current state (a department's inbox)."""
    from earful.ledger import routes

    con = _open(db, read_only=True)
    try:
        _print_rows(routes(con, department=department, state=state), "routes", as_json)
    finally:
        con.close()


def _move(to_state: str):
    def command(
        insight: Annotated[str, typer.Argument(help="Insight id.")],
        department: Annotated[str, typer.Option("--department", "-d", help="The department's key.")],
        db: DbOption = None,
        who: WhoOption = None,
        note: Annotated[Optional[str], typer.Option("--note", "--reason", help="A remark; required to dismiss.")] = None,
    ) -> None:
        from earful.ledger import transition

        con = _open(db)
        try:
            prev = transition(con, insight, department, to_state, who=_who(who), note=note)
        finally:
            con.close()
        console.print(f"{insight} in {department}: {prev} → {to_state}")

    command.__doc__ = f"Move an insight's route to '{to_state}' (illegal moves are refused)."
    return command


for _name, _state in (("share", "shared"), ("ack", "acknowledged"), ("action", "actioned"), ("dismiss", "dismissed")):
    ledger_app.command(_name)(_move(_state))


@ledger_app.command("overdue")
def ledger_overdue(
    days: Annotated[int, typer.Option("--days", help="Unacknowledged for more than this many days.")] = 7,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Insights still new or shared (not acknowledged) more than --days after they were routed."""
    from dataclasses import asdict

    from earful.ledger import overdue

    con = _open(db, read_only=True)
    try:
        _print_rows([asdict(o) for o in overdue(con, days)], f"unacknowledged over {days} days", as_json)
    finally:
        con.close()


@ledger_app.command("history")
def ledger_history(
    insight: Annotated[Optional[str], typer.Argument(help="Insight id (all when left out).")] = None,
    db: DbOption = None,
    department: Annotated[Optional[str], typer.Option("--department", "-d")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The append-only history: every state change with who and when."""
    from earful.ledger import history

    con = _open(db, read_only=True)
    try:
        _print_rows(history(con, insight, department), "history", as_json)
    finally:
        con.close()


@ledger_app.command("estimate")
def ledger_estimate(
    model: Annotated[Path, typer.Option("--model", help="value.yaml: parameters and formulas.")],
    db: DbOption = None,
    replace: Annotated[bool, typer.Option("--replace", help="Estimate again (a new row supersedes).")] = False,
    who: WhoOption = None,
) -> None:
    """Estimate the value of every insight with its kind's formula; show the working."""
    from earful.ledger import load_value_model, record_estimates

    vm = load_value_model(model)
    con = _open(db)
    try:
        est = record_estimates(con, vm, who=_who(who), replace=replace)
    finally:
        con.close()
    _print_rows([{"insight": e.insight_id, "kind": e.kind, "amount": e.amount, "currency": e.currency,
                  "working": e.working or e.skipped} for e in est], "estimates")


@ledger_app.command("confirm")
def ledger_confirm(
    insight: Annotated[str, typer.Argument(help="Insight id.")],
    department: Annotated[str, typer.Option("--department", "-d")],
    amount: Annotated[str, typer.Option("--amount", help="Confirmed value, e.g. 12500.00")],
    currency: Annotated[str, typer.Option("--currency")] = "EUR",
    db: DbOption = None,
    who: WhoOption = None,
    note: Annotated[Optional[str], typer.Option("--note")] = None,
) -> None:
    """Record the value a department confirms (route moves actioned → value_confirmed)."""
    from earful.ledger import confirm_value

    con = _open(db)
    try:
        amt = confirm_value(con, insight, department, amount, currency, who=_who(who), note=note)
    finally:
        con.close()
    console.print(f"{insight} in {department}: confirmed {amt:,} {currency.upper()}")


@ledger_app.command("totals")
def ledger_totals(
    db: DbOption = None,
    by: Annotated[str, typer.Option("--by", help="Comma list of department, period, kind.")] = "department",
    period: Annotated[str, typer.Option("--period", help="month, quarter or year.")] = "month",
    start: Annotated[Optional[str], typer.Option("--start")] = None,
    end: Annotated[Optional[str], typer.Option("--end")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Estimated and confirmed value by department, period and/or kind."""
    from earful.ledger import totals

    keys = tuple(k.strip() for k in by.split(",") if k.strip())
    con = _open(db, read_only=True)
    try:
        rows = totals(con, keys, period=period, start=parse_day(start, "--start"), end=parse_day(end, "--end"))
        _print_rows(rows, "value", as_json)
    finally:
        con.close()


@ledger_app.command("credit-report")
def ledger_credit_report(
    db: DbOption = None,
    period: Annotated[Optional[str], typer.Option("--period", help="One month, e.g. 2025-08 (default: all).")] = None,
    start: Annotated[Optional[str], typer.Option("--start")] = None,
    end: Annotated[Optional[str], typer.Option("--end")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print as Markdown for a report.")] = False,
) -> None:
    """Per department and in total: insights received and acted on, value credited (each insight
    counted once, shared by the split rule), dismissed and confirmed."""
    from earful.ledger import credit_report
    from earful.ledger.value import credit_report_markdown

    con = _open(db, read_only=True)
    try:
        rows = credit_report(con, start=parse_day(start, "--start"), end=parse_day(end, "--end"), month=period)
    finally:
        con.close()
    if markdown:
        typer.echo(credit_report_markdown(rows, title=f"Contact centre credit report{' ' + period if period else ''}"))
    elif as_json:
        _print_rows(rows, "credit report", True)
    else:
        from earful.insights.wording import money

        _print_rows([{"department": r["department"] or "not routed yet", "insights": r["insights"],
                      "waiting": r["waiting"], "acknowledged": r["acknowledged"], "actioned": r["actioned"],
                      "value confirmed": r["value_confirmed"], "dismissed": r["dismissed"],
                      **{label: money(r[k], r["currency"], cents=True) for label, k in
                         (("estimated", "estimated"), ("of which dismissed", "dismissed_value"),
                          ("confirmed", "confirmed"))}} for r in rows],
                    f"credit report{' ' + period if period else ''} (each insight counted once)")


@ledger_app.command("outbox")
def ledger_outbox(
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Notifications and their delivery state."""
    con = _open(db, read_only=True)
    try:
        cur = con.execute("SELECT id, channel, department, target, status, attempts, next_attempt_at, delivered_at,"
                          " last_error FROM ledger_outbox ORDER BY id")
        cols = [d[0] for d in cur.description]
        _print_rows([dict(zip(cols, r)) for r in cur.fetchall()], "outbox", as_json)
    finally:
        con.close()


@app.command()
def sla(
    contract: Annotated[Path, typer.Option("--contract", help="Contract YAML (targets, bands, weights, caps).")],
    period: Annotated[str, typer.Option("--period", help="Month, e.g. 2025-08.")],
    db: DbOption = None,
    actual: Annotated[Optional[list[str]], typer.Option("--actual", help="NAME=VALUE actual given by hand "
                                                                         "(e.g. qa_score=88.5; rates as 0.81 or 81%).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the scorecard as Markdown.")] = False,
) -> None:
    """A partner's SLA scorecard for a month: actuals, bands, reward or penalty, with the working."""
    from earful.ledger.sla import actuals_from_metrics, load_contract, period_bounds, score, scorecard_markdown

    c = load_contract(contract)
    period_bounds(period)
    given: dict[str, Decimal] = {}
    for item in actual or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise InputError(f"--actual must look like NAME=VALUE, not '{item}'")
        v = value.strip()
        try:
            given[name.strip()] = Decimal(v[:-1]) / 100 if v.endswith("%") else Decimal(v)
        except Exception:  # noqa: BLE001
            raise InputError(f"--actual {name}: '{v}' is not a number") from None
    measured: dict = {}
    if any(t.metric not in given and t.metric not in c.actuals for t in c.terms):
        con = connect(db, read_only=True)
        try:
            measured = actuals_from_metrics(con, c, period)
        finally:
            con.close()
    card = score(c, {**measured, **given}, period)
    if as_json:
        console.print_json(json.dumps(card.as_dict()))
    elif markdown:
        typer.echo(scorecard_markdown(card))
    else:
        table = Table(title=f"{card.contract}: {card.partner}, {card.period}", title_justify="left")
        for col in ("metric", "target", "actual", "met", "weight", "share", "band", "credit", "amount"):
            table.add_column(col, justify="right" if col in ("weight", "share", "credit", "amount") else "left")
        for r in card.terms:
            table.add_row(r.label, r.target, r.actual, "—" if r.met is None else "yes" if r.met else "no",
                          f"{r.weight:f}", f"{r.share:,}", r.band, f"{(r.credit * 100).normalize():+f}%",
                          f"{r.amount:,}")
        console.print(table)
        for r in card.terms:
            console.print(f"  {r.label}: {r.working}", highlight=False)
        console.print(f"subtotal {card.subtotal:,}; {card.cap_note}; [bold]net {card.net:,} {card.currency}[/]; "
                      f"score {card.score}/100", highlight=False)


@app.command()
def audit(
    export: Annotated[Path, typer.Option("--export", help="Write the audit trail to a .csv or .jsonl file.")],
    db: DbOption = None,
) -> None:
    """Export the audit trail: lifecycle history, value entries and every delivery attempt, in time order."""
    if export.suffix.lower() not in (".csv", ".jsonl"):
        raise InputError(f"--export must end in .csv or .jsonl, not '{export.name}'")
    from earful.ledger.audit import AUDIT_COLUMNS, audit_rows

    con = _open(db, read_only=True)
    try:
        rows = audit_rows(con)
    finally:
        con.close()
    if export.suffix.lower() == ".jsonl":
        with export.open("w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, default=str) + "\n")
    else:
        with export.open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(AUDIT_COLUMNS))
            w.writeheader()
            w.writerows(rows)
    console.print(f"{len(rows)} audit row(s) written to {export}")
