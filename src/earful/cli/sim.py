"""`earful simulate`: a month of contacts with known truth, in earful's canonical format."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Optional

import typer

from earful.cli import app
from earful.cli._common import console, fail
from earful.errors import EarfulError


@app.command()
def simulate(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for interactions.jsonl and truth.json.")],
    days: Annotated[int, typer.Option(help="How many days to simulate.")] = 30,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives byte-identical files.")] = 7,
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD.")] = "2025-08-01",
    scale: Annotated[float, typer.Option(help="Volume multiplier (1.0 is about 1,000 contacts a weekday).")] = 1.0,
    holidays: Annotated[Optional[str], typer.Option(help="Public holidays of a country (e.g. GB-ENG) get "
                                                    "--holiday-volume times a day's contacts.")] = None,
    holiday_volume: Annotated[float, typer.Option(help="Volume of a holiday, as a share of its weekday's.")] = 0.35,
    campaign: Annotated[Optional[list[str]], typer.Option(help="Days with more contacts: FROM..TO:MULTIPLIER, e.g. "
                                                          "2025-05-12..2025-05-14:1.5 (repeatable).")] = None,
) -> None:
    """Simulate a bank's contact centre (voice, chat, e-mail, social, SMS, surveys) with planted truth."""
    try:
        from earful.sim import simulate as run, write_simulation
    except ModuleNotFoundError as e:
        raise fail(f"earful simulate needs {e.name!r}: install the sim extra (pip install 'earful[sim]')") from None

    try:
        first = datetime.strptime(start, "%Y-%m-%d").date()
    except ValueError:
        raise fail(f"--start {start!r} is not a date like 2025-08-01") from None
    try:
        mult = _day_multipliers(first, days, holidays, holiday_volume, campaign or [])
        with console.status(f"simulating {days} days from {first} (seed {seed})…"):
            sim = run(days=days, seed=seed, start=first, scale=scale, day_multipliers=mult)
            paths = write_simulation(sim, out)
    except EarfulError as e:
        raise fail(str(e)) from None
    counts = ", ".join(f"{n:,} {ch}" for ch, n in sim.counts().items())
    console.print(f"wrote {len(sim.records):,} interactions ({counts}) to [bold]{paths['interactions']}[/]")
    console.print(f"truth: [bold]{paths['truth']}[/]; load with "
                  f"`earful ingest {paths['interactions']} --format earful`")
    console.print("customer words: BANKING77 (PolyAI, CC BY 4.0); everything else simulated by earful")




def _day_multipliers(first: date, days: int, holidays: Optional[str], holiday_volume: float,
                     campaigns: list[str]) -> dict[date, float]:
    """Holidays of a country (the holidays package) and campaign ranges, as day -> volume multiplier."""
    from earful.wfm.calendar import HolidayCalendar, parse_dates

    out: dict[date, float] = {}
    if holidays:
        country, _, sub = holidays.partition("-")
        cal = HolidayCalendar(country.upper(), sub.upper() or None)
        out.update({d: holiday_volume for d in cal.between(first, first + timedelta(days=days - 1))})
    for text in campaigns:
        dates, sep, mult = text.rpartition(":")
        try:
            m = float(mult)
        except ValueError:
            m = float("nan")
        if not sep or not m == m:
            raise fail(f"--campaign {text!r}: use FROM..TO:MULTIPLIER, e.g. 2025-05-12..2025-05-14:1.5")
        out.update({d: m for d in parse_dates(dates, "--campaign")})
    return out
