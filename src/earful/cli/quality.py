"""`earful qa` (rubric, scoring, calibration against people) and `earful agents` (coaching)."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import Progress
from rich.table import Table

from earful.cli import app
from earful.cli._common import DbOption, console, fail, open_store, parse_day, progress_bar
from earful.errors import EarfulError

qa_app = typer.Typer(help="QA scorecards: the rubric, scoring every interaction, calibration against people.",
                     no_args_is_help=True)
rubric_app = typer.Typer(help="Check, show and choose the QA rubric.", no_args_is_help=True)
agents_app = typer.Typer(help="Agent coaching: agents against their peers, and what to coach.", no_args_is_help=True)
qa_app.add_typer(rubric_app, name="rubric")
app.add_typer(qa_app, name="qa")
app.add_typer(agents_app, name="agents")

FromOption = Annotated[Optional[str], typer.Option("--from", help="First day (YYYY-MM-DD).")]
ToOption = Annotated[Optional[str], typer.Option("--to", help="Last day, included (YYYY-MM-DD).")]
Fmt = Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")]


def _bar(label: str) -> Progress:
    return progress_bar(label)


def _fmt(v: object, pct: bool = False) -> str:
    if v is None:
        return "–"
    if pct:
        return f"{float(v):.1%}"
    if isinstance(v, float):
        return f"{v:,.1f}"
    return str(v)


def _emit(rows: list[dict], fmt: str, title: str) -> None:
    if fmt == "json":
        print(json.dumps(rows, default=str, indent=1))
    elif fmt == "csv":
        buf = io.StringIO()
        if rows:
            w = csv.DictWriter(buf, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        sys.stdout.write(buf.getvalue())
    else:
        t = Table(title=title, title_justify="left")
        for k in rows[0] if rows else []:
            t.add_column(k, justify="left" if k in ("group", "agent", "queue", "item", "label") else "right")
        for r in rows:
            t.add_row(*[_fmt(v, pct=k.endswith("rate")) for k, v in r.items()])
        console.print(t)


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "csv", "json"):
        raise fail(f"--format must be table, csv or json, not {fmt!r}")


# ---------------------------------------------------------------------------------- rubric
@rubric_app.command("check")
def rubric_check(path: Annotated[Path, typer.Argument(help="Rubric YAML.")]) -> None:
    """Validate a rubric file and list its items (errors name the line)."""
    from earful.quality import load_rubric

    try:
        r = load_rubric(path)
    except EarfulError as exc:
        raise fail(str(exc)) from None
    t = Table(title=f"{r.name} ({len(r.items)} items, version {r.version})", title_justify="left")
    for col in ("section", "item", "weight", "auto-fail", "applies", "detector"):
        t.add_column(col)
    for it in r.items:
        a = it.applies
        where = ", ".join(x for x in (
            "/".join(a.channels) if a.channels else "", "/".join(a.queues) if a.queues else "",
            "when …" if a.when else "", "unless …" if a.unless else "",
            "hold" if a.hold else "", "not transferred" if a.transferred is False else "") if x) or "all"
        t.add_row(it.section, it.name, f"{it.weight:g}", "yes" if it.auto_fail else "", where, it.detector.kind)
    console.print(t)


@rubric_app.command("show")
def rubric_show(db: DbOption = None,
                default: Annotated[bool, typer.Option("--default", help="earful's default rubric, not the store's.")] = False) -> None:
    """Print the store's rubric YAML (a starting point to edit)."""
    from earful.quality.rubric import default_rubric_text
    from earful.quality.run import active_rubric

    if default:
        sys.stdout.write(default_rubric_text())
        return
    with open_store(db, read_only=True) as con:
        sys.stdout.write(active_rubric(con).text)


@rubric_app.command("use")
def rubric_use(path: Annotated[Path, typer.Argument(help="Rubric YAML.")], db: DbOption = None) -> None:
    """Make a rubric the store's rubric (the next `earful qa run` re-scores every interaction under it)."""
    from earful.quality import load_rubric
    from earful.quality.run import use_rubric

    with open_store(db) as con:
        r = load_rubric(path)
        use_rubric(con, r)
    console.print(f"rubric [bold]{r.name}[/] (version {r.version}, {len(r.items)} items) is now the store's rubric; "
                  "run `earful qa run` to score under it", highlight=False)


# ---------------------------------------------------------------------------------- scoring
@qa_app.command("run")
def qa_run(db: DbOption = None,
           all: Annotated[bool, typer.Option("--all", help="Score every interaction again.")] = False,
           batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Interactions per transaction.")] = 2000) -> None:
    """Score every interaction with agent words not yet scored under the store's rubric."""
    from earful.quality.run import score_store

    with open_store(db) as con:
        with _bar("scoring") as bar:
            task = bar.add_task("qa", total=None)
            n = score_store(con, all=all, batch_size=batch_size,
                            progress=lambda d, t: bar.update(task, completed=d, total=t))
        row = con.execute("SELECT count(*), avg(score), count_if(auto_failed) FROM qa_scores").fetchall()[0]
    console.print(f"scored {n:,} interaction{'s' if n != 1 else ''}; {row[0]:,} scored in all, mean score "
                  f"{_fmt(row[1])}, {row[2]:,} auto-failed", highlight=False)


@qa_app.command("show")
def qa_show(interaction: Annotated[str, typer.Argument(help="Interaction id (e.g. sim:V0000012).")], db: DbOption = None,
            raw: Annotated[bool, typer.Option("--raw", help="Unredacted evidence.")] = False) -> None:
    """One interaction's scorecard: each item's verdict and the turn that decided it."""
    from earful.quality.summary import interaction_qa

    with open_store(db, read_only=True) as con:
        card = interaction_qa(con, interaction, redacted=not raw)
    if card is None:
        raise fail(f"interaction {interaction!r} has no QA score (run `earful qa run`)")
    console.print(f"[bold]{interaction}[/]: score {_fmt(card['score'])}" + (" (auto-failed)" if card["auto_failed"] else "")
                  + ("" if card["current_rubric"] else " — scored under an earlier rubric"), highlight=False)
    t = Table()
    for col in ("item", "verdict", "turn", "evidence"):
        t.add_column(col)
    for it in card["items"]:
        colour = {"pass": "green", "fail": "red"}.get(it["verdict"], "dim")
        t.add_row(it["label"], f"[{colour}]{it['verdict']}[/]", str(it["evidence_seq"] or ""), (it["evidence"] or "")[:90])
    console.print(t)


@qa_app.command("summary")
def qa_summary_cmd(db: DbOption = None,
                   by: Annotated[Optional[str], typer.Option("--by", help="agent, queue, channel, reason, day, week or month.")] = "agent",
                   start: FromOption = None, end: ToOption = None, format: Fmt = "table") -> None:
    """QA score (with its 95 % interval), auto-fails and each item's fail rate per group."""
    from earful.quality.summary import qa_summary

    _check_format(format)
    with open_store(db, read_only=True) as con:
        s = qa_summary(con, by=by, start=parse_day(start, "--from"), end=parse_day(end, "--to"))
    items = [it["name"] for it in s["rubric"]["items"]]
    rows = [{"group": r["group"], "scored": r["scored"], "score": r["score"], "low": r["low"], "high": r["high"],
             "auto_fail_rate": r["auto_fail_rate"],
             **{f"{i}_fail_rate": (r["items"].get(i) or {}).get("fail_rate") for i in items}} for r in s["rows"]]
    if format == "table":
        rows = [{k: v for k, v in r.items() if k in ("group", "scored", "score", "low", "high", "auto_fail_rate")} for r in rows]
    _emit(rows, format, f"QA by {by} ({s['rubric']['name']})")


# ---------------------------------------------------------------------------------- calibration
@qa_app.command("import")
def qa_import(path: Annotated[Path, typer.Argument(help="CSV: interaction,evaluator,item,score.")], db: DbOption = None) -> None:
    """Import human QA evaluations (score 1/0/na, pass/fail/na, yes/no); bad rows are quarantined with the reason."""
    from earful.quality.calibration import import_evaluations

    with open_store(db) as con:
        r = import_evaluations(con, path)
    console.print(f"{r.loaded:,} human scores loaded, {r.skipped:,} already present, {r.quarantined:,} quarantined "
                  f"(`earful quarantine`)", highlight=False)


@qa_app.command("calibrate")
def qa_calibrate(db: DbOption = None,
                 learn: Annotated[bool, typer.Option("--learn", help="Learn item classifiers where people scored enough.")] = False,
                 min_kappa: Annotated[float, typer.Option("--min-kappa", help="Flag items agreeing less than this.")] = 0.7,
                 min_scores: Annotated[int, typer.Option("--min-scores", help="Human scores an item needs to be learnt.")] = 40,
                 format: Annotated[str, typer.Option("--format", "-f", help="table, md or json.")] = "table") -> None:
    """Agreement of earful's verdicts with the imported human scores: kappa, accuracy, total-score correlation."""
    from earful.quality.calibration import agreement, agreement_markdown, learn as learn_items
    from earful.quality.run import score_store

    if format not in ("table", "md", "json"):
        raise fail(f"--format must be table, md or json, not {format!r}")
    with open_store(db) as con:
        learnt = []
        if learn:
            with console.status("learning item classifiers from the human scores…"):
                learnt = learn_items(con, min_scores=min_scores)
            if any(r.kept for r in learnt):
                ids = [r[0] for r in con.execute("SELECT DISTINCT interaction_id FROM qa_evaluations").fetchall()]
                score_store(con, all=True, ids=ids)
        a = agreement(con, min_kappa=min_kappa)
    if format == "json":
        print(json.dumps({"agreement": a.as_dict(), "learnt": [r.__dict__ for r in learnt]}, default=str, indent=1))
        return
    if format == "md":
        print(agreement_markdown(a))
        return
    t = Table(title=f"Agreement with {len(a.evaluators)} evaluator(s) over {a.interactions:,} interactions",
              title_justify="left")
    for col in ("item", "n", "kappa", "95% CI", "accuracy", "detector", ""):
        t.add_column(col, justify="right" if col in ("n", "kappa", "accuracy") else "left")
    for x in a.items:
        t.add_row(x.item, str(x.n), _fmt(x.kappa and round(x.kappa, 2)),
                  "" if x.kappa_low is None else f"{x.kappa_low:.2f}–{x.kappa_high:.2f}", _fmt(x.accuracy, pct=True),
                  x.detector, "[red]below target[/]" if x.flagged else x.note)
    console.print(t)
    console.print(f"total score: Pearson r {_fmt(a.total_r and round(a.total_r, 2))} over {a.total_n:,} interactions; "
                  f"flagged: {', '.join(a.flagged) or 'none'}", highlight=False)
    for r in learnt:
        console.print(f"learn {r.item}: {r.reason}" + (f" (rule kappa {_fmt(r.rule_kappa and round(r.rule_kappa, 2))}, "
                      f"learnt {_fmt(r.learnt_kappa and round(r.learnt_kappa, 2))} cross-validated)" if r.n else ""),
                      highlight=False)


# ---------------------------------------------------------------------------------- agents
@agents_app.command("list")
def agents_list(db: DbOption = None, team: Annotated[Optional[str], typer.Option("--team", help="Only this team.")] = None,
                start: FromOption = None, end: ToOption = None, format: Fmt = "table") -> None:
    """Every agent: contacts, QA score with its interval, auto-fails, CSAT, predicted CSAT, AHT, FCR."""
    from earful.quality.coaching import agents_overview, team_agents

    _check_format(format)
    with open_store(db, read_only=True) as con:
        agents = team_agents(con, team) if team else None
        rows = agents_overview(con, parse_day(start, "--from"), parse_day(end, "--to"), agents=agents)
    _emit(rows, format, f"Agents{' of ' + team if team else ''}")


@agents_app.command("show")
def agents_show(agent: Annotated[str, typer.Argument(help="Agent id.")], db: DbOption = None,
                start: FromOption = None, end: ToOption = None,
                as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False) -> None:
    """An agent against same-queue peers, with 95 % intervals, and a coaching list for each weak QA item."""
    from earful.quality.coaching import agent_report

    with open_store(db, read_only=True) as con:
        r = agent_report(con, agent, parse_day(start, "--from"), parse_day(end, "--to"))
    if as_json:
        print(json.dumps(r, default=str, indent=1))
        return
    console.print(f"[bold]{agent}[/] on {r['queue']}: {r['contacts']:,} contacts against {r['peers']} peers "
                  f"({r['peer_contacts']:,} contacts)", highlight=False)
    t = Table()
    for col in ("measure", "agent", "peers", "difference (95 %)", "verdict"):
        t.add_column(col)

    def est(e: dict, pct: bool) -> str:
        if e["value"] is None:
            return "–"
        f = (lambda v: f"{v:.1%}") if pct else (lambda v: f"{v:,.2f}")
        return f(e["value"]) + ("" if e["low"] is None else f" ({f(e['low'])}–{f(e['high'])})")

    for k, m in r["measures"].items():
        pct = k in ("fcr_rate", "turnaround")
        d = m["difference"]
        t.add_row(m["label"], est(m["agent"], pct), est(m["peers"], pct),
                  "–" if d["value"] is None else f"{d['value']:+.2f} ({d['low']:+.2f} to {d['high']:+.2f})", m["verdict"])
    for it in r["items"]:
        t.add_row(f"fails '{it['label']}'", est(it["agent"], True), est(it["peers"], True),
                  "–" if it["difference"]["value"] is None else f"{it['difference']['value']:+.1%}", it["verdict"])
    console.print(t)
    for it in r["items"]:
        for ex in it.get("coaching", []):
            console.print(f"coach '{it['label']}': {ex['interaction_id']} turn {ex['evidence_seq']}: "
                          f"{(ex['evidence'] or '')[:100]}", highlight=False)


@agents_app.command("teams")
def agents_teams(path: Annotated[Path, typer.Argument(help="CSV: agent_id,team[,name].")], db: DbOption = None) -> None:
    """Load which team each agent is in (a supervisor sees their team on the dashboard)."""
    from earful.quality.teams import import_teams

    with open_store(db) as con:
        n = import_teams(con, path)
    console.print(f"{n:,} agents in teams", highlight=False)
