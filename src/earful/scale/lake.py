"""The store as a Parquet lake: export it, read it back, and query it with the same SQL.

Layout (Hive partitions, readable by DuckDB, Spark, Daft, Trino and the rest)::

    LAKE/manifest.json                                   what each export wrote
    LAKE/interactions/day=2025-08-01/channel=chat/e3_0.parquet
    LAKE/turns/…, enrichment/…, enrichment_turns/…, survey_answers/…, satisfaction_predictions/…,
    LAKE/qa_scores/…, qa_items/…                         by the day and channel of their interaction
    LAKE/insights/day=…/                                 by the last day of the insight's period
    LAKE/_models/enricher.pickle                         the centre's reason/topic models, calibration, lexicon
    LAKE/_models/qa.pickle, satisfaction.pickle          the QA rubric (learnt items too), the CSAT model
    LAKE/service.yaml                                    the centre's service definitions, when it has its own

Every table's columns are the store's own (``earful.store.schema`` and its migrations): the lake is
written from the store's tables and read back into tables created by the same migrations, so no
second schema exists. Exports are incremental: a row whose key is already in the lake is not
written again (``full=True`` rewrites the lake).

A table an engine wrote as Delta (``LAKE/enrichment/_delta_log/``, `earful enrich --engine daft
--output-format delta`) is read as Delta by :func:`open_lake` and :func:`ingest_lake`: its current
version, through the ``deltalake`` package.
"""

from __future__ import annotations

import json
import pickle
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from earful.errors import InputError
from earful.store.schema import has_table, migrate

MANIFEST = "manifest.json"
FORMAT = "earful-lake"
_DAY = "CAST(coalesce(i.offered_at, i.answered_at, i.ended_at) AS DATE)"
# The model files of LAKE/_models.
ENRICHER, QA, SATISFACTION = "enricher.pickle", "qa.pickle", "satisfaction.pickle"
#: The service definitions' YAML in the lake (absent: the built-in definitions).
DEFINITIONS = "service.yaml"


@dataclass(frozen=True)
class LakeTable:
    """A store table in the lake: its key (what "already exported" means) and its partitions."""

    name: str
    key: tuple[str, ...]
    partition_by: tuple[str, ...] = ("day", "channel")

    def select(self) -> str:
        """The store's rows with their partition columns."""
        if self.name == "interactions":
            return f"SELECT t.*, {_DAY.replace('i.', 't.')} AS day FROM interactions t"
        if self.name == "insights":
            return "SELECT t.*, CAST(coalesce(t.period_end, t.created_at) AS DATE) AS day FROM insights t"
        return (f"SELECT t.*, {_DAY} AS day, i.channel FROM {self.name} t "
                "JOIN interactions i ON i.id = t.interaction_id")


TABLES = (
    LakeTable("interactions", ("id",)),
    LakeTable("turns", ("interaction_id", "seq")),
    LakeTable("enrichment", ("interaction_id",)),
    LakeTable("enrichment_turns", ("interaction_id", "seq")),
    LakeTable("survey_answers", ("interaction_id", "question")),
    LakeTable("satisfaction_predictions", ("interaction_id",)),
    LakeTable("qa_scores", ("interaction_id",)),
    LakeTable("qa_items", ("interaction_id", "item")),
    LakeTable("insights", ("id",), ("day",)),
)


@dataclass
class ExportResult:
    lake: Path
    export: int
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def files(lake: str | Path, table: str) -> str:
    """The glob of ``table``'s Parquet files in ``lake``."""
    return f"{Path(lake) / table}/**/*.parquet"


def has_files(lake: str | Path, table: str) -> bool:
    d = Path(lake) / table
    return d.is_dir() and any(d.rglob("*.parquet"))


def is_delta(lake: str | Path, table: str) -> bool:
    """Whether ``table`` of ``lake`` is a Delta table (a transaction log beside its files)."""
    return (Path(lake) / table / "_delta_log").is_dir()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns_of(con: duckdb.DuckDBPyConnection, source: str) -> set[str]:
    return {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}


def _scan(con: duckdb.DuckDBPyConnection, lake: Path, table: str) -> str:
    """What to select ``table``'s rows from on ``con``: its Parquet files, or its Delta table's
    current version (registered on ``con`` as ``_lake_<table>``, read lazily)."""
    if not is_delta(lake, table):
        return f"read_parquet('{files(lake, table)}', hive_partitioning = true, union_by_name = true)"
    try:
        from deltalake import DeltaTable
    except ImportError:
        raise InputError(f"{lake / table} is a Delta table: reading it needs the deltalake package "
                         "(pip install 'earful[scale]')") from None
    con.register(f"_lake_{table}", DeltaTable(str(lake / table)).to_pyarrow_dataset())
    return f"_lake_{table}"


def read_manifest(lake: str | Path) -> dict:
    path = Path(lake) / MANIFEST
    if not path.is_file():
        return {"format": FORMAT, "version": 1, "exports": []}
    m = json.loads(path.read_text(encoding="utf-8"))
    if m.get("format") != FORMAT:
        raise InputError(f"{lake} is not an earful lake (its {MANIFEST} says format {m.get('format')!r})")
    return m


def is_lake(path: str | Path) -> bool:
    """Whether ``path`` is a folder holding an earful lake."""
    p = Path(path)
    return p.is_dir() and (p / MANIFEST).is_file()


def _write_manifest(lake: Path, m: dict) -> None:
    tmp = lake / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(m, indent=2, default=str), encoding="utf-8")
    tmp.replace(lake / MANIFEST)      # the manifest changes in one step


def export_lake(con: duckdb.DuckDBPyConnection, lake: str | Path, *, full: bool = False) -> ExportResult:
    """Write the store's rows that are not yet in ``lake`` as Parquet partitioned by day and
    channel, then record the export in the manifest (``full``: rewrite the lake from scratch)."""
    lake = Path(lake)
    if lake.exists() and not lake.is_dir():
        raise InputError(f"{lake} is a file, not a folder")
    if lake.is_dir() and any(lake.iterdir()) and not is_lake(lake):
        raise InputError(f"{lake} holds other files and no {MANIFEST}: give an empty or new folder")
    if full and is_lake(lake):
        for t in TABLES:
            shutil.rmtree(lake / t.name, ignore_errors=True)
        (lake / MANIFEST).unlink()
    lake.mkdir(parents=True, exist_ok=True)
    m = read_manifest(lake)
    n = len(m["exports"]) + 1
    result = ExportResult(lake, n)
    for t in TABLES:
        if not has_table(con, t.name):
            continue
        if is_delta(lake, t.name):
            raise InputError(f"{lake / t.name} is a Delta table an engine wrote: export into another folder, "
                             "or remove it first")
        new = f"SELECT * FROM ({t.select()}) s"
        if has_files(lake, t.name):
            keys = ", ".join(t.key)
            new += (f" WHERE ({keys}) NOT IN (SELECT ({keys}) FROM read_parquet('{files(lake, t.name)}', "
                    "hive_partitioning = true, union_by_name = true))")
        count = con.execute(f"SELECT count(*) FROM ({new})").fetchone()[0]
        result.rows[t.name] = count
        if count:
            order = ", ".join(t.key)
            con.execute(f"COPY ({new} ORDER BY {order}) TO '{lake / t.name}' (FORMAT parquet, "
                        f"PARTITION_BY ({', '.join(t.partition_by)}), OVERWRITE_OR_IGNORE, "
                        f"FILENAME_PATTERN 'e{n}_{{i}}')")
    _export_models(con, lake)
    _export_definitions(con, lake)
    m["exports"].append({"export": n, "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                         "rows": result.rows})
    m["tables"] = {t.name: {"key": list(t.key), "partition_by": list(t.partition_by)} for t in TABLES}
    _write_manifest(lake, m)
    return result


def _export_models(con: duckdb.DuckDBPyConnection, lake: Path) -> None:
    """What the engines apply, from the store: the enricher's configuration (fitted reason and topic
    models, sentiment calibration, lexicon), the QA scorer (the active rubric and its learnt items)
    and the satisfaction model when the store has one."""
    from earful.nlp.calibration import stored_calibration
    from earful.nlp.enrich import Enricher, stored_lexicon
    from earful.nlp.models import stored_models
    from earful.quality.calibration import stored_classifiers
    from earful.quality.run import active_rubric
    from earful.quality.scorer import QualityScorer
    from earful.surveys.predict import stored_model

    reasons, topics = stored_models(con)
    rubric = active_rubric(con)
    models = {
        ENRICHER: Enricher(lexicon=stored_lexicon(con), reasons=reasons, topics=topics, calibration=stored_calibration(con)),
        QA: QualityScorer(rubric, learnt=stored_classifiers(con, rubric)),
        SATISFACTION: stored_model(con),
    }
    folder = lake / "_models"
    folder.mkdir(exist_ok=True)
    for name, model in models.items():
        if model is None:
            (folder / name).unlink(missing_ok=True)
            continue
        tmp = folder / (name + ".tmp")
        tmp.write_bytes(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(folder / name)


def _export_definitions(con: duckdb.DuckDBPyConnection, lake: Path) -> None:
    """The store's service definitions as the YAML it keeps (none kept: the file is removed)."""
    from earful.metrics.definitions import SETTING

    row = con.execute("SELECT value FROM settings WHERE key = ?", [SETTING]).fetchall() if has_table(con, "settings") else []
    path = lake / DEFINITIONS
    if not row or row[0][0] is None:
        path.unlink(missing_ok=True)
        return
    tmp = lake / (DEFINITIONS + ".tmp")
    tmp.write_text(json.loads(row[0][0]), encoding="utf-8")
    tmp.replace(path)


def lake_enricher(lake: str | Path, *, fast: bool = False, models: str | Path | None = None):
    """The enricher the lake's export saved (the centre's models and lexicon; ``models``: that
    file elsewhere), or a plain one when there is none."""
    from earful.nlp.enrich import Enricher

    path = Path(models) if models else Path(lake) / "_models" / ENRICHER
    if models and not path.is_file():
        raise InputError(f"models file {path} not found")
    enr = pickle.loads(path.read_bytes()) if path.is_file() else Enricher()
    enr.fast = fast
    return enr


def lake_models(lake: str | Path, *, fast: bool = False, models: str | Path | None = None):
    """Every model the lake's export saved (:class:`earful.scale.pipeline.PipelineModels`): the
    enricher, and the QA scorer and satisfaction model beside it when the store had them
    (``models``: the enricher's file elsewhere, the others looked for in its folder)."""
    from earful.scale.pipeline import PipelineModels

    folder = Path(models).parent if models else Path(lake) / "_models"
    load = lambda name: pickle.loads((folder / name).read_bytes()) if (folder / name).is_file() else None  # noqa: E731
    return PipelineModels(lake_enricher(lake, fast=fast, models=models), qa=load(QA), satisfaction=load(SATISFACTION))


def open_lake(lake: str | Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose tables are the store's (same migrations, same names), with every
    table the lake holds a view over its Parquet files: the metrics', insights' and dashboard's SQL
    runs on it unchanged. Nothing written to it reaches the lake."""
    lake = Path(lake)
    if not is_lake(lake):
        raise InputError(f"{lake} is not an earful lake (no {MANIFEST}); write one with `earful export --parquet`")
    read_manifest(lake)
    con = duckdb.connect(":memory:")
    migrate(con)
    for t in TABLES:
        if not has_files(lake, t.name):
            continue
        cols = con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
                           "AND table_schema = current_schema() ORDER BY ordinal_position", [t.name]).fetchall()
        source = _scan(con, lake, t.name)
        have = _columns_of(con, source)
        # a column the writer did not give (an engine's output has no `enriched_at`) reads as null
        select = ", ".join(f'CAST({_quote(c) if c in have else "NULL"} AS {ty}) AS {_quote(c)}' for c, ty in cols)
        con.execute(f"DROP TABLE {t.name}")
        con.execute(f"CREATE VIEW {t.name} AS SELECT {select} FROM {source}")
    if (lake / DEFINITIONS).is_file():
        from earful.metrics.definitions import SETTING, parse_definitions

        text = (lake / DEFINITIONS).read_text(encoding="utf-8")
        parse_definitions(text, str(lake / DEFINITIONS))     # a mistake is named with its line, here
        con.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", [SETTING, json.dumps(text)])
    return con


def ingest_lake(con: duckdb.DuckDBPyConnection, lake: str | Path) -> dict[str, int]:
    """Load into the store the lake's rows whose keys it does not hold yet (in one transaction);
    return the rows added per table."""
    from earful.store import transaction

    lake = Path(lake)
    src = open_lake(lake)   # checks it is a lake
    src.close()
    added: dict[str, int] = {}
    with transaction(con):
        for t in TABLES:
            if not has_files(lake, t.name) or not has_table(con, t.name):
                continue
            source = _scan(con, lake, t.name)
            have = _columns_of(con, source)
            cols = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                                              "AND table_schema = current_schema() ORDER BY ordinal_position",
                                              [t.name]).fetchall() if r[0] in have]   # the rest take their defaults
            names = ", ".join(_quote(c) for c in cols)
            keys = ", ".join(t.key)
            before = con.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0]
            con.execute(f"INSERT INTO {t.name} ({names}) SELECT {names} FROM {source} "
                        f"WHERE ({keys}) NOT IN (SELECT ({keys}) FROM {t.name})")
            added[t.name] = con.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0] - before
    return added
