"""Shared fixtures: the real public data beside the repo, and fresh stores."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("EARFUL_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """`../shared/data` (or $EARFUL_SHARED_DATA): the real public data sets."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"real data not found at {SHARED_DATA}; set EARFUL_SHARED_DATA")
    return SHARED_DATA


@pytest.fixture()
def db_path(tmp_path: Path) -> Path:
    """A path for a fresh DuckDB store file in a temporary folder."""
    return tmp_path / "earful.duckdb"


@pytest.fixture()
def con(db_path: Path):
    """A connection to a fresh, migrated store file."""
    from earful.store import connect

    c = connect(db_path)
    yield c
    c.close()
