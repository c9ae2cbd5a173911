"""Synthetic two-party calls spoken by espeak-ng, with the truth known to the hundredth of a second.

For tests, benchmarks and the demo: the customer's words are real BANKING77 utterances (the
simulator's), the agent's are the simulator's templates; each party has its own espeak-ng
voice. A call can carry a hold (silence), a customer talking over the agent, and a planted card
number read out digit by digit. ``write_call`` writes a stereo WAV (agent left, customer right),
a mono mix, or 8 kHz µ-law telephony, and returns the truth.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from earful.errors import EarfulError
from earful.voice.audio import SAMPLE_RATE, read_audio, resample, write_wav

AGENT_VOICES = ("en-us+f3", "en-gb+f2", "en-us+f4", "en-gb-x-rp+f1")
CUSTOMER_VOICES = ("en-gb+m3", "en-us+m1", "en-gb-scotland+m2", "en-us+m4")
TEST_CARD = "4539 1488 0343 6467"  # a Luhn-valid test number, not a real card


@dataclass
class Said:
    speaker: str
    text: str
    start_s: float
    end_s: float


@dataclass
class CallScript:
    """What is said, in order: (speaker, text) lines, plus pauses (speaker ``pause``, seconds)."""

    lines: list[tuple[str, str | float]]
    agent_voice: str = AGENT_VOICES[0]
    customer_voice: str = CUSTOMER_VOICES[0]
    overlap_s: float = 0.0  # the customer's reply starts this long before the agent finishes
    reason: str | None = None  # the BANKING77 intent of the customer's first words
    truth: list[Said] = field(default_factory=list)


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def speak(text: str, voice: str, speed: int = 160) -> np.ndarray:
    """espeak-ng's speech for ``text`` as 16 kHz float samples."""
    if not espeak_available():
        raise EarfulError("espeak-ng is not installed", hint="apt-get install espeak-ng")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "s.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(out), text], check=True,
                       capture_output=True)
        audio = read_audio(out)
    x = audio.channels[0]
    nz = np.flatnonzero(np.abs(x) > 1e-3)  # trim espeak's leading and trailing silence
    return x[nz[0]:nz[-1] + 1] * 0.8 if nz.size else x


def script_for(seed: int, *, reason_text: str | None = None, card: bool = False, hold_s: float = 0.0,
               overlap_s: float = 0.0, exchanges: int = 1) -> CallScript:
    """A service call: greeting, the customer's reason, a check (and hold), the answer, goodbye;
    ``exchanges`` > 1 adds more questions of the customer (real utterances of other reasons)."""
    from earful.sim import _text

    rng = np.random.default_rng(seed)
    utter = _text.utterances()
    reasons_all = sorted(utter)
    reason = None
    if reason_text is None:
        reason = reasons_all[int(rng.integers(len(reasons_all)))]
        reason_text = str(rng.choice(utter[reason]))
    pick = lambda opts: str(opts[int(rng.integers(len(opts)))])  # noqa: E731
    lines: list[tuple[str, str | float]] = [
        ("agent", pick(_text.GREETINGS).format(part="morning")),
        ("customer", reason_text),
        ("agent", pick(_text.CHECKS)),
    ]
    for _ in range(exchanges - 1):
        other = reasons_all[int(rng.integers(len(reasons_all)))]
        lines += [("agent", pick(_text.RESOLVED)), ("customer", "Also, " + str(rng.choice(utter[other]))),
                  ("agent", pick(_text.CHECKS))]
    if card:
        lines += [("agent", "Can you read me the long number on the card, please?"),
                  ("customer", "Yes, it is " + ", ".join(" ".join(g) for g in TEST_CARD.split()) + ".")]
    if hold_s:
        lines += [("agent", "I'll put you on hold for a moment."), ("pause", float(hold_s)),
                  ("agent", "Thank you for holding.")]
    lines += [("agent", pick(_text.RESOLVED)), ("customer", pick(_text.CUSTOMER_END)),
              ("agent", pick(_text.CLOSINGS))]
    return CallScript(lines=lines, agent_voice=AGENT_VOICES[seed % len(AGENT_VOICES)],
                      customer_voice=CUSTOMER_VOICES[(seed // 2) % len(CUSTOMER_VOICES)], overlap_s=overlap_s,
                      reason=reason)


def render(script: CallScript, gap_s: float = 0.6) -> np.ndarray:
    """The call as (2, n) samples (agent, customer); fills ``script.truth``."""
    pieces: list[tuple[str, float, np.ndarray]] = []
    t = 0.4
    script.truth = []
    prev = None
    for speaker, what in script.lines:
        if speaker == "pause":
            t += float(what)
            continue
        voice = script.agent_voice if speaker == "agent" else script.customer_voice
        x = speak(str(what), voice)
        start = t
        if prev == "agent" and speaker == "customer" and script.overlap_s:
            start = max(0.0, t - gap_s - script.overlap_s)
        pieces.append((speaker, start, x))
        script.truth.append(Said(speaker, str(what), round(start, 3), round(start + len(x) / SAMPLE_RATE, 3)))
        t = start + len(x) / SAMPLE_RATE + gap_s
        prev = speaker
    out = np.zeros((2, int((t + 0.4) * SAMPLE_RATE)), dtype=np.float32)
    for speaker, start, x in pieces:
        ch = 0 if speaker == "agent" else 1
        i = int(start * SAMPLE_RATE)
        out[ch, i:i + len(x)] += x
    return out


def write_call(path: str | Path, stereo: np.ndarray, layout: str = "stereo") -> Path:
    """Write a rendered call: ``stereo`` (16 kHz WAV), ``mono`` (a mix), ``telephone`` (8 kHz µ-law stereo)."""
    path = Path(path)
    if layout == "stereo":
        write_wav(path, stereo)
    elif layout == "mono":
        write_wav(path, stereo.mean(axis=0, keepdims=True) * 1.4)
    elif layout == "telephone":
        write_wav(path, np.stack([resample(c, SAMPLE_RATE, 8000) for c in stereo]), rate=8000, codec="pcm_mulaw")
    else:
        raise ValueError(f"unknown layout {layout!r}")
    return path
