"""`earful surveys`: import CSAT/NPS/CES answers, what they say, their drivers, predicted satisfaction."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from earful.cli import app
from earful.cli._common import DbOption, console, open_store, parse_day
from earful.cli.quality import FromOption, ToOption, _bar, _check_format, _emit, _fmt

surveys_app = typer.Typer(help="Surveys: import answers, what they say, key drivers, predicted satisfaction.",
                          no_args_is_help=True)
app.add_typer(surveys_app, name="surveys")


def _est(e: dict | None, pct: bool = False) -> str:
    if not e or e.get("value") is None:
        return "unknown" + (f" ({e['why']})" if e and e.get("why") else "")
    f = (lambda v: f"{v:.1%}") if pct else (lambda v: f"{v:,.2f}")
    return f(e["value"]) + ("" if e.get("low") is None else f" ({f(e['low'])}–{f(e['high'])})")


@surveys_app.command("import")
def surveys_import(path: Annotated[Path, typer.Argument(help="Survey answers (CSV).")],
                   mapping: Annotated[Path, typer.Option("--mapping", help="Survey mapping YAML (docs/surveys.md).")],
                   db: DbOption = None) -> None:
    """Import survey answers, linked to the contact they rate by id or by customer and time."""
    from earful.surveys import import_surveys, load_mapping

    with open_store(db) as con:
        r = import_surveys(con, path, load_mapping(mapping))
    console.print(f"{r.loaded:,} responses loaded ({r.linked_by_id:,} linked by contact id, {r.linked_by_customer:,} by "
                  f"customer and time, {r.unlinked:,} not linked), {r.skipped:,} already present, {r.quarantined:,} "
                  "quarantined (`earful quarantine`)", highlight=False)


@surveys_app.command("summary")
def surveys_summary(db: DbOption = None,
                    by: Annotated[Optional[str], typer.Option("--by", help="channel, queue, agent, reason, survey, day, week or month.")] = None,
                    start: FromOption = None, end: ToOption = None,
                    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """CSAT, top and bottom box, NPS and CES with 95 % intervals, response rate and who did not answer."""
    from earful.surveys.analysis import non_response, summary

    with open_store(db, read_only=True) as con:
        s, e = parse_day(start, "--from"), parse_day(end, "--to")
        rows = summary(con, by=by, start=s, end=e)
        nr = non_response(con, s, e)
    if as_json:
        print(json.dumps({"groups": rows, "non_response": nr}, default=str, indent=1))
        return
    t = Table(title=f"Surveys{' by ' + by if by else ''}", title_justify="left")
    for col in ("group", "answers", "CSAT", "top box (4–5)", "NPS", "CES", "response rate", "not answered"):
        t.add_column(col)
    for r in rows:
        t.add_row(str(r["group"]), f"{r['responses']:,}", _est(r["csat"]), _est(r["csat_top_box"], True), _est(r["nps"]),
                  _est(r["ces"]), _est(r["response_rate"], True) if r["response_rate"] else "–",
                  "–" if r["not_responded"] is None else f"{r['not_responded']:,}")
    console.print(t)
    if nr["answered"] and nr["did_not_answer"]:
        t2 = Table(title="Who answered and who did not", title_justify="left")
        t2.add_column("")
        for k in nr["answered"]:
            t2.add_column(k.replace("_", " "), justify="right")
        for label, d in (("answered", nr["answered"]), ("did not answer", nr["did_not_answer"])):
            t2.add_row(label, *[_fmt(v, pct=k == "p_dissatisfied") for k, v in d.items()])
        console.print(t2)


@surveys_app.command("drivers")
def surveys_drivers(db: DbOption = None,
                    target: Annotated[str, typer.Option("--target", help="csat or nps.")] = "csat",
                    start: FromOption = None, end: ToOption = None,
                    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """What moves CSAT (or NPS): effects with 95 % intervals, in plain words, largest first."""
    from earful.surveys.drivers import key_drivers

    with open_store(db) as con:
        r = key_drivers(con, target, parse_day(start, "--from"), parse_day(end, "--to"))
    if as_json:
        print(json.dumps(r.as_dict(), default=str, indent=1))
        return
    console.print(f"[bold]{target.upper()} drivers[/] over {r.n:,} rated contacts (mean {r.mean:.2f}, R² {r.r2:.2f}):",
                  highlight=False)
    for d in r.drivers:
        console.print(("• " if d.clear else "[dim]• ") + d.words + ("" if d.clear else "[/]"), highlight=False)


@surveys_app.command("verbatims")
def surveys_verbatims(db: DbOption = None, scale: Annotated[str, typer.Option("--scale", help="csat or nps bands.")] = "csat",
                      per_band: Annotated[int, typer.Option("--per-band", min=1, max=100)] = 5,
                      start: FromOption = None, end: ToOption = None) -> None:
    """Comments by score band, redacted, newest first."""
    from earful.surveys.analysis import verbatims

    with open_store(db, read_only=True) as con:
        bands = verbatims(con, scale, parse_day(start, "--from"), parse_day(end, "--to"), per_band=per_band)
    for b in bands:
        console.print(f"[bold]{b['band']}[/] — {b['comments']:,} comments", highlight=False)
        for q in b["quotes"]:
            console.print(f"  “{q['text']}” ({q['channel'] or 'unlinked'}, {q['answered_at'][:10]})", highlight=False)


@surveys_app.command("detractors")
def surveys_detractors(db: DbOption = None, start: FromOption = None, end: ToOption = None,
                       limit: Annotated[int, typer.Option("--limit", min=1, max=10000)] = 50,
                       format: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table") -> None:
    """The responses to call back (NPS 0–6 or CSAT 1–2), newest first, with the contact and the redacted comment."""
    from earful.surveys.analysis import detractors

    _check_format(format)
    with open_store(db, read_only=True) as con:
        d = detractors(con, parse_day(start, "--from"), parse_day(end, "--to"), limit=limit)
    _emit(d["items"], format, f"Detractors ({d['total']:,} in all)")


@surveys_app.command("train")
def surveys_train(db: DbOption = None, folds: Annotated[int, typer.Option("--folds", min=2, max=20)] = 5,
                  seed: Annotated[int, typer.Option("--seed")] = 0) -> None:
    """Learn predicted satisfaction from the rated contacts; report AUC and MAE by cross-validation."""
    from earful.surveys.predict import train_store

    with open_store(db) as con:
        with console.status("learning satisfaction from the rated contacts…"):
            _, r = train_store(con, folds=folds, seed=seed)
    console.print(f"learnt from {r.trained_on:,} rated contacts ({r.dissatisfied} dissatisfied, CSAT 1–2). On contacts "
                  f"each fold's model never saw: AUC for dissatisfied {_fmt(r.auc and round(r.auc, 3))} "
                  f"(95 % {_fmt(r.auc_low and round(r.auc_low, 3))}–{_fmt(r.auc_high and round(r.auc_high, 3))}), "
                  f"MAE {r.mae:.3f} CSAT points (always the median: {r.mae_baseline:.3f}), Brier {r.brier:.4f}",
                  highlight=False)


@surveys_app.command("predict")
def surveys_predict(db: DbOption = None) -> None:
    """Predict every answered contact's satisfaction with the store's model (`earful surveys train`)."""
    from earful.surveys.predict import predict_store

    with open_store(db) as con:
        with _bar("predicting") as bar:
            task = bar.add_task("predict", total=None)
            n = predict_store(con, progress=lambda d, t: bar.update(task, completed=d, total=t))
        row = con.execute("SELECT avg(predicted_csat), avg(p_dissatisfied) FROM satisfaction_predictions").fetchall()[0]
    console.print(f"predicted {n:,} contacts: mean predicted CSAT {_fmt(row[0] and round(row[0], 2))}, "
                  f"{_fmt(row[1], pct=True)} expected to be dissatisfied", highlight=False)


@surveys_app.command("calibrate-sentiment")
def surveys_calibrate_sentiment(db: DbOption = None, min_comments: Annotated[int, typer.Option(
        "--min-comments", min=10, help="Rated comments a channel needs for its own calibration.")] = 50) -> None:
    """Calibrate sentiment per channel from the rated survey comments; `earful enrich --all` then uses it."""
    from earful.nlp.calibration import fit_sentiment_calibration

    with open_store(db) as con:
        with console.status("calibrating sentiment on the rated comments…"):
            cal = fit_sentiment_calibration(con, min_comments=min_comments)
    if cal is None:
        console.print(f"fewer than {min_comments} rated comments (CSAT ≤ 2 or ≥ 4, with both kinds): "
                      "sentiment keeps the shipped scale and its ±1/3 neutral band", highlight=False)
        return
    for name, n in cal.comments_.items():
        lo, hi = cal.edges_[name]
        console.print(f"{'all channels' if name == '*' else name}: {n:,} rated comments, neutral between "
                      f"{lo:+.2f} and {hi:+.2f} on the calibrated score", highlight=False)
    console.print("run `earful enrich --all` to re-score the stored contacts with it", highlight=False)
