"""The one place that owns earful's schema.

Migrations are numbered and applied in order, each in its own transaction, on every
open of the store (``earful.store.connect``). Never edit a released migration: append a
new one. Times are the centre's local wall-clock time (``TIMESTAMP``, no zone); ingest
converts zoned source times on the way in.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

CHANNELS = ("voice", "chat", "email", "social", "sms", "survey")
SPEAKERS = ("customer", "agent", "system")
DIRECTIONS = ("inbound", "outbound")


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the store has table ``name`` (capabilities add theirs with later migrations)."""
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ? "
                            "AND table_schema = current_schema()", [name]).fetchall()[0][0])


def has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    """Whether table ``table`` of the store has column ``column``."""
    return bool(con.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = ? "
                            "AND column_name = ? AND table_schema = current_schema()", [table, column]).fetchall()[0][0])

_M001_CORE = f"""
CREATE SEQUENCE IF NOT EXISTS import_id_seq START 1;

CREATE TABLE imports (
    import_id        BIGINT PRIMARY KEY,
    file             VARCHAR NOT NULL,
    format           VARCHAR NOT NULL,
    sha256           VARCHAR NOT NULL,
    size_bytes       BIGINT,
    rows_read        BIGINT DEFAULT 0,
    rows_loaded      BIGINT DEFAULT 0,
    rows_quarantined BIGINT DEFAULT 0,
    rows_skipped     BIGINT DEFAULT 0,
    turns_loaded     BIGINT DEFAULT 0,
    started_at       TIMESTAMP NOT NULL,
    finished_at      TIMESTAMP,
    options          JSON
);

-- One row per contact, whatever the channel. id = source || ':' || source_id.
CREATE TABLE interactions (
    id           VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    source_id    VARCHAR NOT NULL,
    import_id    BIGINT,
    channel      VARCHAR NOT NULL CHECK (channel IN {CHANNELS!r}),
    direction    VARCHAR CHECK (direction IN {DIRECTIONS!r}),
    queue        VARCHAR,
    agent_id     VARCHAR,
    customer_id  VARCHAR,
    offered_at   TIMESTAMP,
    answered_at  TIMESTAMP,
    ended_at     TIMESTAMP,
    wait_s       DOUBLE CHECK (wait_s >= 0),
    talk_s       DOUBLE CHECK (talk_s >= 0),
    hold_s       DOUBLE CHECK (hold_s >= 0),
    wrap_s       DOUBLE CHECK (wrap_s >= 0),
    abandoned    BOOLEAN,
    transferred  BOOLEAN,
    disposition  VARCHAR,
    language     VARCHAR,
    text         VARCHAR,
    csat         DOUBLE CHECK (csat BETWEEN 1 AND 5),
    nps          DOUBLE CHECK (nps BETWEEN 0 AND 10),
    ces          DOUBLE CHECK (ces BETWEEN 1 AND 7),
    related_id   VARCHAR,   -- e.g. the contact a survey answers, the leg a transfer came from
    metadata     JSON
);

CREATE TABLE turns (
    interaction_id VARCHAR NOT NULL,
    seq            INTEGER NOT NULL,
    speaker        VARCHAR NOT NULL CHECK (speaker IN {SPEAKERS!r}),
    text           VARCHAR,
    occurred_at    TIMESTAMP
);

CREATE TABLE quarantine (
    import_id   BIGINT NOT NULL,
    row_number  BIGINT,        -- 1-based data row in the file (header not counted)
    field       VARCHAR,       -- the canonical or source field at fault, when one is
    reason      VARCHAR NOT NULL,
    raw         VARCHAR        -- the raw record as read (JSON object or the raw line)
);

CREATE TABLE settings (
    key   VARCHAR PRIMARY KEY,
    value JSON
);
"""

_M002_INSIGHTS = """
-- One row per finding of the insight engine (issue: insights). Departments, lifecycle and
-- value live in their own tables keyed by insight id.
CREATE TABLE insights (
    id                   VARCHAR PRIMARY KEY,
    kind                 VARCHAR NOT NULL,   -- emerging_issue, driver, product_feedback, competitor, testimonial, churn_risk, ...
    title                VARCHAR NOT NULL,
    summary              VARCHAR,
    period_start         DATE,
    period_end           DATE,
    reason               VARCHAR,
    topic                VARCHAR,
    metrics              JSON,               -- counts, rates, money; named fields
    evidence             JSON,               -- {"series": [...], "quotes": [{"interaction_id", "text"}], ...}
    suggested_department VARCHAR,
    confidence           DOUBLE,
    created_at           TIMESTAMP NOT NULL DEFAULT current_timestamp
);
"""

_MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _file_migrations() -> list[tuple[int, str, str]]:
    """Migrations kept as ``migrations/NNN_name.sql`` files (one per capability's tables)."""
    found = []
    for path in sorted(_MIGRATIONS_DIR.glob("[0-9][0-9][0-9]_*.sql")):
        number = int(path.name[:3])
        found.append((number, path.stem[4:].replace("_", " "), path.read_text(encoding="utf-8")))
    return found


# (number, name, SQL), in order. Append only: 1-2 live here, later ones in migrations/*.sql.
# Numbers reserved: 3 enrichment (nlp text), 4 models and topics (nlp models),
# 5 routing/lifecycle/ledger, 6 web users, 7 staffing table (metrics occupancy), 8 insights extras,
# 11 insight identity, 12 route plans, estimate basis and comments.
# 23 import changes (ingest).
MIGRATIONS: list[tuple[int, str, str]] = sorted(
    [
        (1, "core: imports, interactions, turns, quarantine, settings", _M001_CORE),
        (2, "insights", _M002_INSIGHTS),
        *_file_migrations(),
    ]
)
if len({n for n, _, _ in MIGRATIONS}) != len(MIGRATIONS):  # pragma: no cover - a packaging mistake
    raise RuntimeError("two schema migrations share a number")


def _ensure_version_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP DEFAULT current_timestamp)"
    )


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The highest migration applied to this store (0 for an empty file)."""
    _ensure_version_table(con)
    return int(con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchall()[0][0])


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every migration this store has not had yet, in number order; return the numbers applied.

    A store written by an older earful may lack a migration numbered below its highest one
    (capabilities add their tables independently), so the test is membership, not ``<=``.
    """
    applied: list[int] = []
    _ensure_version_table(con)
    done = {int(v) for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
    for number, name, sql in MIGRATIONS:
        if number in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [number, name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(number)
    return applied
