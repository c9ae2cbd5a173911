"""The reason model's distilled n-gram assigner: what `earful enrich --fast` classifies with."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from _nlp_models import banking_subset
from earful.nlp.enrich import enrich
from earful.nlp.models import assign_reasons, stored_models, train_reasons, unlabelled_texts
from earful.nlp.reasons import ReasonClassifier


@pytest.fixture(scope="module")
def few(shared_data: Path):
    """10 labels a reason (the logistic learner on the embedding), the rest of the training fifths
    unlabelled, every fifth text held out."""
    texts, labels, emb = banking_subset(shared_data)
    idx = np.arange(len(texts))
    tr, te = idx[idx % 5 != 0], idx[idx % 5 == 0]
    lab = np.concatenate([tr[labels[tr] == c][:10] for c in np.unique(labels)])
    pool = np.setdiff1d(tr, lab)
    return texts, labels, emb, lab, pool, te


@pytest.fixture(scope="module")
def distilled(few) -> ReasonClassifier:
    texts, labels, emb, lab, pool, _ = few
    args = ([texts[i] for i in lab], labels[lab], emb[lab])
    kw = {"unlabeled": [texts[i] for i in pool], "unlabeled_embeddings": emb[pool]}
    return ReasonClassifier(threshold=0.0).fit(*args, **kw).distil(*args, **kw)


def test_distilled_assigner_imitates_the_model_without_embeddings(distilled, few, monkeypatch) -> None:
    texts, labels, emb, _, _, te = few
    held = [texts[i] for i in te]
    full = distilled.predict(held, emb[te])
    fast = distilled.fast_assigner()
    assert fast is distilled.fast_ and fast.embedding_weight_ == 0 and fast.novelty(held) is None
    assert set(fast.classes_) == set(distilled.classes_)

    def no_encoder(*_a, **_k):
        raise AssertionError("the fast assigner ran the encoder")

    monkeypatch.setattr("earful.nlp.embed.embed", no_encoder)
    quick = fast.predict(held)
    assert np.mean(quick == full) >= 0.8  # measured 0.925 on these held-out texts
    assert np.mean(quick == labels[te]) >= 0.75  # measured 0.94; the model itself 0.955
    with pytest.raises(AssertionError):
        distilled.predict(held)  # the model itself needs the encoder


def test_ngram_model_is_its_own_fast_assigner(few) -> None:
    texts, labels, _, lab, _, _ = few
    m = ReasonClassifier(embedding_weight=0.0).fit([texts[i] for i in lab], labels[lab])
    assert m.distil([texts[i] for i in lab], labels[lab]).fast_ is None and m.fast_assigner() is m


def test_enrich_fast_classifies_with_the_distilled_assigner(con, few) -> None:
    """`reasons train` on dispositions distils the assigner from the store's unlabelled contacts;
    enrich --fast gives new contacts its answers, full enrich and `reasons assign` the model's."""
    texts, labels, _, lab, pool, te = few
    rows = [(f"c:{i:05d}", "test", f"{i:05d}", "chat", texts[i], labels[i] if i in set(lab) else None)
            for i in np.concatenate([lab, pool])]
    con.executemany("INSERT INTO interactions (id, source, source_id, channel, text, disposition) "
                    "VALUES (?, ?, ?, ?, ?, ?)", rows)
    con.execute("INSERT INTO enrichment (interaction_id) SELECT id FROM interactions")
    stages: list[str] = []
    model = train_reasons(con, [texts[i] for i in lab], labels[lab], source="disposition", threshold=0.0,
                          unlabeled=unlabelled_texts(con), progress=lambda s, d, t: stages.append(s))
    assert model.learner_ == "logistic" and model.fast_ is not None and "distilling a fast assigner" in stages
    assert con.execute("SELECT json_extract(metrics, '$.fast_assigner') FROM models "
                       "WHERE name = 'reasons'").fetchone()[0] == "true"
    stored, _ = stored_models(con)
    assert stored.fast_ is not None  # saved with the model

    con.executemany("INSERT INTO interactions (id, source, source_id, channel, text) VALUES (?, ?, ?, ?, ?)",
                    [(f"new:{i:05d}", "new", f"{i:05d}", "chat", texts[i]) for i in te])
    assert enrich(con, fast=True) == len(te)
    got = con.execute("SELECT e.redacted_text, e.reason FROM enrichment e "
                      "WHERE e.interaction_id LIKE 'new:%' ORDER BY e.interaction_id").fetchall()
    said = [t for t, _ in got]
    fast = [r for _, r in got]
    assert fast == [str(x) for x in stored.fast_.predict(said)]  # the distilled answers, exactly
    assign_reasons(con)  # the model itself, through the encoder
    full = [r for (r,) in con.execute("SELECT e.reason FROM enrichment e WHERE e.interaction_id LIKE 'new:%' "
                                     "ORDER BY e.interaction_id").fetchall()]
    assert full == [str(x) for x in stored.predict(said)]
    assert np.mean(np.array(fast) == np.array(full)) >= 0.8


def test_model_saved_before_distillation_still_loads(distilled, few, tmp_path: Path) -> None:
    texts, _, emb, _, _, te = few
    held = [texts[i] for i in te]
    old = ReasonClassifier(threshold=0.0)
    old.__dict__.update({k: v for k, v in distilled.__dict__.items() if k != "fast_"})
    back = ReasonClassifier.load(old.save(tmp_path / "old.joblib"))
    assert back.fast_assigner() is back  # no assigner: enrich --fast keeps the model (and its encoder)
    assert np.array_equal(back.predict(held, emb[te]), distilled.predict(held, emb[te]))
