"""`make demo`: simulate a month of contacts, load it, run every analysis, serve the dashboard.

Run as ``python -m earful.demo [--db FILE] [--days 30] [--seed 7] [--no-serve]``. Everything is
deterministic for a seed; a second run reuses the store (imports are idempotent).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from earful.errors import EarfulError

console = Console()

DEMO_USERS = (  # (user, password, role, department): printed on screen, for the demo only
    ("admin", "demo-admin", "admin", None),
    ("analyst", "demo-analyst", "analyst", None),
    ("operations", "demo-operations", "department", "operations"),
    ("product", "demo-product", "department", "product"),
    ("exec", "demo-exec", "executive", None),
    ("supervisor", "demo-supervisor", "supervisor", "voice-1"),   # a supervisor's team,
    ("agent", "demo-agent", "agent", "A014"),                     # an agent's own id
)


class _Steps:
    """Runs the demo's steps in order, timing each; a step that fails is reported, not fatal."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float, str]] = []
        self._bar = self._task = None

    def run(self, name: str, fn: Callable[[], str]) -> None:
        from earful.cli._common import progress_bar

        t0 = time.perf_counter()
        with progress_bar(f"{name} …" + " {task.description}", count=False, on=console) as self._bar:
            self._task = self._bar.add_task("", total=None)
            try:
                note = fn() or ""
            except EarfulError as exc:
                note = f"[red]failed:[/] {exc}"
        self._bar = self._task = None
        dt = time.perf_counter() - t0
        self.rows.append((name, dt, note))
        console.print(f"[green]✓[/] {name} [dim]({dt:.1f} s)[/] {note}", highlight=False)

    def report(self, stage: str, done: int, total: int) -> None:
        """Progress of the running step (``stage``: what it is doing), for the bar's time left."""
        if self._bar is not None:
            self._bar.update(self._task, description=stage, completed=done, total=total)

    @property
    def seconds(self) -> float:
        return sum(dt for _, dt, _ in self.rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m earful.demo", description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="earful-demo.duckdb", help="the demo store (default ./earful-demo.duckdb)")
    ap.add_argument("--out", default="demo-out", help="folder for the simulated files and the report")
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--no-serve", action="store_true", help="stop after the analyses (no web server)")
    ap.add_argument("--full-redaction", action="store_true",
                    help="redact names with Presidio's NER as well (about 10x slower than the default cues)")
    ap.add_argument("--topic-days", type=int, default=7, help="discover topics in the last N days' contacts")
    ap.add_argument("--train-per-reason", type=int, default=40,
                    help="dispositioned examples per reason to train the reason classifier on")
    args = ap.parse_args(argv)
    try:
        return _run(args)
    except EarfulError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False)
        return exc.exit_code


def _run(args: argparse.Namespace) -> int:
    sock = None
    if not args.no_serve:  # the port first: a busy one is one line before a minute of work
        from earful.cli.web import listen

        sock = listen(args.host, args.port)
    try:
        return _steps_then_serve(args, sock)
    finally:
        if sock is not None:
            sock.close()


def _steps_then_serve(args: argparse.Namespace, sock) -> int:
    from earful.store import connect

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    console.rule("[bold]earful demo")
    console.print(
        "Data: a simulated month of a retail bank's contact centre (earful's own discrete-event "
        "simulator, seed {seed}); the customers' words are real utterances from BANKING77 "
        "(PolyAI, CC BY 4.0).".format(seed=args.seed), highlight=False)
    steps = _Steps()
    con = connect(args.db)
    try:
        for name, fn in _pipeline(con, args, out, steps.report):
            steps.run(name, fn)
    finally:
        con.close()
    console.print(f"[bold]{len(steps.rows)} steps in {steps.seconds:.0f} s[/]", highlight=False)
    con = connect(args.db, read_only=True)
    try:
        console.print(_findings(con))
    finally:
        con.close()
    console.print("Value estimates (the ledger's): emerging issues = contacts a fix avoids; drivers = a year of half "
                  "the avoidable cost (formulas in src/earful/ledger/examples/value.yaml).", highlight=False)
    console.print(f"Executive briefing: [bold]{out / 'briefing.html'}[/]   store: [bold]{args.db}[/] "
                  f"(try `earful metrics --db {args.db} --by day`)", highlight=False)
    failed = [name for name, _, note in steps.rows if note.startswith("[red]failed")]
    if failed:
        console.print(f"[bold red]{len(failed)} step(s) failed:[/] {', '.join(failed)}", highlight=False)
    if args.no_serve:
        return 1 if failed else 0
    return _serve(args, sock)


def _pipeline(con, args: argparse.Namespace, out: Path, stage: Callable[[str, int, int], None] | None = None
              ) -> list[tuple[str, Callable[[], str]]]:
    """The demo's steps: each a (title, function returning a one-line result); ``stage(what, done,
    total)`` draws the running step's progress."""
    steps: list[tuple[str, Callable[[], str]]] = []
    state = {"new": 0}  # contacts this run loaded: models are refitted only when there are some

    def simulate_and_load() -> str:
        from earful.ingest import ingest_file
        from earful.sim import simulate, write_simulation

        sim_dir = out / f"sim-{args.days}d-seed{args.seed}"
        if not (sim_dir / "interactions.jsonl").exists():
            write_simulation(simulate(days=args.days, seed=args.seed), sim_dir)
        r = ingest_file(con, sim_dir / "interactions.jsonl", "earful",
                        progress=None if stage is None else lambda frac, msg: stage(msg, round(1000 * frac), 1000))
        state["new"] = r.loaded
        return (f"{r.loaded:,} contacts loaded, {r.skipped:,} already present, "
                f"{r.quarantined} quarantined ({sim_dir})")

    steps.append(("simulate a month and load it", simulate_and_load))
    steps.append(("hear a handful of recorded calls", lambda: _recorded_calls(con, out)))

    def service_definitions() -> str:
        from importlib.resources import files

        from earful.metrics.definitions import definitions_table, save_definitions, stored_definitions

        path = files("earful.metrics") / "examples" / "service.yaml"
        if stored_definitions(con).text is None:  # keep what a director already set
            save_definitions(con, path.read_text(encoding="utf-8"))
        defs = stored_definitions(con)
        return ("; ".join(f"{r['channel']} {r['standard']}" for r in definitions_table(defs)[:5])
                + f"; shrinkage {defs.shrinkage:.0%} (src/earful/metrics/examples/service.yaml)")

    steps.append(("service definitions: each channel's own target", service_definitions))

    def enrich_text() -> str:
        from earful.nlp.enrich import enrich

        n = enrich(con, fast=not args.full_redaction,
                   progress=None if stage is None else lambda done, total: stage("enriching", done, total))
        red = con.execute("SELECT count(*) FROM enrichment WHERE redacted_text IS DISTINCT FROM NULL "
                          "AND redacted_text LIKE '%[%]%'").fetchone()[0]
        mode = "Presidio names + patterns" if args.full_redaction else "validated patterns and name cues"
        return f"{n:,} interactions enriched (redaction: {mode}); {red:,} carried personal data, now redacted"

    steps.append(("redact, sentiment, feedback type, mentions", enrich_text))

    def reasons() -> str:
        from earful.nlp.models import assign_reasons, labelled_from_disposition, train_reasons

        if not state["new"] and _has_model(con, "reasons"):
            return "already trained on this store (nothing new loaded)"
        texts, labels = labelled_from_disposition(con)
        texts, labels = _per_label(texts, labels, args.train_per_reason)
        # Word and character n-grams only: the sentence embedding adds a point of accuracy for
        # ~5 ms a contact on two cores, more than the whole demo may spend (docs/nlp-models.md).
        model = train_reasons(con, texts, labels, source="disposition", embedding_weight=0.0, progress=stage)
        n = assign_reasons(con, model, progress=stage)
        agree = con.execute("SELECT avg(CASE WHEN e.reason = i.disposition THEN 1.0 ELSE 0.0 END) FROM enrichment e "
                            "JOIN interactions i ON i.id = e.interaction_id WHERE i.disposition IS NOT NULL "
                            "AND e.reason IS NOT NULL").fetchone()[0] or 0.0
        return (f"classifier trained on {len(texts):,} agent-labelled contacts ({len(model.classes_)} reasons); "
                f"{n:,} contacts classified, {agree:.0%} agree with the agent's disposition")

    steps.append(("learn contact reasons from the agents' dispositions", reasons))

    def topics() -> str:
        from datetime import timedelta

        from earful.nlp.models import fit_topics

        if not state["new"] and _has_model(con, "topics"):
            return "already found on this store (nothing new loaded)"
        hi = con.execute("SELECT max(offered_at)::DATE FROM interactions").fetchone()[0]
        lo = hi - timedelta(days=args.topic_days - 1)
        model = fit_topics(con, seed=args.seed, start=lo, end=hi, progress=stage)
        top = sorted(model.topics(), key=lambda t: -t["size"])[:3]
        return (f"{model.n_topics_} topics in the last {args.topic_days} days; largest: "
                + "; ".join(f"{t['label']} ({t['size']:,})" for t in top))

    steps.append(("discover topics nobody labelled", topics))

    def qa() -> str:
        from earful.quality.coaching import agents_overview
        from earful.quality.run import score_store

        n = score_store(con)
        mean, auto = con.execute("SELECT avg(score), avg(CASE WHEN auto_failed THEN 1.0 ELSE 0.0 END) FROM qa_scores").fetchall()[0]
        low = [r for r in agents_overview(con) if r["qa_scored"] >= 30 and r["qa_score"] is not None]
        worst = min(low, key=lambda r: r["qa_score"]) if low else None
        return (f"{n:,} interactions scored against the default rubric: mean {mean:.1f}/100, {auto:.0%} failing an auto-fail item"
                + (f"; lowest agent {worst['agent']} ({worst['qa_score']:.0f})" if worst else ""))

    steps.append(("score every interaction against the QA rubric", qa))

    def teams() -> str:
        from earful.quality.teams import set_teams

        agents = [r[0] for r in con.execute("SELECT DISTINCT agent_id FROM interactions WHERE agent_id IS NOT NULL").fetchall()]
        rows = [(a, _demo_team(a), None) for a in sorted(agents)]
        set_teams(con, rows)
        return f"{len(rows)} agents in {len({t for _, t, _ in rows})} teams (supervisor logins see theirs)"

    steps.append(("put the agents in teams", teams))

    def satisfaction() -> str:
        from earful.surveys.predict import predict_store, train_store

        _, r = train_store(con, seed=args.seed)
        n = predict_store(con)
        return (f"learnt from {r.trained_on:,} rated contacts; on contacts it never saw, AUC for dissatisfied "
                f"{r.auc:.2f}, MAE {r.mae:.2f} CSAT points; {n:,} contacts predicted")

    steps.append(("predict satisfaction for the contacts nobody rated", satisfaction))

    def metrics() -> str:
        from earful.metrics.service import service_summary

        s = service_summary(con)
        parts = [f"{c['channel']} {c['service_level']['value']:.1%} vs {c['service_level']['target']:.0%}"
                 for c in s["channels"] if c["service_level"]["value"] is not None]
        t = s["totals"]
        qa = (s.get("total_row") or {}).get("qa_score")
        return (f"service level against each channel's own target: {', '.join(parts)}; all channels "
                f"{t['service_level']['value']:.1%} of contacts on time (target {t['service_level']['target']:.1%}); "
                f"voice ASA {next(c['asa_s']['value'] for c in s['channels'] if c['channel'] == 'voice'):.0f} s, "
                f"FCR {t['fcr_rate']['value']:.0%} (7 days), CSAT {t['csat_avg']['value']:.2f}"
                + (f", QA {qa:.1f}" if qa is not None else ""))

    steps.append(("operational metrics", metrics))

    def staffing() -> str:
        from earful.staffing.requirement import intraday_requirement

        out = []
        for ch in ("voice", "chat", "email"):
            r = intraday_requirement(con, ch)
            peak = r.rows()[r.peak]
            model = "Erlang C" if r.model == "erlang_c" else "backlog + response target"
            out.append(f"{ch} peak {peak['agents']} agents ({peak['positions']} rostered) at {str(peak['start'])[:5]} "
                       f"for {peak['volume']:.0f} contacts ({model})")
        return "; ".join(out) + f", shrinkage {r.shrinkage:.0%}"

    steps.append(("staffing per channel, every interval of the average day", staffing))

    def plan_next_week() -> str:
        from earful.wfm.plan import PlanConfig, forecast_run, schedule_run

        if args.days < 14:
            return f"{args.days} days of history: a forecast needs two weeks (run the demo with --days 14 or more)"
        run = forecast_run(con, PlanConfig(), queues=["voice", "chat"])
        f = run.forecasts[[x.queue for x in run.forecasts].index("voice")]
        s = schedule_run(con, PlanConfig(), queue="voice", replications=3, rounds=1, check_replications=10)
        return (f"next week's voice: {f.volume.sum():,.0f} calls forecast; {s.schedule.agents} agents, "
                f"{s.schedule.paid_hours:,.0f} paid hours ({s.schedule.gap:+.1%} on the LP bound); predicted "
                f"service level {s.check.overall_sl:.0%}, target met in {s.check.open_met:.0%} of open half hours "
                "(the Planning page)")

    steps.append(("forecast next week and schedule it", plan_next_week))

    def insights() -> str:
        from earful.insights import find_insights

        reviewed = _review_competitors(con)
        found = find_insights(con)
        kinds: dict[str, int] = {}
        for item in found:
            kinds[item.kind] = kinds.get(item.kind, 0) + 1
        return (f"{len(found)} insights stored: " + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(kinds.items()))
                + f"; {reviewed}")

    steps.append(("find what is newly going wrong, and what it costs", insights))

    def ledger() -> str:
        from importlib.resources import files

        from earful.insights import wording
        from earful.ledger.routing import load_routing, route_insights
        from earful.ledger.value import load_value_model, reconcile, record_estimates

        examples = files("earful.ledger") / "examples"
        routes = route_insights(con, load_routing(str(examples / "routing.yaml")), who="demo")
        record_estimates(con, load_value_model(str(examples / "value.yaml")), who="demo")
        depts = len({d for _, d, _ in routes})
        month = con.execute("SELECT strftime(max(offered_at), '%Y-%m') FROM interactions").fetchone()[0]
        t = (reconcile(con, month=month)["totals"] or [{}])[0]
        worth = wording.money(t["estimated"], t["currency"]) if t else "nothing estimated"
        done = f"{len(routes)} new routes to {depts} departments" if routes else "every insight already routed"
        return (f"{done}; estimated value of {month} (the ledger's figure, each insight counted once): {worth} "
                "(rules and formulas: src/earful/ledger/examples/)")

    steps.append(("route insights to departments, estimate their value", ledger))
    steps.append(("take the strategic assessment", lambda: _assessment(con)))

    def report() -> str:
        from earful.report import write_report

        lo, hi = con.execute("SELECT min(offered_at)::DATE, max(offered_at)::DATE FROM interactions").fetchone()
        lo = max(lo, hi.replace(day=1))  # the briefing is the month of the last day loaded
        paths = write_report(con, lo, hi, out / "briefing.html")
        return f"executive briefing: {paths[0]}"

    steps.append(("write the executive briefing", report))
    return steps


def _demo_team(agent: str) -> str:
    """The simulator's agents in teams: two voice teams by number, and one each for specialists, chat and writing."""
    if agent.startswith("A") and agent[1:].isdigit():
        return "voice-1" if int(agent[1:]) <= 12 else "voice-2"
    return {"S": "specialist", "C": "chat"}.get(agent[0], "written") if len(agent) == 3 else "written"


def _assessment(con) -> str:
    """The maturity snapshot from the store's evidence alone, kept for the next one to compare with."""
    from earful.assess import assess, save

    a = assess(con)
    save(con, a, who="demo")
    levels = ", ".join(f"{d.title.split(' (')[0].lower()} {d.level:.1f}" for d in a.dimensions if d.level is not None)
    return (f"levels 1-5: {levels}; {len(a.questions)} practices for the director to answer "
            "(earful assess --ask, or --answers src/earful/assess/examples/answers.yaml)")


def _recorded_calls(con, out: Path) -> str:
    """Three calls spoken by espeak-ng (stereo, telephone, mono; one reads a card number out),
    answered on the month's last day by its agents, heard by the speech model once (a second run
    finds them already imported)."""
    import shutil

    try:
        from earful.voice.ingest import ingest_recordings
        from earful.voice.synth import render, script_for, write_call
    except ImportError:
        return "skipped: the voice extra is not installed (pip install -e '.[voice]')"
    if shutil.which("espeak-ng") is None:
        return "skipped: espeak-ng is not installed (it speaks the demo's calls)"
    folder = out / "recordings"
    folder.mkdir(exist_ok=True)
    day, agents = con.execute("SELECT max(answered_at)::DATE, list(DISTINCT agent_id ORDER BY agent_id) FILTER "
                              "(WHERE agent_id IS NOT NULL) FROM interactions WHERE channel = 'voice'").fetchone()
    queue = con.execute("SELECT mode(queue) FROM interactions WHERE channel = 'voice'").fetchone()[0]
    rows = ["file,source_id,queue,agent_id,answered_at,disposition"]
    plan = [("stereo", dict(card=True, overlap_s=0.6)), ("telephone", dict(hold_s=35.0)), ("mono", {})]
    for k, (layout, kw) in enumerate(plan):
        name = f"call-{k + 1}-{layout}.wav"
        script = script_for(20 + k, **kw)
        if not (folder / name).exists():
            write_call(folder / name, render(script), layout)
        rows.append(f"{name},REC-{k + 1},{queue},{(agents or ['A1'])[k % max(len(agents or []), 1)]},"
                    f"{day} {10 + k}:15:00,{script.reason or ''}")
    (folder / "calls.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    # one process: three short calls do not repay a second worker loading the models again
    r = ingest_recordings(con, folder, metadata=folder / "calls.csv", source="recordings", workers=1)
    beeped = con.execute("SELECT count(*), coalesce(sum(redacted_spans), 0) FROM voice_audio").fetchone()
    note = (f"{r.loaded} heard ({r.audio_s / 60:.1f} min of audio, {r.cpu_s:.0f} CPU s), {r.skipped} already heard; "
            f"{beeped[1]} stretch(es) of personal data beeped out of {beeped[0]} recordings")
    return note + f" ({folder})"


def _has_model(con, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM models WHERE name = ?", [name]).fetchone()[0])


def _findings(con) -> Table:
    """What a director would want first: what is rising, and the three costliest drivers, each with
    its value as the ledger has it."""
    from earful.insights import wording
    from earful.ledger.value import _LATEST_ESTIMATE

    rows = con.execute(f"""
        SELECT i.kind, i.title, (SELECT string_agg(r.department, ', ' ORDER BY r.department) FROM ledger_routes r
                                 WHERE r.insight_id = i.id), v.amount, v.currency
        FROM insights i LEFT JOIN ({_LATEST_ESTIMATE}) v ON v.insight_id = i.id
        WHERE i.retired_at IS NULL AND (i.kind = 'emerging_issue'
              OR (i.kind = 'driver' AND CAST(json_extract(i.metrics, '$.rank') AS INTEGER) <= 3))
        ORDER BY i.kind DESC, i.episode_start, CAST(json_extract(i.metrics, '$.rank') AS INTEGER)""").fetchall()
    table = Table(title="What earful heard this month", title_justify="left")
    table.add_column("kind")
    table.add_column("finding")
    table.add_column("goes to")
    table.add_column("value estimate", justify="right")
    for kind, title, dept, amount, currency in rows:
        table.add_row(kind.replace("_", " "), title, dept or "", wording.money(amount, currency) if amount else "")
    return table


def _per_label(texts: list[str], labels: list[str], per_label: int) -> tuple[list[str], list[str]]:
    """At most ``per_label`` examples of each label, first come first served (deterministic)."""
    seen: dict[str, int] = {}
    keep = []
    for t, y in zip(texts, labels):
        if seen.get(y, 0) < per_label:
            seen[y] = seen.get(y, 0) + 1
            keep.append((t, y))
    return [t for t, _ in keep], [y for _, y in keep]


def _serve(args: argparse.Namespace, sock) -> int:
    from earful.cli.web import run_server
    from earful.store import connect
    from earful.web.auth import add_user

    con = connect(args.db)
    try:
        for user, password, role, scope in DEMO_USERS:
            add_user(con, user, password, role, scope if role == "department" else None, replace=True,
                     agent_id=scope if role == "agent" else None, team=scope if role == "supervisor" else None)
    finally:
        con.close()
    url = f"http://{args.host}:{args.port}/"
    console.rule("[bold]dashboard")
    console.print(f"Open [bold]{url}[/] — demo logins (user / password):")
    for user, password, role, department in DEMO_USERS:
        console.print(f"  {user:<11} {password:<16} {role}{' (' + department + ')' if department else ''}")
    run_server(Path(args.db), sock, show=lambda line: console.print(line, highlight=False))
    return 0


# The simulated bank's two rivals: what its reviewer confirms on the competitor review list.
DEMO_RIVALS = ("Northwind Bank", "Fernleaf Bank")


def _review_competitors(con) -> str:
    """Propose competitor names from the month's words; the demo's reviewer confirms the simulated
    bank's rivals (a centre does this with `earful competitors review` / `confirm`)."""
    from earful.insights.competitors import decide, propose, review_list

    propose(con)
    rivals = [n.name for n in review_list(con, "proposed") if n.name in DEMO_RIVALS]
    if rivals:
        decide(con, rivals, "confirmed", who="demo")
    return f"competitor names confirmed on the review list: {', '.join(rivals) or 'none'}"


if __name__ == "__main__":
    sys.exit(main())

