"""The requirement curve: agents and rostered positions for every interval, per channel target.

``requirement(volume, aht_s, definition, shrinkage=...)`` takes contacts and handle times per
interval (from history, or a forecast) and a channel's service target and returns, per interval,
the productive agents needed (Erlang C, or Erlang A when a patience is known, for the target's own
service level and threshold; an agent handling ``concurrency`` contacts at once counts for that
many servers) and the positions to roster, ``ceil(agents / (1 − shrinkage))``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from earful.errors import InputError
from earful.staffing import agents_needed

__all__ = ["CHANNEL_TARGETS", "Requirement", "ServiceTarget", "requirement", "target_for"]


@dataclass(frozen=True)
class ServiceTarget:
    """What a channel promises: ``target`` share answered within ``threshold_s``; ``concurrency``
    contacts an agent handles at once; ``patience_s`` mean customer patience (Erlang A; None:
    Erlang C); optional ceilings on abandonment and occupancy."""

    channel: str
    target: float
    threshold_s: float
    concurrency: int = 1
    patience_s: float | None = None
    max_abandon: float | None = None
    max_occupancy: float | None = None
    queue: str | None = None
    deferred: bool = False

    @property
    def label(self) -> str:
        return f"{self.target * 100:g} % within {self.threshold_s:g} s"


#: The industry's usual targets: voice 80 % in 20 s, chat 80 % in 60 s with two chats per agent.
CHANNEL_TARGETS = {
    "voice": ServiceTarget("voice", 0.80, 20.0),
    "chat": ServiceTarget("chat", 0.80, 60.0, concurrency=2),
}


def target_for(channel: str, queue: str | None = None) -> ServiceTarget:
    """The target a queue of ``channel`` is staffed for (voice's for a channel without one)."""
    from dataclasses import replace

    base = CHANNEL_TARGETS.get(channel, CHANNEL_TARGETS["voice"])
    return replace(base, channel=channel, queue=queue)


@dataclass(frozen=True)
class Requirement:
    """Per interval: volume, AHT, agents needed and positions to roster, with what the queue model
    predicts at that many agents. ``model``: erlang_c or erlang_a."""

    volume: np.ndarray
    aht_s: np.ndarray
    agents: np.ndarray
    positions: np.ndarray
    service_level: np.ndarray
    occupancy: np.ndarray
    asa_s: np.ndarray
    abandon_rate: np.ndarray
    interval_s: float
    shrinkage: float
    model: str
    definition: Any
    notes: list[str] = field(default_factory=list)


def requirement(volume, aht_s, definition: ServiceTarget, *, interval_s: float = 1800,
                shrinkage: float | None = None, patience_s: float | None = None) -> Requirement:
    """Agents and positions per interval for ``volume`` contacts with ``aht_s`` handle time (arrays of
    one length; a scalar AHT applies to all). ``patience_s``: mean patience (Erlang A), default the
    definition's, else Erlang C. Intervals with no contacts need nobody."""
    vol = np.atleast_1d(np.asarray(volume, dtype=float))
    aht = np.atleast_1d(np.asarray(aht_s, dtype=float))
    if aht.size == 1 and vol.size != 1:
        aht = np.full(vol.size, float(aht[0]))
    if aht.size != vol.size:
        raise InputError(f"volume and AHT must have one value per interval ({vol.size} and {aht.size} given)")
    if np.any(~np.isfinite(vol)) or np.any(vol < 0):
        raise InputError("volume must be finite numbers of zero or more")
    busy = vol > 0
    if np.any(busy & ~(aht > 0)):
        raise InputError("AHT must be known and positive where there are contacts")
    shrink = 0.0 if shrinkage is None else float(shrinkage)
    if not 0 <= shrink < 1:
        raise InputError(f"shrinkage must be a share from 0 up to (not including) 100 %, not {shrinkage}")
    patience = patience_s if patience_s is not None else definition.patience_s
    conc = max(1, int(definition.concurrency))
    n = vol.size
    agents, sl, occ, asa, ab = np.zeros(n), np.ones(n), np.zeros(n), np.zeros(n), np.zeros(n)
    if busy.any():
        s = agents_needed(vol[busy], float(interval_s), aht[busy], target_sl=definition.target,
                          threshold_s=definition.threshold_s, patience_s=patience,
                          max_abandon=definition.max_abandon if patience is not None else None,
                          max_occupancy=definition.max_occupancy)
        servers = np.asarray(s.agents, dtype=float)
        agents[busy] = np.ceil(servers / conc - 1e-9)
        sl[busy], asa[busy], ab[busy] = s.service_level, s.asa_s, s.abandon_rate
        occ[busy] = np.asarray(s.occupancy) * servers / np.maximum(agents[busy] * conc, 1)
    positions = np.ceil(agents / (1 - shrink) - 1e-9)
    return Requirement(vol, aht, agents.astype(np.int64), positions.astype(np.int64), sl, occ, asa, ab,
                       float(interval_s), shrink, "erlang_a" if patience is not None else "erlang_c", definition)
