"""Snapshots: every saved assessment is kept in ``assessments``; the next one says what moved and why."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import duckdb

from earful.assess.scoring import Assessment
from earful.store import transaction


def save(con: duckdb.DuckDBPyConnection, a: Assessment, *, who: str = "earful") -> int:
    """Store the assessment; returns its snapshot id."""
    with transaction(con):
        (sid,) = con.execute(
            "INSERT INTO assessments (taken_at, who, period_start, period_end, model_name, model_version, model_digest,"
            " overall, levels, result) VALUES (?,?,?,?,?,?,?,?,?,?) RETURNING id",
            [datetime.now(), who, a.period_start, a.period_end, a.model["name"], a.model["version"],
             a.model["digest"], a.overall, json.dumps({d.key: d.level for d in a.dimensions}),
             json.dumps(a.to_dict(), default=str)]).fetchone()
    return int(sid)


def snapshots(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Saved assessments, oldest first (without the full result)."""
    cur = con.execute("SELECT id, taken_at, who, period_start, period_end, model_name, model_version, model_digest,"
                      " overall, levels FROM assessments ORDER BY id")
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r)) for r in cur.fetchall()]
    for r in rows:
        r["levels"] = json.loads(r["levels"])
    return rows


def snapshot(con: duckdb.DuckDBPyConnection, sid: int) -> dict[str, Any] | None:
    """One saved assessment's full result (as its ``to_dict``), or None."""
    row = con.execute("SELECT result FROM assessments WHERE id = ?", [sid]).fetchone()
    return json.loads(row[0]) if row else None


def previous(con: duckdb.DuckDBPyConnection, before_id: int | None = None) -> dict[str, Any] | None:
    """The latest saved assessment (before snapshot ``before_id`` when given)."""
    row = con.execute("SELECT max(id) FROM assessments" + (" WHERE id < ?" if before_id else ""),
                      [before_id] if before_id else []).fetchone()
    return snapshot(con, row[0]) if row and row[0] is not None else None


def _why(before: dict[str, Any], after: dict[str, Any]) -> str:
    eb, ea = before.get("evidence") or {}, after.get("evidence") or {}
    if before["basis"] == after["basis"] == "measured":
        return f"{ea.get('title')}: {eb.get('shown')} → {ea.get('shown')}"
    if before["basis"] == after["basis"] == "self-reported":
        return f"answer changed: level {before['answer']['level']} → {after['answer']['level']}"
    return f"now {after['basis']} (was {before['basis']}): {after['reason']}"


def changes(before: dict[str, Any], after: Assessment | dict[str, Any]) -> dict[str, Any]:
    """What moved from ``before`` (a saved result) to ``after``: dimensions and practices whose level
    changed, each practice with why. Results under different model files are not compared."""
    a = after.to_dict() if isinstance(after, Assessment) else after
    if before["model"]["digest"] != a["model"]["digest"]:
        what = (f"v{before['model']['version']} → v{a['model']['version']}"
                if before["model"]["version"] != a["model"]["version"]
                else f"same version v{a['model']['version']}, but the file was edited")
        return {"comparable": False, "reason": f"the maturity model changed since the last snapshot ({what}): "
                "levels are not comparable", "dimensions": [], "practices": []}
    dims_b = {d["key"]: d for d in before["dimensions"]}
    dims = [{"dimension": d["key"], "title": d["title"], "before": dims_b[d["key"]]["level"], "after": d["level"]}
            for d in a["dimensions"] if d["key"] in dims_b and dims_b[d["key"]]["level"] != d["level"]]
    prac_b = {p["key"]: p for p in before["practices"]}
    pracs = []
    for p in a["practices"]:
        b = prac_b.get(p["key"])
        if b is None or b["level"] == p["level"]:
            continue
        pracs.append({"practice": p["key"], "title": p["title"], "before": b["level"], "after": p["level"],
                      "why": _why(b, p)})
    return {"comparable": True, "since": before["period_end"], "overall_before": before["overall"],
            "overall_after": a["overall"], "dimensions": dims, "practices": pracs}
