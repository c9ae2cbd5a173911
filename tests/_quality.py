"""A simulated fortnight scored for QA, with predicted satisfaction, teams and a user of every role:
built once per test session (each module that uses it imports the fixture)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from _web import PASSWORD  # noqa: F401 - the test users' password, one for every test store

USERS = {  # name: (role, scope)
    "ada": ("admin", None), "ana": ("analyst", None), "eve": ("executive", None),
    "carla": ("department", "cards"), "sue": ("supervisor", "voice-1"), "al": ("agent", "A007"),
}
TEAM_1 = [f"A{i:03d}" for i in range(1, 13)]   # voice-1: A001-A012 (the rude A007 among them)
_BUILT: dict = {}


def build_quality_store(folder: Path) -> dict:
    from earful.ingest import ingest_file
    from earful.quality.run import score_store
    from earful.quality.teams import set_teams
    from earful.sim import simulate, write_simulation
    from earful.store import connect
    from earful.surveys.predict import predict_store, train_store
    from earful.web.auth import add_user

    paths = write_simulation(simulate(days=14, seed=3, scale=0.5), folder / "sim")
    db = folder / "quality.duckdb"
    con = connect(db)
    try:
        ingest_file(con, paths["interactions"], "earful")
        score_store(con)
        _, trained = train_store(con, seed=1)
        predict_store(con)
        agents = [r[0] for r in con.execute("SELECT DISTINCT agent_id FROM interactions WHERE agent_id LIKE 'A%'").fetchall()]
        set_teams(con, [(a, "voice-1" if a in TEAM_1 else "voice-2", None) for a in agents])
        for name, (role, scope) in USERS.items():
            add_user(con, name, PASSWORD, role, scope if role == "department" else None,
                     agent_id=scope if role == "agent" else None, team=scope if role == "supervisor" else None)
    finally:
        con.close()
    truth = json.loads(paths["truth"].read_text(encoding="utf-8"))
    return {"db": db, "truth": truth, "trained": trained, "models": db.with_name(db.stem + ".models")}


@pytest.fixture(scope="session")
def quality_store(tmp_path_factory):
    """(store path, truth.json, training figures) of the scored fortnight; copy the file before writing to it."""
    if "store" not in _BUILT:
        _BUILT["store"] = build_quality_store(tmp_path_factory.mktemp("quality"))
    return _BUILT["store"]


def copy_store(store: dict, folder: Path) -> Path:
    """A private copy of the store (and its model files) to write to."""
    import shutil

    db = folder / "quality.duckdb"
    shutil.copy(store["db"], db)
    if store["models"].exists():
        shutil.copytree(store["models"], db.with_name(db.stem + ".models"), dirs_exist_ok=True)
    return db
