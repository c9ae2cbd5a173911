"""Shared pieces of the voice tests: small calls spoken by espeak-ng with their truth, heard once
per session by the real speech model into a real store."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")

_MEMO: dict = {}


def _short(folder: Path, name: str, codec_ext: str) -> Path:
    """A two-line stereo call encoded as MP3, FLAC or Ogg/Opus (PyAV)."""
    import av

    from earful.voice.synth import CallScript, render

    x = render(CallScript(lines=[("agent", "Thank you for calling, how can I help?"),
                                 ("customer", "I lost my card yesterday and I need a new one.")]))
    codec, fmt, rate = {"mp3": ("libmp3lame", "mp3", 16000), "flac": ("flac", "flac", 16000),
                        "ogg": ("libopus", "ogg", 48000)}[codec_ext]
    if rate != 16000:
        from earful.voice.audio import resample

        x = np.stack([resample(c, 16000, rate) for c in x])
    path = folder / f"{name}.{codec_ext}"
    with av.open(str(path), "w", format=fmt) as out:
        st = out.add_stream(codec, rate=rate, layout="stereo")
        frame_len = 960 if codec == "libopus" else 1152
        pts = 0
        for i in range(0, x.shape[1], frame_len):
            block = np.ascontiguousarray(x[:, i:i + frame_len])
            fr = av.AudioFrame.from_ndarray(block, format="fltp", layout="stereo")
            fr.sample_rate, fr.pts = rate, pts
            pts += block.shape[1]
            for p in st.encode(fr):
                out.mux(p)
        for p in st.encode(None):
            out.mux(p)
    return path


def make_calls(folder: Path) -> dict:
    """The test calls (seeds 1-4; the benchmark uses 100 and up) and a metadata CSV. Returns truth."""
    from earful.voice.audio import write_wav
    from earful.voice.synth import CallScript, render, script_for, write_call

    folder.mkdir(parents=True, exist_ok=True)
    truth = {}
    s1 = script_for(1, card=True, overlap_s=0.8)
    truth["c1"] = (s1, write_call(folder / "c1-stereo-card.wav", render(s1)))
    s2 = script_for(2, hold_s=35.0)
    truth["c2"] = (s2, write_call(folder / "c2-phone-hold.wav", render(s2), "telephone"))
    s3 = script_for(3)
    truth["c3"] = (s3, write_call(folder / "c3-mono.wav", render(s3), "mono"))
    for ext in ("mp3", "flac", "ogg"):
        truth[ext] = (None, _short(folder, f"c4-short-{ext}", ext))
    fr = CallScript(lines=[("agent", "Bonjour, service clients, que puis-je faire pour vous?"),
                           ("customer", "Bonjour, ma carte bancaire a été débitée deux fois pour le même achat.")],
                    agent_voice="fr+f3", customer_voice="fr+m3")
    truth["fr"] = (fr, write_call(folder / "c5-french.wav", render(fr)))
    (folder / "broken.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEnot really a recording")
    write_wav(folder / "silent.wav", np.zeros((2, 16000 * 4), dtype=np.float32))
    rows = ["file,source_id,queue,agent_id,answered_at,disposition",
            "c1-stereo-card.wav,CALL-1,cards,A1,2025-08-04 09:00:00,card_payment_wrong_exchange_rate",
            "c2-phone-hold.wav,CALL-2,cards,A2,2025-08-04 09:30:00,card_arrival",
            "c3-mono.wav,CALL-3,loans,A1,2025-08-04 10:00:00,",
            "c4-short-mp3.mp3,CALL-4,cards,A2,2025-08-05 09:00:00,lost_or_stolen_card",
            "c4-short-flac.flac,CALL-5,cards,A2,2025-08-05 09:10:00,lost_or_stolen_card",
            "c4-short-ogg.ogg,CALL-6,cards,A1,2025-08-05 09:20:00,lost_or_stolen_card",
            "c5-french.wav,CALL-7,cards,A1,2025-08-05 09:30:00,",
            "broken.wav,CALL-8,cards,A1,2025-08-05 10:00:00,",
            "silent.wav,CALL-9,cards,A1,2025-08-05 10:10:00,"]
    (folder / "calls.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return truth


def voice_session(tmp_path_factory) -> dict:
    """Calls made and heard once for the whole test session: {folder, db, truth, result}."""
    if "run" not in _MEMO:
        from earful.store import connect
        from earful.voice.ingest import ingest_recordings

        base = tmp_path_factory.mktemp("voice")
        folder = base / "recordings"
        truth = make_calls(folder)
        db = base / "voice.duckdb"
        con = connect(db)
        try:
            result = ingest_recordings(con, folder, metadata=folder / "calls.csv", source="pbx", workers=2)
        finally:
            con.close()
        _MEMO["run"] = {"folder": folder, "db": db, "truth": truth, "result": result}
    return _MEMO["run"]


@pytest.fixture(scope="session")
def voice_run(tmp_path_factory):
    return voice_session(tmp_path_factory)


@pytest.fixture(scope="session")
def transcriber():
    from earful.voice.transcribe import Transcriber

    return Transcriber(cpu_threads=2).fit()
