"""Speech to timed words: faster-whisper (CTranslate2) with Silero voice-activity detection.

``Transcriber(model="tiny.en").fit()`` loads the model once; ``transcribe(samples)`` returns the
speech stretches the VAD found and the words with their times. Spoken numbers are written as
digits and digit groups joined ("four one one one" and "41, 1, 1" both become plain digit runs),
so that the redactor's number patterns see a card number the way it was said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from earful.voice.audio import SAMPLE_RATE
from earful.voice.models import default_model, model_path


@dataclass
class Word:
    start_s: float
    end_s: float
    word: str
    probability: float


@dataclass
class ChannelText:
    """What one channel (or a mono recording) said."""

    speech: list[tuple[float, float]]  # VAD speech stretches, seconds
    words: list[Word]
    language: str | None = None
    language_probability: float | None = None
    segments: list[tuple[float, float]] = field(default_factory=list)  # the model's own segments


_NUMBER_WORDS = {"zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
                 "for": None, "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9"}
_DIGITS = re.compile(r"^[\d][\d-]*$")
_PUNCT = ".,;:!?"


def _as_digits(token: str) -> str | None:
    """The digits a token says, or None when it is not a number token."""
    core = token.strip().strip(_PUNCT).lower()
    if _DIGITS.match(core):
        return core
    return _NUMBER_WORDS.get(core)


def normalise_numbers(words: list[Word]) -> list[Word]:
    """Write runs of spoken digits as digits: a run of three or more number tokens loses the
    commas and full stops between them and number words become digits ("four one one" → "4 1 1")."""
    out = [Word(w.start_s, w.end_s, w.word.strip(), w.probability) for w in words]
    i = 0
    while i < len(out):
        j = i
        while j < len(out) and _as_digits(out[j].word) is not None:
            j += 1
        if j - i >= 3:
            for k in range(i, j):
                digits = _as_digits(out[k].word) or ""
                tail = out[k].word[-1] if k == j - 1 and out[k].word[-1:] in _PUNCT else ""
                out[k].word = digits + tail
        i = max(j, i + 1)
    return [w for w in out if w.word]


class Transcriber:
    """Whisper through faster-whisper: VAD, greedy or beam decoding, word times, language check.

    ``model``: a known name or a model folder (``earful.voice.models``). ``language``: the language
    expected (decoding is held to it; the check compares it with what the model hears).
    ``cpu_threads``: threads of one transcription (0 = CTranslate2's default).
    ``language_model``: a multilingual model that checks the language when ``model`` is
    English-only (its language detection reads the first 30 s of speech); without one the
    check is left unknown.
    """

    def __init__(self, model: str | None = None, *, language: str = "en", beam_size: int = 1,
                 compute_type: str = "int8", cpu_threads: int = 0, vad_threshold: float = 0.5,
                 min_silence_ms: int = 300, speech_pad_ms: int = 150, language_model: str | None = "base") -> None:
        self.model = model
        self.language = language
        self.beam_size = beam_size
        self.compute_type = compute_type
        self.cpu_threads = cpu_threads
        self.vad_threshold = vad_threshold
        self.min_silence_ms = min_silence_ms
        self.speech_pad_ms = speech_pad_ms
        self.language_model = language_model

    @property
    def model_name(self) -> str:
        return str(self.model or default_model())

    def fit(self, X: object = None, y: object = None) -> "Transcriber":
        """Load the model (nothing is learned)."""
        from faster_whisper import WhisperModel

        self.model_path_ = model_path(self.model)
        self.whisper_ = WhisperModel(str(self.model_path_), device="cpu", compute_type=self.compute_type,
                                     cpu_threads=self.cpu_threads, num_workers=1)
        self.multilingual_ = bool(self.whisper_.model.is_multilingual)
        self.detector_ = self.whisper_ if self.multilingual_ else self._detector()
        return self

    def _detector(self):
        from faster_whisper import WhisperModel

        from earful.errors import ConfigError

        if not self.language_model:
            return None
        try:
            path = model_path(self.language_model)
        except ConfigError:  # not installed: the language stays unchecked
            return None
        return WhisperModel(str(path), device="cpu", compute_type=self.compute_type, cpu_threads=self.cpu_threads,
                            num_workers=1)

    def _vad_options(self):
        from faster_whisper.vad import VadOptions

        return VadOptions(threshold=self.vad_threshold, min_silence_duration_ms=self.min_silence_ms,
                          speech_pad_ms=self.speech_pad_ms)

    def speech(self, samples: np.ndarray) -> list[tuple[float, float]]:
        """Stretches of speech (seconds) by Silero VAD."""
        from faster_whisper.vad import get_speech_timestamps

        if samples.size < SAMPLE_RATE // 10:
            return []
        stamps = get_speech_timestamps(samples, self._vad_options(), sampling_rate=SAMPLE_RATE)
        return [(s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE) for s in stamps]

    def detect_language(self, samples: np.ndarray, speech: list[tuple[float, float]]) -> tuple[str | None, float | None]:
        """The language heard in the first 30 s of speech, by a multilingual model (None without one)."""
        if self.detector_ is None or not speech:
            return None, None
        chunks = [samples[int(a * SAMPLE_RATE):int(b * SAMPLE_RATE)] for a, b in speech]
        voiced = np.concatenate(chunks)[: 30 * SAMPLE_RATE]
        lang, prob, _ = self.detector_.detect_language(voiced)
        return lang, float(prob)

    def transcribe(self, samples: np.ndarray, detected: tuple[str | None, float | None] | None = None) -> ChannelText:
        """Words with times for one channel of 16 kHz float samples (``detected``: the language
        already found for the call, so that a stereo call is checked once)."""
        if not hasattr(self, "whisper_"):
            self.fit()
        speech = self.speech(samples)
        if not speech:
            return ChannelText(speech=[], words=[])
        lang, lang_p = detected if detected is not None else self.detect_language(samples, speech)
        if lang is not None and lang != self.language and (lang_p or 0) >= 0.5 and not self.multilingual_:
            # An English-only model would write English-sounding nonsense: keep the speech, not words.
            return ChannelText(speech=speech, words=[], language=lang, language_probability=lang_p)
        segments, info = self.whisper_.transcribe(
            samples, language=self.language if self.multilingual_ else None, beam_size=self.beam_size,
            word_timestamps=True, vad_filter=True, vad_parameters=self._vad_options(),
            condition_on_previous_text=False, without_timestamps=False, no_repeat_ngram_size=0,
            temperature=(0.0, 0.4, 0.8), compression_ratio_threshold=2.2)
        words: list[Word] = []
        spans: list[tuple[float, float]] = []
        for seg in segments:
            spans.append((float(seg.start), float(seg.end)))
            for w in seg.words or []:
                if w.word.strip():
                    words.append(Word(float(w.start), float(w.end), w.word, float(w.probability)))
        words = _drop_repeats(normalise_numbers(words))
        return ChannelText(speech=speech, words=words, language=lang, language_probability=lang_p, segments=spans)


def _drop_repeats(words: list[Word]) -> list[Word]:
    """Cut a decoding loop: a word repeating the one before it with no time of its own (Whisper's
    known failure on repeated digits stacks dozens of them on one instant) is dropped."""
    out: list[Word] = []
    for w in words:
        if out and w.word.strip(_PUNCT) == out[-1].word.strip(_PUNCT) and w.end_s - w.start_s < 0.02 \
                and abs(w.start_s - out[-1].end_s) < 0.02:
            continue
        out.append(w)
    return out
