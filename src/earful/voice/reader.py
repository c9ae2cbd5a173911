"""What the interaction reader and the insight page read about a recording (no web code here)."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from earful.store.schema import has_table


def has_recordings(con: duckdb.DuckDBPyConnection) -> bool:
    return has_table(con, "voice_recordings")


def recording(con: duckdb.DuckDBPyConnection, interaction_id: str, *, raw: bool = False) -> dict | None:
    """The recording of an interaction: how it was heard, its turns and timed words, its speech
    analytics. Words that are personal data read as their placeholder unless ``raw``."""
    if not has_recordings(con):
        return None
    cur = con.execute("SELECT duration_s, speakers_by, model, language, language_probability, language_ok, "
                      "channels, sample_rate_hz FROM voice_recordings WHERE interaction_id = ?", [interaction_id])
    row = cur.fetchone()
    if row is None:
        return None
    out = dict(zip([d[0] for d in cur.description], row))
    turns = con.execute("SELECT seq, speaker, start_s, end_s, text, redacted_text FROM voice_turns "
                        "WHERE interaction_id = ? ORDER BY seq", [interaction_id]).fetchall()
    words = con.execute("SELECT seq, start_s, end_s, word, pii_type FROM voice_words WHERE interaction_id = ? "
                        "ORDER BY seq, word_no", [interaction_id]).fetchall()
    by_turn: dict[int, list] = {}
    for seq, a, b, word, kind in words:
        shown = word if raw or not kind else f"[{kind}]"
        ws = by_turn.setdefault(seq, [])
        if not raw and kind and ws and ws[-1]["pii"] == kind:  # one placeholder per stretch of personal data
            ws[-1]["end_s"] = b
            continue
        ws.append({"start_s": a, "end_s": b, "word": shown, "pii": kind})
    out["turns"] = [{"seq": seq, "speaker": spk, "start_s": a, "end_s": b, "text": text if raw else red,
                     "words": by_turn.get(seq, [])} for seq, spk, a, b, text, red in turns]
    cur = con.execute("SELECT * EXCLUDE (interaction_id) FROM speech_metrics WHERE interaction_id = ?", [interaction_id])
    m = cur.fetchone()
    out["speech"] = dict(zip([d[0] for d in cur.description], m)) if m else None
    red = con.execute("SELECT redacted_spans, redacted_s FROM voice_audio WHERE interaction_id = ?", [interaction_id]).fetchone()
    out["redacted_spans"], out["redacted_s"] = red if red else (0, 0.0)
    out["raw"] = raw
    return out


def redacted_transcript(con: duckdb.DuckDBPyConnection, interaction_id: str) -> dict[int, str]:
    """A recording's turns as redacted when it was heard, by turn number (empty without one)."""
    if not has_recordings(con):
        return {}
    rows = con.execute("SELECT seq, redacted_text FROM voice_turns WHERE interaction_id = ? ORDER BY seq",
                       [interaction_id]).fetchall()
    return {int(seq): text or "" for seq, text in rows}


def redacted_audio(con: duckdb.DuckDBPyConnection, interaction_id: str) -> tuple[str, bytes] | None:
    """(media type, bytes) of the redacted recording."""
    if not has_recordings(con):
        return None
    row = con.execute("SELECT mime, audio FROM voice_audio WHERE interaction_id = ?", [interaction_id]).fetchone()
    return (row[0], bytes(row[1])) if row else None


_MEDIA = {".wav": "audio/wav", ".mp3": "audio/mpeg", ".flac": "audio/flac", ".ogg": "audio/ogg", ".oga": "audio/ogg",
          ".opus": "audio/ogg", ".m4a": "audio/mp4"}


def original_file(con: duckdb.DuckDBPyConnection, interaction_id: str) -> tuple[Path, str] | None:
    """The original recording's path (as ingested) and media type."""
    if not has_recordings(con):
        return None
    row = con.execute("SELECT file FROM voice_recordings WHERE interaction_id = ?", [interaction_id]).fetchone()
    if row is None:
        return None
    path = Path(row[0])
    return path, _MEDIA.get(path.suffix.lower(), "application/octet-stream")


def _norm(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+|\[[a-z_]+\]", text.lower())


def quote_moment(con: duckdb.DuckDBPyConnection, interaction_id: str, quote: str) -> float | None:
    """Where in the recording a quote starts: the turn holding its first words (quotes are the
    customer's words joined), else the customer's first turn; None without a recording."""
    if not has_recordings(con):
        return None
    turns = con.execute("SELECT speaker, start_s, redacted_text FROM voice_turns WHERE interaction_id = ? ORDER BY seq",
                        [interaction_id]).fetchall()
    if not turns:
        return None
    head = _norm(quote)[:4]
    for _, start, text in turns:
        words = _norm(text or "")
        if head and any(words[i:i + len(head)] == head for i in range(len(words))):
            return float(start)
    for spk, start, _ in turns:
        if spk == "customer":
            return float(start)
    return float(turns[0][1])
