"""Which team each agent is in (``agent_teams``): a supervisor sees their team's agents."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb

from earful.errors import InputError
from earful.store import transaction


def set_teams(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, str | None]]) -> int:
    """Replace the team of each agent given (agent_id, team, name); other agents keep theirs."""
    with transaction(con):
        for agent, team, name in rows:
            con.execute("INSERT INTO agent_teams (agent_id, team, name) VALUES (?, ?, ?) ON CONFLICT (agent_id) "
                        "DO UPDATE SET team = excluded.team, name = coalesce(excluded.name, agent_teams.name)",
                        [agent, team, name])
    return len(rows)


def import_teams(con: duckdb.DuckDBPyConnection, path: str | Path) -> int:
    """Read ``agent_id,team[,name]`` rows from a CSV (all rows must be good: nothing is loaded otherwise)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"file not found: {p}")
    reader = csv.DictReader(io.StringIO(p.read_text(encoding="utf-8-sig")))
    if not reader.fieldnames or not {"agent_id", "team"} <= set(reader.fieldnames):
        raise InputError(f"{p.name} needs the columns agent_id and team")
    rows, seen = [], set()
    for n, r in enumerate(reader, start=2):
        agent, team = (r.get("agent_id") or "").strip(), (r.get("team") or "").strip()
        if not agent or not team:
            raise InputError(f"{p.name}:{n}: agent_id and team must both be given")
        if agent in seen:
            raise InputError(f"{p.name}:{n}: agent {agent!r} is listed twice")
        seen.add(agent)
        rows.append((agent, team, (r.get("name") or "").strip() or None))
    return set_teams(con, rows)


def team_of(con: duckdb.DuckDBPyConnection, agent: str) -> str | None:
    row = con.execute("SELECT team FROM agent_teams WHERE agent_id = ?", [agent]).fetchall()
    return row[0][0] if row else None
