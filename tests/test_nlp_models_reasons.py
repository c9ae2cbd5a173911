"""Contact-reason classifier on real BANKING77 utterances (20-intent subset, held-out split)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from earful.errors import InputError
from earful.nlp.reasons import UNKNOWN, ReasonClassifier
from _nlp_models import banking_subset


@pytest.fixture(scope="module")
def split(shared_data: Path):
    texts, labels, emb = banking_subset(shared_data)
    idx = np.arange(len(texts))
    test = idx % 5 == 0
    tr, te = idx[~test], idx[test]
    return ([texts[i] for i in tr], labels[tr], emb[tr]), ([texts[i] for i in te], labels[te], emb[te])


@pytest.fixture(scope="module")
def model(split) -> ReasonClassifier:
    (t, y, e), _ = split
    return ReasonClassifier(threshold=0.0).fit(t, y, e)


def test_accuracy_floor_all_labels(model, split) -> None:
    _, (t, y, e) = split
    assert np.mean(model.predict(t, e) == y) >= 0.94  # measured 0.975


def test_accuracy_floor_ten_per_reason(split) -> None:
    (t, y, e), (tt, yt, et) = split
    keep = np.concatenate([np.flatnonzero(y == c)[:10] for c in np.unique(y)])
    m = ReasonClassifier(threshold=0.0).fit([t[i] for i in keep], y[keep], e[keep])
    assert m.learner_ == "logistic"  # few labels: the embedding alone
    assert np.mean(m.predict(tt, et) == yt) >= 0.88  # measured 0.93


def test_learner_chosen_by_labels_per_reason(model, split) -> None:
    """Logistic regression on the embedding below FEW_LABELS examples a reason, the n-gram+embedding
    SVM from there on; either can be asked for; no embeddings means the SVM."""
    (t, y, e), (tt, yt, et) = split
    assert model.learner_ == "svm"  # 40 a reason
    keep = np.concatenate([np.flatnonzero(y == c)[:10] for c in np.unique(y)])
    few = ([t[i] for i in keep], y[keep], e[keep])
    svm = ReasonClassifier(threshold=0.0, learner="svm", calibration_folds=0).fit(*few)
    assert svm.learner_ == "svm" and svm.word_ is not None
    assert ReasonClassifier(embedding_weight=0, calibration_folds=0).fit(*few).learner_ == "svm"
    many = ReasonClassifier(threshold=0.0, learner="logistic", calibration_folds=0).fit(t, y, e)
    assert many.learner_ == "logistic" and many.word_ is None
    assert np.mean(many.predict(tt, et) == yt) >= 0.9
    with pytest.raises(InputError):
        ReasonClassifier(learner="logistic", embedding_weight=0).fit(*few)
    with pytest.raises(InputError):
        ReasonClassifier(learner="forest")


def test_self_training_learns_from_unlabelled_contacts(split) -> None:
    """10 labels a reason plus the rest of the training texts unlabelled: a capped sample of the
    pool is pseudo-labelled (the surest half per predicted reason), the answers are at least as
    good as from the 10 labels alone, and confidence stays honest."""
    from earful.nlp.reasons import POOL_PER_LABEL

    (t, y, e), (tt, yt, et) = split
    keep = np.concatenate([np.flatnonzero(y == c)[:10] for c in np.unique(y)])
    rest = np.setdiff1d(np.arange(len(y)), keep)
    plain = ReasonClassifier(threshold=0.0).fit([t[i] for i in keep], y[keep], e[keep])
    taught = ReasonClassifier(threshold=0.0).fit([t[i] for i in keep], y[keep], e[keep],
                                                 unlabeled=[t[i] for i in rest], unlabeled_embeddings=e[rest])
    pool = min(len(rest), POOL_PER_LABEL * len(keep))
    assert plain.pseudo_labelled_ == 0 and pool // 2 <= taught.pseudo_labelled_ <= pool // 2 + len(np.unique(y))
    lab, conf = taught.predict_with_confidence(tt, et)
    assert np.mean(lab == yt) >= np.mean(plain.predict(tt, et) == yt) - 0.01
    assert abs(conf.mean() - np.mean(lab == yt)) < 0.08


def test_self_training_only_when_labels_are_few(model, split) -> None:
    """With 40 labels a reason the unlabelled texts are left alone: the same model as without them."""
    (t, y, e), (tt, _, et) = split
    with_pool = ReasonClassifier(threshold=0.0).fit(t, y, e, unlabeled=list(tt), unlabeled_embeddings=et)
    assert with_pool.pseudo_labelled_ == 0
    assert np.array_equal(with_pool.predict_proba(tt, et), model.predict_proba(tt, et))


def test_confidence_is_calibrated_enough(model, split) -> None:
    """Mean confidence within 8 points of accuracy; confident answers more often right."""
    _, (t, y, e) = split
    lab, conf = model.predict_with_confidence(t, e)
    right = lab == y
    assert abs(conf.mean() - right.mean()) < 0.08
    hi = conf >= np.median(conf)
    assert right[hi].mean() >= right[~hi].mean()
    p = model.predict_proba(t, e)
    assert np.allclose(p.sum(1), 1.0)


def test_unknown_below_threshold(model, split) -> None:
    """Off-topic texts get lower confidence than in-domain ones and come out unknown."""
    _, (t, y, e) = split
    off = ["what is the weather in Paris tomorrow", "play some jazz music", "how many calories in a banana"]
    in_conf = model.predict_with_confidence(t, e)[1]
    off_conf = model.predict_with_confidence(off)[1]
    assert off_conf.max() < np.median(in_conf)
    strict = ReasonClassifier(threshold=float(off_conf.max()) + 1e-6)
    strict.__dict__.update({k: v for k, v in model.__dict__.items() if k != "threshold"})
    assert (strict.predict(off) == UNKNOWN).all()


def test_deterministic_and_save_load(model, split, tmp_path: Path) -> None:
    (t, y, e), (tt, _, et) = split
    again = ReasonClassifier(threshold=0.0).fit(t, y, e)
    assert np.array_equal(again.predict_proba(tt, et), model.predict_proba(tt, et))
    back = ReasonClassifier.load(model.save(tmp_path / "reasons.joblib"))
    assert np.array_equal(back.predict_proba(tt, et), model.predict_proba(tt, et))
    old = ReasonClassifier(threshold=0.0)  # a model saved before the learner choice: the SVM as svm_
    old.__dict__.update({k: v for k, v in model.__dict__.items() if k not in ("estimator_", "learner_")},
                        svm_=model.estimator_)
    old = ReasonClassifier.load(old.save(tmp_path / "old.joblib"))
    assert np.array_equal(old.predict_proba(tt, et), model.predict_proba(tt, et))


def test_user_errors() -> None:
    with pytest.raises(InputError):
        ReasonClassifier().fit(["a", "b"], ["x", "x"], np.zeros((2, 384), np.float32))
    with pytest.raises(InputError):
        ReasonClassifier().predict(["a"])
    with pytest.raises(InputError):
        ReasonClassifier.load("/nonexistent/reasons.joblib")


def test_out_of_scope_by_none_class_and_novelty(split) -> None:
    """Four intents the centre does not handle: two given as "none of these" examples, two never seen."""
    from earful.nlp.reasons import NONE_OF_THESE

    (t, y, e), (tt, ty, te) = split
    intents = sorted(set(y))
    none_given, unseen = intents[:2], intents[2:4]
    keep = ~np.isin(y, unseen)
    y_train = np.where(np.isin(y, none_given), NONE_OF_THESE, y).astype(object)[keep]
    m = ReasonClassifier(threshold=0.0, calibration_folds=0).fit([x for x, k in zip(t, keep) if k], y_train, e[keep])
    assert NONE_OF_THESE in m.classes_
    inside = ~np.isin(ty, none_given + unseen)
    labels, _ = m.predict_with_confidence(tt, te)
    # the centre's own "none of these" examples teach the class: their intents come back unknown
    assert np.mean(labels[np.isin(ty, none_given)] == UNKNOWN) >= 0.8
    assert np.mean(labels[inside] == ty[inside]) >= 0.85
    # intents never seen are farther from every training example than in-scope ones
    nov = m.novelty(tt, te)
    assert np.median(nov[np.isin(ty, unseen)]) > np.quantile(nov[inside], 0.75)
    m.novelty_threshold = float(np.quantile(nov[inside], 0.9))
    flagged, _ = m.predict_with_confidence(tt, te)
    assert np.mean(flagged[np.isin(ty, unseen)] == UNKNOWN) > np.mean(flagged[inside] == UNKNOWN) + 0.2
    no_emb = ReasonClassifier(threshold=0.0, calibration_folds=0, embedding_weight=0).fit(t, y)
    assert no_emb.novelty(tt) is None
