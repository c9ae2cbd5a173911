"""Speech analytics of one call, from who was speaking when.

Definitions (each also in docs/voice.md; seconds are of the recording):

- talk time of a party: the union of its speech stretches (voice-activity detection on its own
  channel for stereo recordings; its diarised word stretches for mono ones).
- talk ratio ``agent_talk_share`` = agent talk / (agent talk + customer talk).
- silence: time when nobody speaks. A silence of at least ``hold_min_s`` is a hold segment
  (counted in ``hold_s``, not in silence); of at least ``dead_air_min_s`` (and shorter than a
  hold) is dead air. ``silence_share`` = silence_s / duration_s; ``longest_silence_s`` is the
  longest silence that is not a hold.
- over-talk: both parties speaking at once, in stretches of at least ``overtalk_min_s``;
  unknown (NULL) when the recording cannot tell the parties apart at the same instant (mono).
- speaking rate: a party's words per minute of its own talk time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

Span = tuple[float, float]


def union(spans: Sequence[Span]) -> list[Span]:
    """Merge overlapping or touching stretches; sorted."""
    out: list[list[float]] = []
    for a, b in sorted(spans):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def intersect(x: Sequence[Span], y: Sequence[Span]) -> list[Span]:
    """Stretches inside both (each list a union, sorted)."""
    out, i, j = [], 0, 0
    while i < len(x) and j < len(y):
        a, b = max(x[i][0], y[j][0]), min(x[i][1], y[j][1])
        if a < b:
            out.append((a, b))
        if x[i][1] < y[j][1]:
            i += 1
        else:
            j += 1
    return out


def gaps(spans: Sequence[Span], duration_s: float) -> list[Span]:
    """The stretches of [0, duration_s] outside ``spans`` (a sorted union)."""
    out, t = [], 0.0
    for a, b in spans:
        if a > t:
            out.append((t, a))
        t = max(t, b)
    if duration_s > t:
        out.append((t, duration_s))
    return out


def _total(spans: Sequence[Span]) -> float:
    return float(sum(b - a for a, b in spans))


@dataclass
class SpeechMetrics:
    """One row of ``speech_metrics`` (column names and meaning as stored)."""

    duration_s: float
    agent_talk_s: float | None
    customer_talk_s: float | None
    unknown_talk_s: float | None
    agent_talk_share: float | None
    silence_s: float
    silence_share: float
    longest_silence_s: float
    dead_air_s: float
    dead_air_count: int
    dead_air_share: float
    overtalk_s: float | None
    overtalk_count: int | None
    hold_s: float
    hold_count: int
    hold_segments: list[list[float]]
    agent_words_per_min: float | None
    customer_words_per_min: float | None
    dead_air_min_s: float
    hold_min_s: float

    def as_dict(self) -> dict:
        return asdict(self)


def speech_metrics(duration_s: float, speech: dict[str, Sequence[Span]], words: dict[str, int], *,
                   overlap_known: bool, dead_air_min_s: float = 5.0, hold_min_s: float = 30.0,
                   overtalk_min_s: float = 0.5) -> SpeechMetrics:
    """Analytics of one call.

    ``speech``: stretches per party (``agent``, ``customer``, or ``unknown`` when the parties were
    not told apart); ``words``: words said per party; ``overlap_known``: whether two parties'
    stretches may overlap in the recording (stereo) so that over-talk can be measured.
    """
    parts = {k: union(v) for k, v in speech.items()}
    agent, customer, unknown = parts.get("agent"), parts.get("customer"), parts.get("unknown")
    anyone = union([s for v in parts.values() for s in v])
    quiet = gaps(anyone, duration_s)
    holds = [(a, b) for a, b in quiet if b - a >= hold_min_s]
    silences = [(a, b) for a, b in quiet if b - a < hold_min_s]
    dead = [(a, b) for a, b in silences if b - a >= dead_air_min_s]
    a_s = _total(agent) if agent is not None else None
    c_s = _total(customer) if customer is not None else None
    both = (a_s or 0) + (c_s or 0)
    over = None
    if overlap_known and agent is not None and customer is not None:
        over = [(a, b) for a, b in intersect(agent, customer) if b - a >= overtalk_min_s]
    dur = max(duration_s, 1e-9)

    def rate(party: str, talk: float | None) -> float | None:
        if talk is None or talk < 1.0:
            return None
        return round(words.get(party, 0) / (talk / 60.0), 1)

    return SpeechMetrics(
        duration_s=round(duration_s, 3),
        agent_talk_s=_r(a_s), customer_talk_s=_r(c_s), unknown_talk_s=_r(_total(unknown)) if unknown is not None else None,
        agent_talk_share=round(a_s / both, 4) if a_s is not None and c_s is not None and both > 0 else None,
        silence_s=_r(_total(silences)), silence_share=round(_total(silences) / dur, 4),
        longest_silence_s=_r(max((b - a for a, b in silences), default=0.0)),
        dead_air_s=_r(_total(dead)), dead_air_count=len(dead), dead_air_share=round(_total(dead) / dur, 4),
        overtalk_s=_r(_total(over)) if over is not None else None, overtalk_count=len(over) if over is not None else None,
        hold_s=_r(_total(holds)), hold_count=len(holds), hold_segments=[[round(a, 2), round(b, 2)] for a, b in holds],
        agent_words_per_min=rate("agent", a_s), customer_words_per_min=rate("customer", c_s),
        dead_air_min_s=dead_air_min_s, hold_min_s=hold_min_s,
    )


def _r(v: float | None) -> float | None:
    return None if v is None else round(float(v), 2)
