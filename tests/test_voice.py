"""The voice channel on real audio through the real speech model: calls spoken by espeak-ng
(stereo, 8 kHz µ-law telephony with a hold, mono, MP3/FLAC/Ogg, French), a broken and a silent
file, heard once per session into a real store."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest
from _voice import pytestmark, transcriber, voice_run  # noqa: F401

ID = "pbx:CALL-{}"


@pytest.fixture(scope="module")
def con(voice_run):
    c = duckdb.connect(str(voice_run["db"]), read_only=True)
    yield c
    c.close()


def _digits_runs(text: str) -> list[str]:
    return re.findall(r"\d(?:[ ,.-]?\d){3,}", text or "")


def test_each_recording_loaded_or_quarantined_with_its_reason(voice_run, con):
    r = voice_run["result"]
    assert (r.files, r.loaded, r.quarantined) == (9, 7, 2)
    reasons = dict(con.execute("SELECT split_part(reason, ': ', 2), reason FROM quarantine").fetchall())
    assert "not a readable recording" in reasons["broken.wav"]
    assert "silent" in reasons["silent.wav"]
    got = dict(con.execute("SELECT id, queue || '/' || agent_id FROM interactions").fetchall())
    assert got[ID.format(1)] == "cards/A1" and got[ID.format(3)] == "loans/A1"
    answered = con.execute("SELECT answered_at FROM interactions WHERE id = ?", [ID.format(2)]).fetchone()[0]
    assert str(answered) == "2025-08-04 09:30:00"
    for table in ("voice_recordings", "voice_audio", "speech_metrics"):  # every loaded call has all its rows
        n = con.execute(f"SELECT count(*) FROM {table} t JOIN interactions i ON i.id = t.interaction_id").fetchone()[0]
        assert n == 7, table


def test_stereo_channels_give_every_word_its_speaker(voice_run, con):
    script, _ = voice_run["truth"]["c1"]
    words = con.execute("SELECT t.speaker, w.start_s, w.end_s FROM voice_words w JOIN voice_turns t USING (interaction_id, seq) "
                        "WHERE interaction_id = ?", [ID.format(1)]).fetchall()
    checked = 0
    for speaker, a, b in words:
        mid = (a + b) / 2
        who = {t.speaker for t in script.truth if t.start_s - 0.2 <= mid <= t.end_s + 0.2}
        if len(who) == 1:
            checked += 1
            assert speaker in who, (speaker, mid)
    assert checked >= 40
    rec = con.execute("SELECT speakers_by, channels FROM voice_recordings WHERE interaction_id = ?", [ID.format(1)]).fetchone()
    assert rec == ("channel", 2)
    turns = con.execute("SELECT speaker FROM turns WHERE interaction_id = ? ORDER BY seq", [ID.format(1)]).fetchall()
    assert turns[0] == ("agent",) and ("customer",) in turns


def test_spoken_card_number_is_beeped_and_replaced(voice_run, con, transcriber, tmp_path):
    from earful.voice.audio import read_audio

    script, path = voice_run["truth"]["c1"]
    raw = " ".join(t for (t,) in con.execute("SELECT text FROM voice_turns WHERE interaction_id = ?", [ID.format(1)]).fetchall())
    red = con.execute("SELECT string_agg(redacted_text, ' ') FROM voice_turns WHERE interaction_id = ?", [ID.format(1)]).fetchone()[0]
    assert _digits_runs(raw), "the card number was heard"
    assert not _digits_runs(red) and re.search(r"\[(CARD|NUMBER)\]", red), red
    pii = con.execute("SELECT min(start_s), max(end_s), count(*) FROM voice_words WHERE interaction_id = ? "
                      "AND pii_type IN ('CARD', 'NUMBER')", [ID.format(1)]).fetchone()
    card_line = next(t for t in script.truth if "4 5 3 9" in t.text)
    assert pii[2] >= 3 and card_line.start_s - 1 <= pii[0] and pii[1] <= card_line.end_s + 1
    # the redacted audio: a 1 kHz tone where the digits were said, and no digits when heard again
    blob = con.execute("SELECT audio FROM voice_audio WHERE interaction_id = ?", [ID.format(1)]).fetchone()[0]
    (tmp_path / "red.ogg").write_bytes(bytes(blob))
    redacted = read_audio(tmp_path / "red.ogg").mono()
    original = read_audio(path).channels[1]
    a, b = int((pii[0] + 0.2) * 16000), int((pii[1] - 0.2) * 16000)
    for x, tone in ((redacted, True), (original, False)):
        spec = np.abs(np.fft.rfft(x[a:b]))
        peak_hz = np.argmax(spec) * 16000 / (b - a)
        assert (abs(peak_hz - 1000) < 20) == tone, peak_hz
    again = transcriber.transcribe(redacted)
    assert not _digits_runs(" ".join(w.word for w in again.words))


def test_telephone_recording_with_hold(voice_run, con):
    rate, dur = con.execute("SELECT sample_rate_hz, duration_s FROM voice_recordings WHERE interaction_id = ?",
                            [ID.format(2)]).fetchone()
    assert rate == 8000
    m = con.execute("SELECT hold_count, hold_s, hold_segments, agent_talk_s, customer_talk_s FROM speech_metrics "
                    "WHERE interaction_id = ?", [ID.format(2)]).fetchone()
    assert m[0] == 1 and 33 <= m[1] <= 37, m
    (start, end), = json.loads(m[2])
    script, _ = voice_run["truth"]["c2"]
    before = next(t for t in script.truth if "hold for a moment" in t.text)
    assert abs(start - before.end_s) < 1.5
    talk_s = con.execute("SELECT talk_s, hold_s FROM interactions WHERE id = ?", [ID.format(2)]).fetchone()
    assert abs(talk_s[0] + talk_s[1] - dur) < 0.1
    words = con.execute("SELECT string_agg(text, ' ') FROM voice_turns WHERE interaction_id = ?", [ID.format(2)]).fetchone()[0]
    assert "hold" in words.lower()


def test_overtalk_on_stereo_and_unknown_on_mono(voice_run, con):
    over = con.execute("SELECT overtalk_s, overtalk_count FROM speech_metrics WHERE interaction_id = ?", [ID.format(1)]).fetchone()
    assert over[0] >= 0.3 and over[1] >= 1  # the customer starts 0.8 s before the agent finishes
    mono = con.execute("SELECT overtalk_s, overtalk_count FROM speech_metrics WHERE interaction_id = ?", [ID.format(3)]).fetchone()
    assert mono == (None, None)
    two = con.execute("SELECT overtalk_s FROM speech_metrics WHERE interaction_id = ?", [ID.format(2)]).fetchone()[0]
    assert two < 0.5  # nobody talks over anybody in call 2


def test_mono_call_is_diarised_or_left_unknown(voice_run, con):
    by = con.execute("SELECT speakers_by FROM voice_recordings WHERE interaction_id = ?", [ID.format(3)]).fetchone()[0]
    speakers = {s for (s,) in con.execute("SELECT speaker FROM voice_turns WHERE interaction_id = ?", [ID.format(3)]).fetchall()}
    if by == "diarisation":
        script, _ = voice_run["truth"]["c3"]
        words = con.execute("SELECT t.speaker, w.start_s, w.end_s FROM voice_words w JOIN voice_turns t "
                            "USING (interaction_id, seq) WHERE interaction_id = ?", [ID.format(3)]).fetchall()
        ok = n = 0
        for spk, a, b in words:
            who = {t.speaker for t in script.truth if t.start_s - 0.2 <= (a + b) / 2 <= t.end_s + 0.2}
            if len(who) == 1:
                n += 1
                ok += spk in who
        assert speakers == {"agent", "customer"} and ok / n >= 0.8
    else:
        assert by == "none" and speakers == {"unknown"}
        text, turns = con.execute("SELECT text, (SELECT count(*) FROM turns WHERE interaction_id = id) FROM interactions "
                                  "WHERE id = ?", [ID.format(3)]).fetchone()
        assert text and turns == 0


@pytest.mark.parametrize("n, ext", [(4, "mp3"), (5, "flac"), (6, "ogg")])
def test_compressed_formats(voice_run, con, n, ext):
    container, = con.execute("SELECT container FROM voice_recordings WHERE interaction_id = ?", [ID.format(n)]).fetchone()
    assert container == ext
    text = con.execute("SELECT string_agg(text, ' ') FROM voice_turns WHERE interaction_id = ? AND speaker = 'customer'",
                       [ID.format(n)]).fetchone()[0].lower()
    assert "card" in text and "lost" in text


def test_language_check_flags_a_french_call(con):
    lang, ok = con.execute("SELECT language, language_ok FROM voice_recordings WHERE interaction_id = ?",
                           [ID.format(7)]).fetchone()
    assert (lang, ok) == ("fr", False)
    assert con.execute("SELECT count(*) FROM voice_turns WHERE interaction_id = ?", [ID.format(7)]).fetchone()[0] == 0
    ok_en = con.execute("SELECT bool_and(language_ok) FROM voice_recordings WHERE language = 'en'").fetchone()[0]
    assert ok_en


def test_speech_analytics_by_agent_and_queue(voice_run):
    from earful.store import connect
    from earful.voice.metrics import speech_table

    con = connect(voice_run["db"], read_only=True)
    try:
        by_agent = {r["agent"]: r for r in speech_table(con, "agent")}
        by_queue = {r["queue"]: r for r in speech_table(con, "queue")}
    finally:
        con.close()
    assert set(by_agent) == {"A1", "A2"} and sum(r["calls"] for r in by_agent.values()) == 7
    assert by_queue["loans"]["calls"] == 1 and by_queue["loans"]["overtalk_share"] is None  # mono only
    cards = by_queue["cards"]
    assert 0 < cards["talk_ratio"] < 1 and cards["holds"] == 1 and cards["overtalk_share"] > 0
    assert 100 < cards["agent_wpm"] < 300


def _run(args: list[str], db: Path, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "EARFUL_DB": str(db)}
    return subprocess.run([sys.executable, "-m", "earful.cli", *args], capture_output=True, text=True, env=env, **kw)


def test_rerun_is_incremental(voice_run, tmp_path):
    db = tmp_path / "copy.duckdb"
    shutil.copy(voice_run["db"], db)
    folder = tmp_path / "recs"
    shutil.copytree(voice_run["folder"], folder)
    out = _run(["ingest", str(folder), "--format", "audio", "--metadata", str(folder / "calls.csv"), "--source", "pbx",
                "--json", "--allow-bad"], db)
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    # a different folder name: same bytes and options are still recognised by their hash
    assert (res["loaded"], res["skipped"], res["imports"]) == (0, 9, [])
    shutil.copy(folder / "c4-short-flac.flac", folder / "c6-new.flac")
    out = _run(["ingest", str(folder), "--format", "audio", "--json", "--metadata", str(folder / "calls.csv"),
                "--source", "pbx"], db)
    res = json.loads(out.stdout)
    assert out.returncode == 1 and res["quarantined"] == 1 and len(res["imports"]) == 1  # not in the metadata
    listed = _run(["quarantine", "--export", str(tmp_path / "q.jsonl")], db)
    assert listed.returncode == 0 and "c6-new.flac: not listed in the metadata" in (tmp_path / "q.jsonl").read_text()


def test_crash_mid_run_loses_nothing(voice_run, tmp_path):
    folder = tmp_path / "recs"
    folder.mkdir()
    for name in ("c4-short-mp3.mp3", "c4-short-flac.flac", "c4-short-ogg.ogg"):
        shutil.copy(voice_run["folder"] / name, folder / name)
    db = tmp_path / "crash.duckdb"
    env = {**os.environ, "EARFUL_DB": str(db)}
    proc = subprocess.Popen([sys.executable, "-m", "earful.cli", "ingest", str(folder), "--workers", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    line = proc.stderr.readline()  # the first recording is stored when its line is printed
    assert line.startswith("heard "), line + proc.stderr.read()
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    con = duckdb.connect(str(db))
    first = con.execute("SELECT count(*) FROM interactions").fetchone()[0]
    partial = con.execute("SELECT count(*) FROM interactions i LEFT JOIN voice_audio a ON a.interaction_id = i.id "
                          "LEFT JOIN speech_metrics m ON m.interaction_id = i.id WHERE a.interaction_id IS NULL "
                          "OR m.interaction_id IS NULL").fetchone()[0]
    con.close()
    assert 1 <= first <= 2 and partial == 0
    out = _run(["ingest", str(folder), "--json", "--workers", "1"], db)
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    assert res["loaded"] == 3 - first and res["skipped"] == first, res
    con = duckdb.connect(str(db))
    assert con.execute("SELECT count(*), count(DISTINCT id) FROM interactions").fetchone() == (3, 3)
    con.close()


def test_cli_speech_and_one_line_errors(voice_run, tmp_path):
    db = tmp_path / "s.duckdb"
    shutil.copy(voice_run["db"], db)
    out = _run(["speech", "--by", "queue", "--format", "json"], db)
    assert out.returncode == 0, out.stderr
    assert {r["queue"] for r in json.loads(out.stdout)} == {"cards", "loans"}
    bad = _run(["ingest", str(tmp_path / "nowhere"), "--format", "audio"], db)
    assert bad.returncode == 2 and "not found" in bad.stderr and "Traceback" not in bad.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    bad = _run(["ingest", str(empty), "--format", "audio"], db)
    assert bad.returncode == 2 and "no recordings" in bad.stderr
    bad = _run(["ingest", str(voice_run["folder"]), "--format", "audio", "--model", str(tmp_path)], db)
    assert bad.returncode == 2 and "speech model" in bad.stderr


def test_a_number_read_out_with_a_misheard_digit_is_redacted_whole():
    from earful.voice.redact import mark_words
    from earful.voice.transcribe import Word, normalise_numbers

    def words(text):
        return [Word(i * 0.4, i * 0.4 + 0.3, w, 0.9) for i, w in enumerate(text.split())]

    # what the model wrote for a card read out digit by digit in the demo (one "one" heard as "run")
    _, red, kinds = mark_words(words("Yes, it is 4539, run 488, 0343 6467. Thanks"))
    assert red == "Yes, it is [NUMBER] Thanks" and kinds.count("NUMBER") == 5
    _, red, _ = mark_words(normalise_numbers(words("it's four five three nine one four eight eight oh three four three six four six seven")))
    assert red == "it's [CARD]"
    _, red, kinds = mark_words(words("I paid 25 pounds on the 3rd of May at 10 o'clock"))  # short numbers stay
    assert red == "I paid 25 pounds on the 3rd of May at 10 o'clock" and not any(kinds)


def test_enrichment_keeps_the_redaction_made_when_the_call_was_heard(voice_run, tmp_path):
    from earful.nlp.enrich import enrich
    from earful.store import connect

    db = tmp_path / "e.duckdb"
    shutil.copy(voice_run["db"], db)
    con = connect(db)
    try:
        assert enrich(con, fast=True) == 7
        turns = " ".join(t for (t,) in con.execute("SELECT redacted_text FROM enrichment_turns").fetchall())
        whole = " ".join(t or "" for (t,) in con.execute("SELECT redacted_text FROM enrichment").fetchall())
    finally:
        con.close()
    assert not _digits_runs(turns) and not _digits_runs(whole)
    assert re.search(r"\[(CARD|NUMBER)\]", turns) and whole
