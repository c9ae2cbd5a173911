"""The competitor review list: names customers set against the centre, proposed from their words
(:class:`earful.nlp.mentions.CompetitorFinder`), confirmed or rejected by a person.

Only the centre's lexicon competitors (``competitors:`` in the insights configuration) and
confirmed names count in insights; a rejected name is never proposed again. The centre's own
brand words are learnt from the handles its customers address (:class:`earful.nlp.hygiene.TextCleaner`)
plus any given, so "Spotify" is never proposed to Spotify.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone

import duckdb

from earful.errors import InputError
from earful.store.schema import has_table

STATUSES = ("proposed", "confirmed", "rejected")


@dataclass
class ReviewedName:
    name: str
    status: str
    mentions: int
    first_seen: date | None
    last_seen: date | None
    example_ids: list[str]
    decided_by: str | None = None


def _require(con: duckdb.DuckDBPyConnection) -> None:
    if not has_table(con, "competitor_names"):
        raise InputError("this store has no competitor review list yet: run `earful init` to bring it up to date")


def decided(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Name (lower case) → 'confirmed' or 'rejected' (nothing when the store predates the list)."""
    if not has_table(con, "competitor_names"):
        return {}
    return {n.lower(): s for n, s in con.execute(
        "SELECT name, status FROM competitor_names WHERE status <> 'proposed'").fetchall()}


def confirmed_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names a person confirmed as competitors."""
    if not has_table(con, "competitor_names"):
        return []
    return [r[0] for r in con.execute("SELECT name FROM competitor_names WHERE status = 'confirmed' ORDER BY name").fetchall()]


def loaded_days(con: duckdb.DuckDBPyConnection) -> tuple[date | None, date | None]:
    """First and last day with interactions in the store."""
    return con.execute("SELECT min(CAST(coalesce(offered_at, answered_at, ended_at) AS DATE)), "
                       "max(CAST(coalesce(offered_at, answered_at, ended_at) AS DATE)) FROM interactions").fetchone()


def propose(con: duckdb.DuckDBPyConnection, start: date | None = None, end: date | None = None, *, brands: tuple[str, ...] = (),
            lexicon=None, min_mentions: int = 2) -> list[ReviewedName]:
    """Find names customers set against the centre in ``start``..``end`` and put them on the review
    list as *proposed* (mention counts refreshed; earlier proposals not found again leave it;
    decisions are kept). Returns the proposed names, most mentioned first."""
    from earful.nlp.hygiene import TextCleaner
    from earful.nlp.mentions import CompetitorFinder

    _require(con)
    lo, hi = loaded_days(con)
    start, end = start or lo, end or hi
    if start is None:
        return review_list(con, status="proposed")
    rows = con.execute("""
        WITH t AS (SELECT interaction_id, string_agg(text, chr(10) ORDER BY seq) AS words FROM turns
                   WHERE speaker = 'customer' GROUP BY 1)
        SELECT i.id, coalesce(t.words, i.text) AS words, CAST(coalesce(i.offered_at, i.answered_at, i.ended_at) AS DATE)
        FROM interactions i LEFT JOIN t ON t.interaction_id = i.id
        WHERE CAST(coalesce(i.offered_at, i.answered_at, i.ended_at) AS DATE) BETWEEN ? AND ?
          AND coalesce(t.words, i.text) IS NOT NULL AND i.channel <> 'survey'
    """, [start, end]).fetchall()
    texts = [r[1] for r in rows]
    cleaner = TextCleaner(brands=brands).fit(texts)
    finder = CompetitorFinder(lexicon=lexicon, brands=cleaner.brand_words_, min_mentions=min_mentions).fit(texts)
    days = {r[0]: r[2] for r in rows}
    done = decided(con)
    found = [p for p in finder.propose(texts, [r[0] for r in rows]) if done.get(p.name.lower()) != "rejected"]
    # a proposal this reading no longer finds leaves the list (decisions stay)
    con.execute("DELETE FROM competitor_names WHERE status = 'proposed' AND NOT list_contains(?, lower(name))",
                [[p.name.lower() for p in found]])
    known = {n.lower() for n, in con.execute("SELECT name FROM competitor_names").fetchall()}
    for p in found:
        seen = sorted(days[i] for i in p.ids if days.get(i))
        if p.name.lower() in known:
            con.execute("UPDATE competitor_names SET mentions = ?, last_seen = greatest(last_seen, ?), "
                        "first_seen = least(first_seen, ?), example_ids = ? WHERE lower(name) = lower(?)",
                        [p.mentions, seen[-1] if seen else None, seen[0] if seen else None,
                         json.dumps(sorted(p.ids)[:5]), p.name])
        else:
            con.execute("INSERT INTO competitor_names (name, status, mentions, first_seen, last_seen, example_ids) "
                        "VALUES (?, 'proposed', ?, ?, ?, ?)",
                        [p.name, p.mentions, seen[0] if seen else None, seen[-1] if seen else None,
                         json.dumps(sorted(p.ids)[:5])])
    return review_list(con, status="proposed")


def review_list(con: duckdb.DuckDBPyConnection, status: str | None = None) -> list[ReviewedName]:
    """The review list (or the names with one ``status``), most mentioned first."""
    _require(con)
    if status is not None and status not in STATUSES:
        raise InputError(f"unknown status {status!r} (expected one of {', '.join(STATUSES)})")
    rows = con.execute(
        "SELECT name, status, mentions, first_seen, last_seen, example_ids, decided_by FROM competitor_names"
        + (" WHERE status = ?" if status else "") + " ORDER BY mentions DESC, name", [status] if status else []).fetchall()
    return [ReviewedName(n, s, int(m or 0), a, b, json.loads(e) if e else [], by) for n, s, m, a, b, e, by in rows]


def decide(con: duckdb.DuckDBPyConnection, names: list[str], status: str, who: str) -> list[str]:
    """Confirm or reject names (added to the list when not proposed yet: a centre may name its own)."""
    _require(con)
    if status not in ("confirmed", "rejected"):
        raise InputError(f"a decision is 'confirmed' or 'rejected', not {status!r}")
    out = []
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    for raw in names:
        name = " ".join(str(raw).split())
        if not name:
            raise InputError("an empty competitor name")
        row = con.execute("SELECT name FROM competitor_names WHERE lower(name) = lower(?)", [name]).fetchone()
        if row:
            con.execute("UPDATE competitor_names SET status = ?, decided_by = ?, decided_at = ? WHERE name = ?",
                        [status, who, now, row[0]])
            out.append(row[0])
        else:
            con.execute("INSERT INTO competitor_names (name, status, decided_by, decided_at) VALUES (?, ?, ?, ?)",
                        [name, status, who, now])
            out.append(name)
    return out
