"""`earful simulate`: a month of contacts with known truth, in earful's canonical format."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

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
) -> None:
    """Simulate a bank's contact centre (voice, chat, e-mail, social, SMS, surveys) with planted truth."""
    from earful.sim import simulate as run, write_simulation

    try:
        first = datetime.strptime(start, "%Y-%m-%d").date()
    except ValueError:
        raise fail(f"--start {start!r} is not a date like 2025-08-01") from None
    try:
        with console.status(f"simulating {days} days from {first} (seed {seed})…"):
            sim = run(days=days, seed=seed, start=first, scale=scale)
            paths = write_simulation(sim, out)
    except EarfulError as e:
        raise fail(str(e)) from None
    counts = ", ".join(f"{n:,} {ch}" for ch, n in sim.counts().items())
    console.print(f"wrote {len(sim.records):,} interactions ({counts}) to [bold]{paths['interactions']}[/]")
    console.print(f"truth: [bold]{paths['truth']}[/]; load with "
                  f"`earful ingest {paths['interactions']} --format earful`")
    console.print("customer words: BANKING77 (PolyAI, CC BY 4.0); everything else simulated by earful")


