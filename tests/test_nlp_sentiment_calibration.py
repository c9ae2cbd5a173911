"""Sentiment calibrated per channel from the centre's rated comments (real rated sentences, the UCI
Yelp reviews bundled with earful): fitted from survey answers in a real store, kept beside it, used
by enrich; without enough rated comments nothing changes."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from earful.nlp.calibration import SentimentCalibration, fit_sentiment_calibration, stored_calibration
from earful.nlp.enrich import enrich
from earful.nlp.sentiment import default_scorer, load_uci_sentiment
from earful.store import connect


def _store(path: Path, comments: list[tuple[str, float, str]]):
    """A store with one contact per rated comment (on the given channel) and its survey answer."""
    con = connect(path)
    t0 = datetime(2025, 8, 1, 9)
    for i, (text, csat, channel) in enumerate(comments):
        at = t0 + timedelta(minutes=i)
        con.execute("INSERT INTO interactions (id, source, source_id, channel, direction, offered_at, text) "
                    "VALUES (?, 't', ?, ?, 'inbound', ?, 'hello')", [f"t:{i}", str(i), channel, at])
        con.execute("INSERT INTO interactions (id, source, source_id, channel, offered_at, related_id, csat, text) "
                    "VALUES (?, 't', ?, 'survey', ?, ?, ?, ?)", [f"t:s{i}", f"s{i}", at, f"t:{i}", csat, text])
    return con


def test_calibration_per_channel_is_stored_and_used_by_enrich(tmp_path: Path) -> None:
    texts, y = load_uci_sentiment("yelp")
    rng = np.random.default_rng(0)
    pos, neg = rng.permutation(np.nonzero(y == 1)[0]), rng.permutation(np.nonzero(y == 0)[0])
    # chat customers are mostly satisfied, e-mail customers mostly not
    chat = [(texts[i], 5.0, "chat") for i in pos[:90]] + [(texts[i], 1.0, "chat") for i in neg[:15]]
    email = [(texts[i], 5.0, "email") for i in pos[90:105]] + [(texts[i], 1.0, "email") for i in neg[15:105]]
    con = _store(tmp_path / "c.duckdb", chat + email)
    con.close()
    p = subprocess.run([sys.executable, "-m", "earful.cli", "surveys", "calibrate-sentiment", "--db",
                        str(tmp_path / "c.duckdb")], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and "chat: 105 rated comments" in p.stdout, (p.stdout, p.stderr)
    con = connect(tmp_path / "c.duckdb")
    cal = stored_calibration(con)
    assert cal is not None and set(cal.maps_) == {"*", "chat", "email"}
    assert cal.comments_["chat"] == 105 and cal.comments_["email"] == 105
    # the same words read kinder where customers are kinder
    p_chat, p_email = cal.probability([0.0, 0.0], ["chat", "email"])
    assert p_chat > 0.5 > p_email
    again = fit_sentiment_calibration(con)   # the same comments give the same maps
    assert again is not None and again.maps_ == cal.maps_

    enrich(con, fast=True, workers=1)
    raw = default_scorer().score([t for t, _, _ in chat[:3] + email[:3]])
    got = [con.execute("SELECT sentiment FROM enrichment WHERE interaction_id = ?", [f"t:s{i}"]).fetchone()[0]
           for i in (0, 1, 2, 105, 106, 107)]
    # survey comments have no channel map of their own: the pooled one
    assert np.allclose(got, cal.transform(raw, ["survey"] * 6)) and not np.allclose(got, raw)
    # each contact by its channel's map
    hello = default_scorer().score(["hello"])[0]
    chat_s, email_s = (con.execute("SELECT sentiment FROM enrichment WHERE interaction_id = ?", [i]).fetchone()[0]
                       for i in ("t:0", "t:105"))
    assert np.isclose(chat_s, cal.transform([hello], ["chat"])[0])
    assert np.isclose(email_s, cal.transform([hello], ["email"])[0]) and email_s < chat_s
    con.close()


def test_without_rated_comments_the_raw_score_and_default_band_stay(tmp_path: Path) -> None:
    texts, y = load_uci_sentiment("yelp")
    con = _store(tmp_path / "few.duckdb", [(texts[i], 5.0 if y[i] else 1.0, "chat") for i in range(20)])
    assert fit_sentiment_calibration(con) is None and stored_calibration(con) is None
    con.close()
    p = subprocess.run([sys.executable, "-m", "earful.cli", "surveys", "calibrate-sentiment", "--db",
                        str(tmp_path / "few.duckdb")], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "fewer than 50 rated comments" in p.stdout, (p.stdout, p.stderr)
    con = connect(tmp_path / "few.duckdb")
    assert stored_calibration(con) is None
    enrich(con, fast=True, workers=1)
    got = con.execute("SELECT sentiment FROM enrichment WHERE interaction_id = 't:s0'").fetchone()[0]
    assert np.isclose(got, default_scorer().score([texts[0]])[0])
    # an unfitted calibration changes nothing and labels with the default ±1/3 band
    empty = SentimentCalibration().fit([0.1, -0.2], [5, 1])
    assert empty.maps_ == {} and list(empty.label([0.5, 0.0, -0.5])) == ["positive", "neutral", "negative"]
    con.close()


def test_band_edges_move_toward_the_minority_on_skewed_ratings() -> None:
    """Mostly-happy customers: calibrated scores sit high, so the cut for "negative" moves up with them."""
    rng = np.random.default_rng(1)
    happy = rng.normal(0.4, 0.4, 850)
    unhappy = rng.normal(-0.4, 0.4, 150)
    cal = SentimentCalibration().fit(np.clip(np.r_[happy, unhappy], -1, 1), np.r_[np.full(850, 5.0), np.full(150, 1.0)])
    lo, hi = cal.edges_["*"]
    assert lo == hi                                    # no neutral ratings: one cut
    assert lo > -1 / 3
    pred = cal.label(np.r_[happy, unhappy])
    assert np.mean(pred[850:] == "negative") > 0.6 and np.mean(pred[:850] == "negative") < 0.25
