"""`earful assess`: the strategic assessment (maturity levels, gaps, a plan) and its snapshots."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
import yaml
from rich.table import Table

from earful.cli import app
from earful.cli._common import DbOption, console, fail, parse_day
from earful.errors import EarfulError
from earful.store import connect, resolve_path


def _bar(level: float | None) -> str:
    if level is None:
        return "[dim]unknown[/]"
    full = int(round(level * 2))
    return f"[green]{'█' * full}[/][dim]{'░' * (10 - full)}[/] {level:.1f}"


def _money(w: dict[str, Any] | None) -> str:
    if not w or w.get("amount") is None:
        return ""
    return f"{w['currency']} {w['amount']:,.0f}".strip()


def _ask(model, assessment, answers) -> dict[str, int]:
    """Ask the director each unanswered practice's question; Enter skips one."""
    from earful.assess import Answer

    asked: dict[str, int] = {}
    for q in assessment.questions:
        p = model.practice(q["practice"])
        console.print(f"\n[bold]{p.title}[/]: {p.question}")
        for lvl, words in p.levels.items():
            console.print(f"  {lvl}  {words}", highlight=False)
        while True:
            raw = typer.prompt("level 1-5 (Enter to skip)", default="", show_default=False).strip()
            if not raw:
                break
            if raw in {"1", "2", "3", "4", "5"}:
                asked[p.key] = int(raw)
                answers.answers[p.key] = Answer(int(raw))
                break
            console.print("[red]a level from 1 to 5, or Enter to skip[/]")
    return asked


def _print(a, moved: dict[str, Any] | None, sid: int | None) -> None:
    console.print(f"[bold]Strategic assessment[/] {a.period_start} – {a.period_end} "
                  f"({a.model['name']} v{a.model['version']})" + (f", snapshot #{sid}" if sid else ""),
                  highlight=False)
    t = Table(title="Dimensions (level 1-5)", title_justify="left")
    for c in ("dimension", "level", "why"):
        t.add_column(c)
    for d in a.dimensions:
        t.add_row(d.title, _bar(d.level), d.reason)
    t.add_row("[bold]Overall[/]", _bar(a.overall), "mean of the dimensions")
    console.print(t)
    t = Table(title="Practices", title_justify="left")
    for c in ("practice", "level", "basis", "reason", "reproduce"):
        t.add_column(c, overflow="fold")
    for p in a.practices:
        basis = {"measured": "measured", "self-reported": "[yellow]self-reported[/]",
                 "unanswered": "[dim]unanswered[/]"}[p.basis]
        bench = p.benchmark
        reason = p.reason + (f" [dim](benchmark: {bench['label']} {bench['figure']:.0%}, {bench['source']})[/]"
                             if bench else "")
        t.add_row(p.title, "–" if p.level is None else str(p.level), basis, reason,
                  (p.evidence or {}).get("command", "") if p.basis == "measured" else "")
    console.print(t)
    if a.recommendations:
        t = Table(title="Recommendations (largest gap by worth first)", title_justify="left")
        for c in ("#", "practice", "level", "worth", "do this", "first step"):
            t.add_column(c, overflow="fold")
        for i, r in enumerate(a.recommendations, 1):
            t.add_row(str(i), r["title"], str(r["level"]), _money(r["worth"]), r["text"], f"[cyan]{r['command']}[/]")
        console.print(t)
    if a.questions:
        console.print(f"[bold]{len(a.questions)} practice(s) the data cannot speak for[/] "
                      "(answer them with --answers FILE or --ask): "
                      + ", ".join(q["practice"] for q in a.questions), highlight=False)
    if moved is not None:
        if not moved["comparable"]:
            console.print(f"[yellow]{moved['reason']}[/]")
        elif not moved["practices"] and not moved["dimensions"]:
            console.print(f"Since the last snapshot ({moved['since']}): no level moved.")
        else:
            console.print(f"[bold]What moved since the last snapshot[/] (overall {moved['overall_before']} → "
                          f"{moved['overall_after']}):", highlight=False)
            for d in moved["dimensions"]:
                console.print(f"  {d['title']}: {d['before']} → {d['after']}", highlight=False)
            for p in moved["practices"]:
                console.print(f"  {p['title']}: level {p['before']} → {p['after']} ({p['why']})", highlight=False)


def _history(con) -> None:
    from earful.assess import snapshots

    rows = snapshots(con)
    if not rows:
        console.print("no assessment saved yet (run earful assess)")
        return
    t = Table(title="Saved assessments", title_justify="left")
    dims = list(rows[-1]["levels"])
    for c in ("#", "taken", "period", "model", "overall", *dims):
        t.add_column(c)
    for r in rows:
        t.add_row(str(r["id"]), f"{r['taken_at']:%Y-%m-%d %H:%M}", f"{r['period_start']} – {r['period_end']}",
                  f"v{r['model_version']}", "–" if r["overall"] is None else f"{r['overall']:.1f}",
                  *("–" if r["levels"].get(d) is None else f"{r['levels'][d]:.1f}" for d in dims))
    console.print(t)


@app.command()
def assess(
    db: DbOption = None,
    start: Annotated[Optional[str], typer.Option("--from", help="First day assessed (default: first day loaded).")] = None,
    end: Annotated[Optional[str], typer.Option("--to", help="Last day assessed (default: last day loaded).")] = None,
    model: Annotated[Optional[Path], typer.Option("--model", help="Maturity model YAML (default: the shipped one).")] = None,
    answers: Annotated[Optional[Path], typer.Option("--answers", help="The director's answers (YAML: answers: {practice: level}).")] = None,
    ask: Annotated[bool, typer.Option("--ask", help="Ask each practice the data cannot speak for, here.")] = False,
    save_answers: Annotated[Optional[Path], typer.Option("--save-answers", help="With --ask: write the answers to this YAML file.")] = None,
    contract: Annotated[Optional[list[Path]], typer.Option("--contract", help="A service contract YAML scored for the period (repeatable).")] = None,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Keep this assessment as a snapshot (default) or only show it.")] = True,
    history: Annotated[bool, typer.Option("--history", help="List the saved snapshots and stop.")] = False,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write the two-page assessment as HTML.")] = None,
    pdf: Annotated[Optional[Path], typer.Option("--pdf", help="Also write it as PDF (WeasyPrint); needs --out.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the assessment as JSON.")] = False,
) -> None:
    """The strategic assessment: a maturity level per practice and dimension from the store's evidence and the
    director's answers, the gaps ranked by what closing them is worth, and 3-5 recommendations."""
    from earful.assess import Answers, assess as run, changes, load_answers, load_model, previous, save as keep

    if not resolve_path(db).exists():
        raise fail(f"no earful store at {resolve_path(db)} (run `earful init` or `earful ingest` first)")
    s, e = parse_day(start, "--from"), parse_day(end, "--to")
    con = connect(db)
    try:
        if history:
            _history(con)
            return
        m = load_model(model)
        a_in = load_answers(answers, m) if answers else Answers()
        result = run(con, start=s, end=e, model=m, answers=a_in, contracts=contract)
        if ask and result.questions:
            given = _ask(m, result, a_in)
            if given:
                a_in.source = a_in.source or "asked"
                result = run(con, start=s, end=e, model=m, answers=a_in, contracts=contract)
            if save_answers:
                doc = {"answered_by": a_in.answered_by or _who(), "answers": {
                    k: ({"level": v.level, "note": v.note} if v.note else v.level) for k, v in a_in.answers.items()}}
                save_answers.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        before = previous(con)
        moved = changes(before, result) if before else None
        sid = keep(con, result, who=_who()) if save else None
        pages = None
        if out is not None or pdf is not None:
            from earful.report.assessment import write_assessment

            if out is None:
                raise EarfulError("--pdf needs --out (the HTML is written beside it)")
            pages = write_assessment(json.loads(json.dumps(result.to_dict(), default=str)), out, pdf=pdf,
                                     moved=moved, snapshot_id=sid)
    except EarfulError as exc:
        raise fail(str(exc)) from None
    finally:
        con.close()
    if as_json:
        print(json.dumps({**result.to_dict(), "snapshot": sid, "moved": moved}, default=str, indent=1))
        return
    _print(result, moved, sid)
    if out is not None:
        console.print(f"written: {out}" + (f", {pdf} ({pages} page{'s' if pages != 1 else ''})" if pdf else ""))


def _who() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "earful"
