"""Store glue and CLI: train reasons from dispositions, fill enrichment, topics with stable ids."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from _nlp_models import banking_subset
from earful.errors import InputError
from earful.nlp.models import (assign_reasons, assign_topics, fit_topics, labelled_from_disposition, models_dir, train_reasons,
                              unlabelled_texts)
from earful.nlp.enrich import enrich
from earful.store import connect

REPO = Path(__file__).resolve().parents[1]


def _load(con, texts, labels, n_unlabelled: int = 0) -> None:
    """Interactions with text; the last n_unlabelled have no disposition. All get an enrichment row."""
    rows = []
    for i, (t, lab) in enumerate(zip(texts, labels)):
        rows.append((f"test:{i:05d}", "test", f"{i:05d}", "chat", t, None if i >= len(texts) - n_unlabelled else lab))
    con.executemany("INSERT INTO interactions (id, source, source_id, channel, text, disposition) "
                    "VALUES (?, ?, ?, ?, ?, ?)", rows)
    con.execute("INSERT INTO enrichment (interaction_id) SELECT id FROM interactions")


@pytest.fixture(scope="module")
def subset(shared_data: Path):
    texts, labels, _ = banking_subset(shared_data)
    idx = np.arange(len(texts))
    order = np.concatenate([idx[idx % 5 != 0], idx[idx % 5 == 0]])  # held-out fifth last
    return [texts[i] for i in order], labels[order], int((idx % 5 == 0).sum())


def test_train_assign_reasons_and_topics(con, subset) -> None:
    texts, labels, n_test = subset
    _load(con, texts, labels, n_unlabelled=n_test)
    tr_texts, tr_labels = labelled_from_disposition(con)
    assert len(tr_texts) == len(texts) - n_test
    pool = unlabelled_texts(con)
    assert sorted(pool) == sorted(texts[-n_test:])  # the contacts without a disposition
    assert unlabelled_texts(con, limit=7) == pool[:7]
    stages: list[tuple[str, int, int]] = []
    model = train_reasons(con, tr_texts, tr_labels, source="disposition", threshold=0.3,
                          progress=lambda *a: stages.append(a))
    assert (models_dir(con) / "reasons.joblib").exists()
    assert assign_reasons(con, progress=lambda *a: stages.append(a)) == len(texts)
    # progress for the bar's time left: every stage reaches its total
    ends = {s: (d, t) for s, d, t in stages}
    assert set(ends) == {"embedding", "fitting", "assigning"} and all(d == t for d, t in ends.values())
    assert ends["fitting"] == (4, 4) and ends["assigning"] == (len(texts), len(texts))
    got = con.execute("SELECT reason, reason_confidence FROM enrichment ORDER BY interaction_id").fetchall()
    held = got[-n_test:]
    acc = np.mean([r == lab for (r, _), lab in zip(held, labels[-n_test:])])
    assert acc >= 0.90
    assert all(0 < c <= 1 for _, c in got)
    row = con.execute("SELECT kind, json_extract(params, '$.source'), path FROM models WHERE name = 'reasons'").fetchone()
    assert row[0] == "reasons" and json.loads(row[1]) == "disposition" and row[2] == "reasons.joblib"
    assert set(model.classes_) == set(tr_labels)

    # training and classifying embedded every distinct text once, and kept the vectors in the store
    stored = con.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    assert stored == len(set(texts))
    first = fit_topics(con, n_topics=20, seed=3)
    assert con.execute("SELECT count(*) FROM embeddings").fetchone()[0] == stored  # topics re-embedded nothing
    ids1 = con.execute("SELECT topic_id FROM enrichment ORDER BY interaction_id").fetchall()
    assert con.execute("SELECT count(*), sum(size) FROM topics").fetchone() == (20, len(texts))
    assert assign_topics(con) == len(texts)
    assert con.execute("SELECT topic_id FROM enrichment ORDER BY interaction_id").fetchall() == ids1
    second = fit_topics(con, n_topics=20, seed=4)  # refit keeps old ids where topics match
    assert len(second.mapping_) >= 12
    same = np.mean(np.array(ids1).ravel() == second.labels_)
    assert same >= 0.6
    assert first.n_topics_ == second.n_topics_

    # contacts arriving later get their reason and topic as they are enriched, from the stored models
    con.execute("INSERT INTO interactions (id, source, source_id, channel, text) "
                "SELECT 'late:' || id, 'late', id, 'chat', text FROM interactions WHERE id LIKE 'test:%' "
                "ORDER BY id DESC LIMIT ?", [n_test])
    assert enrich(con, fast=True) == n_test
    late = con.execute("SELECT e.reason, e.reason_confidence, e.topic_id, o.reason, o.topic_id FROM enrichment e "
                       "JOIN enrichment o ON o.interaction_id = substr(e.interaction_id, 6) "
                       "WHERE e.interaction_id LIKE 'late:%'").fetchall()
    assert len(late) == n_test and all(r[0] is not None and r[2] is not None for r in late)
    # the same words as the held-out originals, so mostly the same reason; topics by the fast assigner
    assert np.mean([r[0] == r[3] for r in late]) >= 0.9
    assert np.mean([r[2] == r[4] for r in late]) >= 0.75
    kept = con.execute("SELECT count(*) FROM enrichment WHERE reason IS NOT NULL").fetchone()[0]
    assert enrich(con, all=True, fast=True, models=False) == len(texts) + n_test
    assert con.execute("SELECT count(*) FROM enrichment WHERE reason IS NOT NULL").fetchone()[0] == kept


def test_assign_without_model_is_a_user_error(con) -> None:
    with pytest.raises(InputError):
        assign_reasons(con)
    with pytest.raises(InputError):
        assign_topics(con)


def _cli(*args: str, db: Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin", "EARFUL_DB": str(db)}
    return subprocess.run([sys.executable, "-m", "earful.cli", *args], capture_output=True, text=True, env=env,
                          cwd=db.parent, timeout=300)


def test_cli_train_from_csv_and_topics(db_path: Path, subset, tmp_path: Path) -> None:
    texts, labels, _ = subset
    texts, labels = texts[:300], labels[:300]
    csv_path = tmp_path / "labels.csv"
    with open(csv_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(zip(texts, labels))
    con = connect(db_path)
    _load(con, texts, labels)
    con.close()
    r = _cli("reasons", "train", "--from", str(csv_path), db=db_path)
    assert r.returncode == 0, r.stderr
    assert "on 300 examples" in r.stdout
    r = _cli("topics", "--k", "6", db=db_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("│") > 6
    r = _cli("reasons", "train", "--from", str(tmp_path / "missing.csv"), db=db_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
