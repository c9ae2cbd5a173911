"""One recording heard end to end: decode, find speech, transcribe, attribute speakers,
measure, redact. Pure of the store: ``hear(path, transcriber)`` returns a ``Call``.

Stereo recordings (the usual recorder layout) carry the agent on one channel and the customer
on the other (``agent_channel``, default 0 = left): each channel is transcribed on its own, so
every word's speaker is known exactly. Mono recordings are diarised (``earful.voice.diarise``);
when the two voices cannot be told apart the words keep ``speaker = unknown``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path


from earful.errors import InputError
from earful.voice.analytics import SpeechMetrics, speech_metrics
from earful.voice.audio import Audio, encode_opus, read_audio, rms_dbfs
from earful.voice.diarise import Diariser
from earful.voice.redact import beep, mark_words
from earful.voice.transcribe import Transcriber, Word

SILENT_DBFS = -60.0


@dataclass
class Turn:
    speaker: str  # agent, customer, unknown
    words: list[Word]
    text: str = ""
    redacted_text: str = ""
    pii: list[str | None] = field(default_factory=list)

    @property
    def start_s(self) -> float:
        return self.words[0].start_s

    @property
    def end_s(self) -> float:
        return self.words[-1].end_s


@dataclass
class Call:
    """Everything heard in one recording."""

    file: str
    container: str
    sample_rate_hz: int
    channels: int
    duration_s: float
    speakers_by: str  # channel, diarisation, none
    model: str
    language: str | None
    language_probability: float | None
    language_ok: bool | None
    turns: list[Turn]
    metrics: SpeechMetrics
    redacted_audio: bytes
    redacted_stretches: list[tuple[float, float]]
    cpu_s: float

    @property
    def transcript(self) -> str:
        return "\n".join(f"{t.speaker}: {t.text}" for t in self.turns)


def _turns(labelled: list[tuple[str, Word]], phrase_gap_s: float = 0.8, max_gap_s: float = 2.0) -> list[Turn]:
    """Speaker turns: each speaker's words form phrases (split at pauses of ``phrase_gap_s``);
    phrases are ordered by their start, and consecutive phrases of one speaker make one turn
    (unless ``max_gap_s`` of silence lies between). A reply that starts while the other party is
    still speaking becomes the next turn, not a word-by-word interleaving."""
    phrases: list[Turn] = []
    last: dict[str, Turn] = {}
    for spk, w in sorted(labelled, key=lambda p: (p[1].start_s, p[1].end_s)):
        p = last.get(spk)
        if p is not None and w.start_s - p.end_s < phrase_gap_s:
            p.words.append(w)
        else:
            last[spk] = Turn(speaker=spk, words=[w])
            phrases.append(last[spk])
    turns: list[Turn] = []
    for p in sorted(phrases, key=lambda t: t.start_s):
        if turns and turns[-1].speaker == p.speaker and p.start_s - turns[-1].end_s < max_gap_s:
            turns[-1].words.extend(p.words)
        else:
            turns.append(p)
    return turns


def hear(path: str | Path, transcriber: Transcriber, *, diariser: Diariser | None = None,
         agent_channel: int = 0, min_language_probability: float = 0.5,
         dead_air_min_s: float = 5.0, hold_min_s: float = 30.0, audio: Audio | None = None) -> Call:
    """Hear one recording. Unreadable or silent recordings raise ``InputError`` with the reason."""
    cpu0 = time.process_time()
    path = Path(path)
    audio = audio or read_audio(path)
    if audio.duration_s < 0.3:
        raise InputError(f"{path.name}: too short to hold speech ({audio.duration_s:.2f} s)")
    level = rms_dbfs(audio.channels)
    if level < SILENT_DBFS:
        raise InputError(f"{path.name}: silent (level {level:.0f} dBFS, no speech)")
    stereo = audio.n_channels == 2
    labelled: list[tuple[str, Word]] = []
    speech: dict[str, list[tuple[float, float]]] = {}
    langs: list[tuple[str | None, float | None, int]] = []
    if stereo:
        roles = {agent_channel: "agent", 1 - agent_channel: "customer"}
        mix = audio.mono()
        detected = transcriber.detect_language(mix, transcriber.speech(mix))
        for ch, role in roles.items():
            heard = transcriber.transcribe(audio.channels[ch], detected)
            speech[role] = heard.speech
            labelled += [(role, w) for w in heard.words]
            langs.append((heard.language, heard.language_probability, len(heard.words)))
        speakers_by = "channel"
    else:
        mono = audio.channels[0]
        heard = transcriber.transcribe(mono)
        langs.append((heard.language, heard.language_probability, len(heard.words)))
        labels = (diariser or Diariser()).fit_predict(mono, heard.words, heard.speech)
        speech["unknown"] = heard.speech
        if heard.words and all(lab is not None for lab in labels):
            del speech["unknown"]
            speakers_by = "diarisation"
            labelled = [(lab, w) for lab, w in zip(labels, heard.words)]
            for lab, w in labelled:
                speech.setdefault(lab, []).append((w.start_s, w.end_s))
            speech.setdefault("agent", [])
            speech.setdefault("customer", [])
        else:
            speakers_by = "none"
            labelled = [("unknown", w) for w in heard.words]
    if not labelled and not any(speech.values()):
        raise InputError(f"{path.name}: no speech found (level {level:.0f} dBFS)")
    turns = _turns(labelled)
    to_beep = []
    for t in turns:
        t.text, t.redacted_text, t.pii = mark_words(t.words)
        to_beep += _pii_stretches(t.words, t.pii)
    redacted, stretches = beep(audio.mono(), to_beep)
    lang, lang_p = _language(langs)
    words_by = {}
    for spk, _ in labelled:
        words_by[spk] = words_by.get(spk, 0) + 1
    metrics = speech_metrics(audio.duration_s, speech, words_by, overlap_known=stereo,
                             dead_air_min_s=dead_air_min_s, hold_min_s=hold_min_s)
    ok = None if lang is None else (lang == transcriber.language and (lang_p or 0) >= min_language_probability)
    return Call(file=str(path.resolve()), container=audio.container, sample_rate_hz=audio.sample_rate_hz,
                channels=audio.n_channels, duration_s=audio.duration_s, speakers_by=speakers_by,
                model=transcriber.model_name, language=lang, language_probability=lang_p, language_ok=ok,
                turns=turns, metrics=metrics, redacted_audio=encode_opus(redacted),
                redacted_stretches=stretches, cpu_s=time.process_time() - cpu0)


def _pii_stretches(words: list[Word], kinds: list[str | None]) -> list[tuple[float, float]]:
    """One stretch per run of consecutive words marked as personal data (a whole card number)."""
    out: list[tuple[float, float]] = []
    prev = None
    for w, kind in zip(words, kinds):
        if kind and prev == kind and out:
            out[-1] = (out[-1][0], max(out[-1][1], w.end_s))
        elif kind:
            out.append((w.start_s, w.end_s))
        prev = kind
    return out


def _language(found: list[tuple[str | None, float | None, int]]) -> tuple[str | None, float | None]:
    """The language of the channel that said most."""
    best = max(found, key=lambda f: f[2], default=(None, None, 0))
    return best[0], (None if best[1] is None else round(float(best[1]), 3))


__all__ = ["Call", "Turn", "hear"]
