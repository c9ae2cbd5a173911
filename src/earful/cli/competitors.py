"""`earful competitors`: the review list of competitor names customers set against the centre."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from earful.cli import app
from earful.cli._common import DbOption, console, fail, open_store, parse_day
from earful.cli.ledger import WhoOption, _who

competitors_app = typer.Typer(help="Competitor names from customers' words: review, confirm, reject.",
                              no_args_is_help=True)
app.add_typer(competitors_app, name="competitors")

@competitors_app.command("review")
def competitors_review(
        db: DbOption = None,
        start: Annotated[Optional[str], typer.Option("--from", help="First day (YYYY-MM-DD; default: the first loaded).")] = None,
        end: Annotated[Optional[str], typer.Option("--to", help="Last day, included (default: the last loaded).")] = None,
        brand: Annotated[Optional[list[str]], typer.Option("--brand", help="The centre's own brand or handle (repeatable; "
                                                           "handles most customers address are learnt).")] = None,
        min_mentions: Annotated[int, typer.Option("--min-mentions", help="Propose a name named this often.")] = 2,
        show_all: Annotated[bool, typer.Option("--all", help="Also list confirmed and rejected names.")] = False) -> None:
    """Propose the names customers set against the centre ("switching to X", "X is cheaper") and
    list the ones waiting for a decision, with a redacted example each. Only confirmed names (and
    the configuration's `competitors`) count in insights."""
    from earful.insights.competitors import loaded_days, propose, review_list
    from earful.insights.evidence import customer_texts

    with open_store(db) as con:
        lo, hi = loaded_days(con)
        if lo is None:
            raise fail("no interactions in the store: load some first (earful ingest)")
        s, e = parse_day(start, "--from") or lo, parse_day(end, "--to") or hi
        with console.status("reading what customers said…"):
            waiting = propose(con, s, e, brands=tuple(brand or ()), min_mentions=min_mentions)
        names = review_list(con) if show_all else waiting
        examples = customer_texts(con, [n.example_ids[0] for n in names if n.example_ids])
    if not names:
        console.print(f"no competitor names waiting for review ({s} to {e})", highlight=False)
        return
    t = Table(title=f"Competitor names customers used, {s} to {e}", title_justify="left")
    for col in ("name", "mentions", "status", "last seen", "a customer said"):
        t.add_column(col, justify="right" if col == "mentions" else "left", max_width=70 if col == "a customer said" else None)
    for n in names:
        ex = examples.get(n.example_ids[0], "") if n.example_ids else ""
        t.add_row(n.name, f"{n.mentions:,}", n.status + (f" by {n.decided_by}" if n.decided_by else ""),
                  str(n.last_seen or "—"), f"“{ex[:160]}”" if ex else "")
    console.print(t)
    console.print("confirm: earful competitors confirm NAME…   reject: earful competitors reject NAME…", highlight=False)


def _decide(names: list[str], db, who: str | None, status: str, after: str = "") -> None:
    from earful.insights.competitors import decide

    with open_store(db) as con:
        done = decide(con, names, status, _who(who))
    console.print(f"{status}: {', '.join(done)}{after}", highlight=False)


@competitors_app.command("confirm")
def competitors_confirm(names: Annotated[list[str], typer.Argument(help="Names to count as competitors.")],
                        db: DbOption = None, who: WhoOption = None) -> None:
    """Count these names as competitors in insights from the next run."""
    _decide(names, db, who, "confirmed", " (counted from the next `earful insights`)")


@competitors_app.command("reject")
def competitors_reject(names: Annotated[list[str], typer.Argument(help="Names that are not competitors.")],
                       db: DbOption = None, who: WhoOption = None) -> None:
    """Never count or propose these names again (the brand's own products, platforms, places)."""
    _decide(names, db, who, "rejected")
