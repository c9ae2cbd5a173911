"""QA on recorded calls: the calls spoken by espeak-ng and heard by the real speech model (shared with
the voice tests) are scored like any other contact, their turn times coming from the recording, so the
silence and hold items judge the recording's real gaps."""

from __future__ import annotations

import shutil


import duckdb
import pytest
from _voice import pytestmark, voice_run  # noqa: F401
from _web import PASSWORD, browser, serve, sign_in_page  # noqa: F401 (browser: a fixture)

from earful.quality.run import score_store
from earful.store import connect

ID = "pbx:CALL-{}"


def _verdicts(con, iid: str) -> dict[str, tuple[str, int | None]]:
    return {item: (v, seq) for item, v, seq in con.execute(
        "SELECT item, verdict, evidence_seq FROM qa_items WHERE interaction_id = ?", [iid]).fetchall()}


@pytest.fixture(scope="module")
def scored(voice_run, tmp_path_factory):
    from earful.web.auth import add_user

    db = tmp_path_factory.mktemp("qa-voice") / "calls.duckdb"
    shutil.copy(voice_run["db"], db)
    con = connect(db)
    try:
        n = score_store(con)
        again = score_store(con)
        add_user(con, "sue", PASSWORD, "supervisor", team="cards")
        con.execute("INSERT INTO agent_teams (agent_id, team) VALUES ('A2', 'cards')")  # CALL-2's agent
    finally:
        con.close()
    con = duckdb.connect(str(db), read_only=True)
    yield con, n, again, db
    con.close()


def test_every_call_with_speakers_is_scored(scored):
    con, n, again, _ = scored
    with_agent = {i for (i,) in con.execute("SELECT DISTINCT interaction_id FROM turns WHERE speaker = 'agent'").fetchall()}
    heard = {i for (i,) in con.execute("SELECT interaction_id FROM voice_recordings").fetchall()}
    assert ID.format(1) in with_agent and ID.format(2) in with_agent
    assert with_agent <= heard and n == len(with_agent)
    scored_ids = {i for (i,) in con.execute("SELECT interaction_id FROM qa_scores").fetchall()}
    assert scored_ids == with_agent
    assert again == 0  # nothing new on a second run


def _gap(con, iid: str) -> tuple[int, int]:
    """The turns either side of the recording's longest gap (the hold)."""
    t = con.execute("SELECT seq, start_s, end_s FROM voice_turns WHERE interaction_id = ? ORDER BY seq", [iid]).fetchall()
    a, b = max(zip(t, t[1:]), key=lambda p: p[1][1] - p[0][2])
    assert b[1] - a[2] > 30, t
    return a[0], b[0]


def test_calls_are_judged_on_what_was_heard(scored):
    con = scored[0]
    for n in (1, 2):
        v = _verdicts(con, ID.format(n))
        assert v["greeting"] == ("pass", 1)
        assert v["recording_notice"][0] == "fail"  # no script says the call is recorded
    call1 = _verdicts(con, ID.format(1))
    assert call1["dead_air"][0] == "pass" and call1["hold_etiquette"][0] == "na"  # no silence, no hold
    assert _verdicts(con, ID.format(2))["hold_etiquette"][0] != "na"  # the hold the recording shows applies


def _rescore(voice_run, tmp_path, edit) -> tuple[dict, tuple[int, int]]:
    db = tmp_path / "call.duckdb"
    shutil.copy(voice_run["db"], db)
    con = connect(db)
    try:
        iid = ID.format(2)
        before, after = _gap(con, iid)
        edit(con, iid, before, after)
        score_store(con, ids=[iid])
        return _verdicts(con, iid), (before, after)
    finally:
        con.close()


def test_a_hold_announced_before_the_silence_passes(voice_run, tmp_path):
    """The hold's words as spoken (the model may mishear them at 8 kHz): the 35 s gap in the recording
    is announced, so neither the hold nor the silence fails."""
    script, _ = voice_run["truth"]["c2"]
    ask = next(t.text for t in script.truth if "hold for a moment" in t.text)
    thanks = next(t.text for t in script.truth if "holding" in t.text)

    def say(con, iid, before, after):
        con.execute("UPDATE turns SET text = text || ' ' || ? WHERE interaction_id = ? AND seq = ?", [ask, iid, before])
        con.execute("UPDATE turns SET text = ? || ' ' || text WHERE interaction_id = ? AND seq = ?", [thanks, iid, after])

    v, _ = _rescore(voice_run, tmp_path, say)
    assert v["hold_etiquette"][0] == "pass" and v["dead_air"][0] == "pass"


def test_an_unannounced_silence_in_the_recording_is_dead_air(voice_run, tmp_path):
    """The same recording with every word about the hold taken out: the gap is unexplained, and the
    verdict points at the turn after it."""
    def mute(con, iid, before, after):
        con.execute("UPDATE turns SET text = 'Right.' WHERE interaction_id = ? AND seq IN (?, ?)", [iid, before, after])

    v, (_, after) = _rescore(voice_run, tmp_path, mute)
    assert v["dead_air"] == ("fail", after)
    assert v["hold_etiquette"][0] == "fail"


def test_a_verdict_plays_the_call_from_its_turn(browser, scored, tmp_path):
    """In the reader a recorded call's transcript replaces the text; a verdict's turn link still opens
    that turn, and the player moves to where it was said (a supervisor of the agent's team)."""

    con, _, _, db = scored
    iid = ID.format(2)
    item, seq = con.execute("SELECT item, evidence_seq FROM qa_items WHERE interaction_id = ? AND evidence_seq > 1 "
                            "ORDER BY evidence_seq DESC LIMIT 1", [iid]).fetchone()
    start = con.execute("SELECT start_s FROM voice_turns WHERE interaction_id = ? AND seq = ?", [iid, seq]).fetchone()[0]
    copy = tmp_path / "site.duckdb"
    shutil.copy(db, copy)
    with serve(copy) as url:
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        sign_in_page(page, url, "sue")
        page.goto(url + f"/interactions/{iid}")
        page.wait_for_selector(f"#voice .voice-transcript #turn-{seq}")
        assert page.locator(f"#turn-{seq}").count() == 1  # the hidden text gave its anchors up
        page.wait_for_function("() => document.querySelector('#voice audio').duration > 10", timeout=15000)
        page.click(f"#qa tr[data-item={item}] a[href='#turn-{seq}']")
        page.wait_for_function(f"() => Math.abs(document.querySelector('#voice audio').currentTime - {start}) < 0.5",
                               timeout=10000)
        assert page.is_visible(f"#turn-{seq}")
        assert not errors, errors
