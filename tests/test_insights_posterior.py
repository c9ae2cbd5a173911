"""Counting a reason by its contacts' posteriors (probabilistic classify-and-count) on a simulated
month classified by a reason model trained from 10 agents' dispositions a reason: every contact is
still counted once, the "unknown" answers are spread over the reasons they may be, the counts move
toward the agents' own dispositions, and the emerging-issue detector runs on them when told to."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from earful.store import connect


@pytest.fixture(scope="module")
def classified(tmp_path_factory) -> Path:
    """A simulated fortnight (seed 7) ingested, enriched --fast and classified by an n-gram reason
    model trained from 10 dispositions a reason."""
    from earful.ingest import ingest_file
    from earful.nlp.enrich import enrich
    from earful.nlp.models import assign_reasons, labelled_from_disposition, train_reasons
    from earful.sim import simulate, write_simulation

    d = tmp_path_factory.mktemp("posterior")
    write_simulation(simulate(days=14, seed=7, scale=0.3, start=date(2025, 8, 1)), d / "sim")
    db = d / "month.duckdb"
    con = connect(db)
    ingest_file(con, d / "sim" / "interactions.jsonl", fmt="earful")
    enrich(con, fast=True, workers=1)
    texts, labels = labelled_from_disposition(con)
    rng = np.random.default_rng(7)
    by: dict[str, list[int]] = {}
    for i, lab in enumerate(labels):
        by.setdefault(lab, []).append(i)
    pick = sorted(int(j) for ix in by.values() for j in rng.choice(ix, min(10, len(ix)), replace=False))
    model = train_reasons(con, [texts[i] for i in pick], [labels[i] for i in pick], source="test", seed=7,
                          embedding_weight=0.0)
    assign_reasons(con, model)
    con.close()
    return db


def _by_reason(counts: np.ndarray, reasons: list[str]) -> dict[str, float]:
    return dict(zip(reasons, counts.sum(1).tolist()))


def test_posterior_counts_count_every_contact_once_and_move_toward_the_dispositions(classified: Path) -> None:
    from earful.insights._data import build_contacts
    from earful.insights.emerging import daily_counts, posterior_counts
    from earful.nlp.models import reason_posteriors

    con = connect(classified, read_only=True)
    build_contacts(con)
    hard, days, reasons = daily_counts(con)
    ids, classes, proba = reason_posteriors(con)
    assert proba.shape == (len(ids), len(classes)) and np.allclose(proba.sum(1), 1.0)
    soft, soft_days, soft_reasons = posterior_counts(con, ids, classes, proba)
    assert soft_days == days
    assert np.allclose(soft.sum(0), hard.sum(0))          # every contact once, on its own day
    hard_by, soft_by = _by_reason(hard, reasons), _by_reason(soft, soft_reasons)
    assert hard_by.get("unknown", 0) > 0 and soft_by.get("unknown", 0) == 0   # no threshold, no "unknown"
    changed = [r for r in classes if abs(soft_by.get(r, 0) - hard_by.get(r, 0)) >= 1]
    assert len(changed) >= len(classes) // 2

    con.close()


def test_insights_count_by_posterior_when_configured(classified: Path) -> None:
    from earful.insights import InsightsConfig, find_insights, parse_config

    assert parse_config("reason_counts: posterior").reason_counts == "posterior"
    con = connect(classified)
    by_label = find_insights(con, store=False)
    by_posterior = find_insights(con, config=InsightsConfig(reason_counts="posterior"), store=False)
    em = [i for i in by_posterior if i.kind == "emerging_issue"]
    assert all(i.reason != "unknown" for i in em)
    assert {i.kind for i in by_label} >= {i.kind for i in by_posterior} - {"emerging_issue"}
    con.close()
