"""Beyond one machine: the enrichment on a real Spark (local[2]) and a real Daft gives the rows
`earful enrich` gives; the store as a Parquet lake, read back by DuckDB, Spark and Daft, gives the
same metrics.

The input is a simulated day of the demo's centre (seed 7, 855 contacts), with the reason
classifier and topic model trained on it, so every per-contact component runs.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from earful.store import connect

_HAS_JAVA = shutil.which("java") is not None


def _need(engine: str):
    mod = pytest.importorskip(engine, reason=f"{engine} is not installed (pip install 'earful[scale]')")
    if engine == "pyspark" and not _HAS_JAVA:
        pytest.skip("Spark needs a Java runtime (Debian: openjdk-17-jre-headless)")
    return mod


@pytest.fixture(scope="session")
def lake_store(tmp_path_factory):
    """A store holding a simulated day enriched by `earful enrich` with trained reasons and
    topics, QA-scored and with predicted satisfaction, and its export as a lake."""
    from earful.ingest import ingest_file
    from earful.nlp.enrich import enrich
    from earful.nlp.models import fit_topics, labelled_from_disposition, train_reasons
    from earful.quality.run import score_store
    from earful.surveys.predict import SatisfactionModel, features_sql, keep_model, predict_store
    from earful.scale.lake import export_lake
    from earful.sim import simulate, write_simulation

    folder = tmp_path_factory.mktemp("scale")
    sim = simulate(days=1, seed=7)
    write_simulation(sim, folder / "sim")
    db = folder / "store.duckdb"
    con = connect(db)
    assert ingest_file(con, folder / "sim" / "interactions.jsonl", "earful").loaded > 800
    enrich(con, fast=True, workers=1)
    texts, labels = labelled_from_disposition(con)
    train_reasons(con, texts, labels, source="disposition", embedding_weight=0.0)
    fit_topics(con, seed=7)
    enrich(con, all=True, fast=True, workers=1)      # what `earful enrich --all --fast` writes
    score_store(con)                                 # `earful qa run`
    # A day has too few CSAT answers to learn from (72, 5 of them 1-2), so the model this test ships
    # learns the simulator's latent satisfaction of every answered contact: only that the engines
    # apply the model the store applied is under test here, not what it learnt.
    table = con.sql(features_sql(con)).to_arrow_table()
    latent = sim.truth["satisfaction"]["latent"]
    keep = [k for k, i in enumerate(table.column("id").to_pylist()) if i.split(":")[-1] in latent]
    table = table.take(keep)
    y = [min(5.0, max(1.0, round(float(latent[i.split(":")[-1]])))) for i in table.column("id").to_pylist()]
    keep_model(con, SatisfactionModel().fit(table, y), {})      # what `earful surveys train` keeps
    predict_store(con)                               # `earful surveys predict`
    first = export_lake(con, folder / "lake")
    con.close()
    return {"folder": folder, "db": db, "lake": folder / "lake", "first": first}


@pytest.fixture(scope="session")
def spark():
    _need("pyspark")
    from earful.scale.spark import session

    s = session("local[2]", conf={"spark.sql.shuffle.partitions": "4"})
    yield s
    s.stop()


#: The columns compared per table, and the key rows are ordered by.
_COMPARED = {
    "enrichment": (["interaction_id", "redacted_text", "sentiment", "end_sentiment", "abusive", "feedback_type",
                    "mentions", "key_phrases", "reason", "reason_confidence", "topic_id"], "interaction_id"),
    "enrichment_turns": (["interaction_id", "seq", "speaker", "redacted_text", "sentiment"], "interaction_id, seq"),
    "qa_scores": (["interaction_id", "rubric_version", "score", "auto_failed", "items_applicable", "items_failed"],
                  "interaction_id"),
    "qa_items": (["interaction_id", "item", "verdict", "evidence_seq", "confidence", "detector"], "interaction_id, item"),
    "satisfaction_predictions": (["interaction_id", "predicted_csat", "p_dissatisfied", "model"], "interaction_id"),
}


def _rows(path: Path, table: str, key: str | None = None) -> tuple[list[str], list[tuple]]:
    """A table's rows ordered by key, from a lake folder (Parquet or Delta) or a store file, JSON as text."""
    con = duckdb.connect()
    names, order = _COMPARED[table]
    if path.suffix == ".duckdb":
        con.execute(f"ATTACH '{path}' AS s (READ_ONLY)")
        src = f"s.{table}"
    elif (path / table / "_delta_log").is_dir():
        from deltalake import DeltaTable

        arrow = DeltaTable(str(path / table)).to_pyarrow_table()  # noqa: F841
        src = "arrow"
    else:
        src = f"read_parquet('{path}/{table}/**/*.parquet', hive_partitioning = true)"
    sel = ", ".join(f"CAST({n} AS VARCHAR) AS {n}" if n in ("mentions", "key_phrases") else
                    f"CAST({n} AS BIGINT) AS {n}" if n in ("topic_id", "seq", "evidence_seq", "items_applicable",
                                                           "items_failed") else n for n in names)
    return names, con.execute(f"SELECT {sel} FROM {src} ORDER BY {key or order}").fetchall()


def _same(expected: tuple[list[str], list[tuple]], got: tuple[list[str], list[tuple]], what: str) -> None:
    names, want = expected
    _, have = got
    assert len(have) == len(want), f"{what}: {len(have)} rows, want {len(want)}"
    for c, name in enumerate(names):
        for w, h in zip(want, have):
            a, b = w[c], h[c]
            if isinstance(a, float) and isinstance(b, float):
                assert math.isclose(a, b, rel_tol=0, abs_tol=1e-9), f"{what}.{name} of {w[0]}: {b} != {a}"
            else:
                assert a == b, f"{what}.{name} of {w[0]}: {b!r} != {a!r}"


def _close(a, b, where: str = "") -> None:
    """Two JSON-like values equal, floats within 1e-12 relative (an average summed in another row order)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for k in a:
            _close(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-12), f"{where}: {b} != {a}"
    else:
        assert a == b, f"{where}: {b!r} != {a!r}"


def _check_identical(store: Path, out: Path, what: str) -> None:
    for table in _COMPARED:
        _same(_rows(store, table), _rows(out, table), f"{what} {table}")


def test_the_reference_exercises_every_component(lake_store):
    names, rows = _rows(lake_store["db"], "enrichment", "interaction_id")
    col = {n: [r[i] for r in rows] for i, n in enumerate(names)}
    assert sum(r is not None for r in col["reason"]) > 700
    assert len({t for t in col["topic_id"] if t is not None}) >= 2
    assert sum("[" in (t or "") for t in col["redacted_text"]) > 20     # redaction did something
    assert len(set(col["feedback_type"])) >= 3 and sum(s is not None for s in col["sentiment"]) > 700
    _, qa = _rows(lake_store["db"], "qa_scores")
    assert len(qa) > 300 and len({r[2] for r in qa}) > 5                  # QA scored, with spread
    _, pred = _rows(lake_store["db"], "satisfaction_predictions")
    assert len(pred) > 500 and len({r[1] for r in pred}) > 50             # predicted satisfaction too


def test_spark_local_gives_the_rows_earful_enrich_gives(lake_store, spark):
    from earful.scale.lake import lake_models
    from earful.scale.spark import enrich_lake

    out = lake_store["folder"] / "out-spark"
    seen = []
    n = enrich_lake(spark, str(lake_store["lake"]), str(out), lake_models(lake_store["lake"], fast=True),
                    progress=lambda d, t: seen.append((d, t)))
    assert n == lake_store["first"].rows["interactions"]
    assert seen[-1] == (n, n)
    _check_identical(lake_store["db"], out, "spark")
    assert any(p.name.startswith("channel=") for p in (out / "enrichment").glob("day=*/*"))


def test_daft_gives_the_rows_earful_enrich_gives(lake_store):
    _need("daft")
    out = lake_store["folder"] / "out-daft"
    r = subprocess.run([sys.executable, "-m", "earful.cli", "enrich", "--engine", "daft", "--fast",
                        "--input", str(lake_store["lake"]), "--output", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    n = lake_store["first"].rows["interactions"]
    said = " ".join(r.stdout.split())
    assert f"enriched {n:,} interactions on daft" in said and "with QA scores and predicted satisfaction" in said
    _check_identical(lake_store["db"], out, "daft")


def test_enrich_on_an_engine_refuses_what_is_not_a_lake(tmp_path):
    r = subprocess.run([sys.executable, "-m", "earful.cli", "enrich", "--engine", "daft", "--input", str(tmp_path),
                        "--output", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "is not an earful lake" in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "earful.cli", "enrich", "--engine", "flink", "--input", str(tmp_path),
                        "--output", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "unknown engine" in r.stderr


def test_export_is_incremental_and_recorded(lake_store, tmp_path):
    from earful.scale.lake import export_lake, read_manifest

    lake = tmp_path / "lake"
    shutil.copytree(lake_store["lake"], lake)
    con = connect(lake_store["db"], read_only=True)
    again = export_lake(con, lake)
    con.close()
    assert again.total == 0                     # nothing new: nothing written
    m = read_manifest(lake)
    assert [e["export"] for e in m["exports"]] == [1, 2]
    assert m["exports"][0]["rows"]["interactions"] == lake_store["first"].rows["interactions"] and m["exports"][0]["rows"]["turns"] > 5000
    assert m["tables"]["turns"]["partition_by"] == ["day", "channel"]
    # a new contact arrives: the next export writes it (and its turns) only
    db = tmp_path / "more.duckdb"
    shutil.copy(lake_store["db"], db)
    con = connect(db)
    con.execute("INSERT INTO interactions (id, source, source_id, channel, offered_at, text) VALUES "
                "('x:1', 'x', '1', 'email', TIMESTAMP '2025-08-02 10:00:00', 'Where is my card?')")
    third = export_lake(con, lake)
    con.close()
    assert third.rows["interactions"] == 1 and third.rows["enrichment"] == 0
    assert list((lake / "interactions" / "day=2025-08-02" / "channel=email").glob("e3_*.parquet"))


def test_a_lake_reads_back_into_a_store_unchanged(lake_store, tmp_path):
    r = subprocess.run([sys.executable, "-m", "earful.cli", "ingest", str(lake_store["lake"]), "--json",
                        "--db", str(tmp_path / "back.duckdb")], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["interactions"] == lake_store["first"].rows["interactions"]
    con = duckdb.connect()
    con.execute(f"ATTACH '{lake_store['db']}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{tmp_path / 'back.duckdb'}' AS b (READ_ONLY)")
    for table in ("interactions", "turns", "enrichment_turns"):
        diff = con.execute(f"SELECT count(*) FROM (SELECT * FROM a.{table} EXCEPT ALL SELECT * FROM b.{table})").fetchone()[0]
        assert diff == 0, table
    cols = "interaction_id, redacted_text, sentiment, feedback_type, mentions::VARCHAR, reason, topic_id, enriched_at"
    assert con.execute(f"SELECT count(*) FROM (SELECT {cols} FROM a.enrichment EXCEPT ALL "
                       f"SELECT {cols} FROM b.enrichment)").fetchone()[0] == 0


def test_metrics_over_the_lake_are_the_stores(lake_store):
    from earful.metrics.service import service_summary

    store = connect(lake_store["db"], read_only=True)
    lake = connect(lake_store["lake"])        # a lake folder opens as the same tables
    try:
        a, b = service_summary(store), service_summary(lake)
    finally:
        store.close()
        lake.close()
    _close(json.loads(json.dumps(a, default=str)), json.loads(json.dumps(b, default=str)))
    assert a["totals"]["service_level"]["value"] is not None


# One query, standard SQL, that all three engines run over the lake's files.
_BY_DAY_AND_CHANNEL = """
SELECT day, channel, count(*) AS offered,
       sum(CASE WHEN coalesce(abandoned, false) THEN 1 ELSE 0 END) AS abandoned,
       avg(CASE WHEN answered_at IS NOT NULL THEN talk_s + coalesce(hold_s, 0) + coalesce(wrap_s, 0) ELSE NULL END) AS aht_s,
       avg(wait_s) AS asa_s, avg(csat) AS csat
FROM interactions GROUP BY 1, 2 ORDER BY 1, 2
"""


def test_duckdb_spark_and_daft_give_the_same_metrics_from_the_lake(lake_store, spark):
    daft = _need("daft")
    lake = str(lake_store["lake"])
    con = duckdb.connect()
    con.execute(f"CREATE VIEW interactions AS SELECT * FROM read_parquet('{lake}/interactions/**/*.parquet', "
                "hive_partitioning = true)")
    want = con.execute(_BY_DAY_AND_CHANNEL).fetchall()
    spark.read.parquet(f"{lake}/interactions").createOrReplaceTempView("interactions")
    got_spark = [tuple(r) for r in spark.sql(_BY_DAY_AND_CHANNEL).collect()]
    interactions = daft.read_parquet(f"{lake}/interactions/**/*.parquet", hive_partitioning=True)  # noqa: F841
    d = daft.sql(_BY_DAY_AND_CHANNEL).to_pydict()
    got_daft = list(zip(*d.values()))
    assert len({r[1] for r in want}) == 6 and sum(r[2] for r in want) == lake_store["first"].rows["interactions"]
    for got, engine in ((got_spark, "spark"), (got_daft, "daft")):
        assert len(got) == len(want), engine
        for w, g in zip(want, got):
            assert w[:4] == tuple(g[:4]), engine
            for a, b in zip(w[4:], g[4:]):
                assert (a is None and b is None) or math.isclose(a, b, rel_tol=1e-12), (engine, w, g)


def test_daft_writes_delta_tables_that_the_lake_reads(lake_store, tmp_path):
    _need("daft")
    pytest.importorskip("deltalake", reason="deltalake is not installed (pip install 'earful[scale]')")
    lake = tmp_path / "lake"
    shutil.copytree(lake_store["lake"], lake)
    r = subprocess.run([sys.executable, "-m", "earful.cli", "enrich", "--engine", "daft", "--fast", "--output-format",
                        "delta", "--input", str(lake), "--output", str(lake)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert (lake / "enrichment" / "_delta_log").is_dir() and (lake / "qa_items" / "_delta_log").is_dir()
    assert not (lake / "_staging").exists()
    _check_identical(lake_store["db"], lake, "daft delta")
    # the lake opens with its Delta tables read at their current version (the export's files are gone)
    store, over = connect(lake_store["db"], read_only=True), connect(lake)
    try:
        q = ("SELECT e.reason, count(*), round(avg(q.score), 9), round(avg(p.predicted_csat), 9) FROM interactions i "
             "JOIN enrichment e ON e.interaction_id = i.id LEFT JOIN qa_scores q ON q.interaction_id = i.id "
             "LEFT JOIN satisfaction_predictions p ON p.interaction_id = i.id GROUP BY 1 ORDER BY 1")
        assert over.execute(q).fetchall() == store.execute(q).fetchall()
        # and reads back into a store as Delta too
        from earful.scale.lake import ingest_lake

        back = connect(tmp_path / "back.duckdb")
        added = ingest_lake(back, lake)
        assert added["qa_items"] == store.execute("SELECT count(*) FROM qa_items").fetchone()[0]
        assert back.execute(q).fetchall() == store.execute(q).fetchall()
        back.close()
    finally:
        store.close()
        over.close()
    r = subprocess.run([sys.executable, "-m", "earful.cli", "enrich", "--engine", "spark", "--output-format", "delta",
                        "--input", str(lake), "--output", str(lake)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "Delta" in r.stderr and "Traceback" not in r.stderr


def test_the_lake_carries_the_centres_service_definitions(lake_store, tmp_path):
    from earful.metrics.definitions import save_definitions
    from earful.metrics.service import service_summary
    from earful.scale.lake import export_lake

    db = tmp_path / "custom.duckdb"
    shutil.copy(lake_store["db"], db)
    con = connect(db)
    baseline = service_summary(con)
    save_definitions(con, "calendars:\n  office: {hours: {mon-fri: '09:00-17:00'}}\n"
                          "channels:\n  voice: {target: 90%, within: 10s}\n  email: {within: 4h, calendar: office}\n")
    custom = service_summary(con)
    export_lake(con, tmp_path / "lake")
    con.close()
    assert (tmp_path / "lake" / "service.yaml").is_file()
    lake = connect(tmp_path / "lake")
    try:
        over = service_summary(lake)
    finally:
        lake.close()
    plain = lambda x: json.loads(json.dumps(x, default=str))  # noqa: E731
    assert plain(custom)["totals"]["service_level"] != plain(baseline)["totals"]["service_level"]
    _close(plain(custom), plain(over))     # the lake gives the store's figures under the store's definitions
