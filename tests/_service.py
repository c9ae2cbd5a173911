"""A simulated month with the example service definitions, built once per session and shared by the
service, staffing and browser tests (the simulator's records are the known answer)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "src" / "earful" / "metrics" / "examples" / "service.yaml"
_BUILT: dict = {}


@pytest.fixture(scope="session")
def sim_month(tmp_path_factory):
    """(store path, the simulation's records): 28 days from Friday 2025-08-01, seed 23, the example
    definitions kept in the store, and an executive and an admin who may sign in."""
    if "store" not in _BUILT:
        from earful.ingest import ingest_file
        from earful.metrics.definitions import save_definitions
        from earful.sim import simulate, write_simulation
        from earful.store import connect
        from earful.web.auth import add_user

        folder = tmp_path_factory.mktemp("sim-month")
        sim = simulate(days=28, seed=23)
        paths = write_simulation(sim, folder)
        db = folder / "earful.duckdb"
        with connect(db) as con:
            ingest_file(con, paths["interactions"], "earful")
            save_definitions(con, EXAMPLE.read_text(encoding="utf-8"))
            add_user(con, "eve", "correct horse battery", "executive", None)
            add_user(con, "ada", "correct horse battery", "admin", None)
        _BUILT["store"] = (db, sim.records)
    return _BUILT["store"]
