"""A month of a bank's contact centre with known truth: arrivals, queues, words, surveys.

Voice and chat are FCFS multi-server queues with abandonment run day by day on ciw (see
``_queue.run_queue``); e-mail, social and SMS are answered first-come first-served by a
small team in opening hours. Planted events, reason effects and agent behaviours are
written to ``truth.json`` so analyses can be scored against what really happened.
"""

from __future__ import annotations

import heapq
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

from earful.errors import InputError
from earful.sim import _text as tx
from earful.sim._queue import run_queue, server_ids_by_slot

SOURCE = "sim"
SLOT_S = 1800  # staffing and arrival-shape slots: 30 minutes
SLOTS = 86400 // SLOT_S
OPEN_S, CLOSE_S = 8 * 3600, 20 * 3600  # voice/chat lines and written-channel agents work 08:00-20:00
CHANNELS = ("voice", "chat", "email", "social", "sms")
# contacts per weekday at scale 1 (Monday to Friday mean); weekly shape Monday..Sunday
BASE_PER_DAY = {"voice": 440.0, "chat": 210.0, "email": 120.0, "social": 40.0, "sms": 50.0}
WEEKLY = (1.18, 1.05, 1.0, 0.98, 0.92, 0.6, 0.38)
PATIENCE_MEAN_S = {"voice": 180.0, "chat": 300.0, "specialist": 300.0}  # exponential patience
STAFFING_BETA = 1.0  # square-root staffing: agents = ceil(load + beta * sqrt(load))
FORECAST_UPLIFT = 1.15  # the planners expect repeats and transfers on top of first contacts
WRITTEN_AGENTS = {"email": 1, "social": 1, "sms": 1}
CHAT_CONCURRENCY = 2
HANDLE_SIGMA = 0.5  # log-normal shape of handle times
CHANNEL_HANDLE = {"voice": 1.0, "chat": 1.8, "email": 0.8, "social": 0.45, "sms": 0.35}
TRANSFER_PROB = 0.07
SURVEY_RESPONSE = 0.10
REPEAT_PROB = 0.65  # an unresolved contact comes back (within days) with this probability
PII_SHARE = 0.05

SPIKE_REASON = "declined_card_payment"
DRIFT_REASON = "card_payment_fee_charged"
NEW_REASON = "virtual_card_not_working"
CSAT_REASON = "lost_or_stolen_card"
REPEAT_REASON = "balance_not_updated_after_bank_transfer"
HANDLE_REASON = "transfer_not_received_by_recipient"
SPECIALIST_REASONS = ("compromised_card", "lost_or_stolen_card", "cash_withdrawal_not_recognised")
# explicit shares of the planted reasons (the rest share what is left, Zipf-like)
FIXED_SHARE = {SPIKE_REASON: 0.022, DRIFT_REASON: 0.015, NEW_REASON: 0.03, CSAT_REASON: 0.03,
               REPEAT_REASON: 0.03, HANDLE_REASON: 0.03}

# agents with known behaviour (voice pool): handle-time factor, CSAT shift, resolve shift, transfer shift
AGENT_BEHAVIOUR = {
    "A003": ("slow", {"handle": 1.6}),
    "A007": ("rude", {"csat": -1.3, "resolve": -0.1}),
    "A011": ("transfers_a_lot", {"transfer": 0.25}),
    "A014": ("star", {"csat": 0.7, "resolve": 0.1, "handle": 0.85}),
}
VOICE_POOL, SPECIALIST_POOL, CHAT_POOL = 24, 6, 12
# agents with planted QA behaviour (what the QA rubric should find): behaviour, share of their contacts
QA_BEHAVIOUR = {
    "A005": ("skips_verification", 0.6),
    "A009": ("dead_air", 0.7),
    "A012": ("no_anything_else", 0.85),
    "A018": ("no_recording_notice", 0.6),
    "A020": ("no_hold_etiquette", 0.9),
    "C04": ("no_greeting", 0.7),
    "C07": ("no_closing", 0.8),
}
QA_RUDE = 0.85        # the rude agent (A007) says a rude line in this share of its contacts, with no empathy
QA_SLIP = 0.02        # any agent leaves out verification, the notice, "anything else" or the closing now and then
QA_DRIFT = ("recording_notice", 0.6, 0.25)  # from day 0.6·days a script change drops the notice on 25 % of calls
QA_ITEMS = ("greeting", "recording_notice", "verification", "hold_etiquette", "dead_air", "anything_else",
            "closing", "courtesy")
DEAD_AIR_S = 40.0     # a planted silence lasts at least this long (any other unannounced gap is shorter than 30 s)
SPEAK_WPS = 2.6       # words a second when speaking; a turn takes 1 s + words / SPEAK_WPS


@dataclass
class Simulation:
    """A simulated period: canonical records (file order) and the truth behind them."""

    start: date
    days: int
    seed: int
    scale: float
    records: list[dict] = field(repr=False)
    truth: dict = field(repr=False)

    def counts(self) -> dict[str, int]:
        """Records per channel."""
        out: dict[str, int] = {}
        for r in self.records:
            out[r["channel"]] = out.get(r["channel"], 0) + 1
        return dict(sorted(out.items()))


# ---------------------------------------------------------------- shapes and plan
def intraday_shape(channel: str) -> np.ndarray:
    """Share of a day's arrivals per 30-minute slot: two humps in opening hours, or 24 h for writing."""
    h = (np.arange(SLOTS) + 0.5) * SLOT_S / 3600
    humps = 1.0 * np.exp(-0.5 * ((h - 10.5) / 1.6) ** 2) + 0.8 * np.exp(-0.5 * ((h - 14.5) / 2.0) ** 2)
    if channel in ("voice", "chat"):
        w = np.where((h >= OPEN_S / 3600) & (h < CLOSE_S / 3600), humps + 0.15, 0.0)
    else:
        evening = 0.5 * np.exp(-0.5 * ((h - 20.5) / 1.8) ** 2)
        w = humps + evening + 0.04
    return w / w.sum()


def _plan(days: int, start: date) -> dict[str, int]:
    """Day indices of the planted events, placed proportionally for short periods.

    The two-day spike starts on the first Tuesday from mid-period (so both days are weekdays).
    """
    spike = max(1, round(days * 0.5))
    while (start + timedelta(days=spike)).weekday() != 1 and spike + 2 < days:
        spike += 1
    drift_start = max(0, round(days * 0.3))
    drift_len = max(2, min(14, days - drift_start - 1))
    new_from = max(1, round(days * 0.67))
    return {"spike": spike, "drift_start": drift_start, "drift_end": drift_start + drift_len, "new_from": new_from}


def _multipliers(reasons: list[str], days: int, plan: dict[str, int]) -> np.ndarray:
    """Arrival multiplier per (day, reason): the spike, the drift and the reason that appears."""
    m = np.ones((days, len(reasons)))
    ri = {r: i for i, r in enumerate(reasons)}
    s = plan["spike"]
    m[s:s + 2, ri[SPIKE_REASON]] = 5.0
    d0, d1 = plan["drift_start"], plan["drift_end"]
    for d in range(days):
        if d >= d1:
            m[d, ri[DRIFT_REASON]] = 3.0
        elif d > d0:
            m[d, ri[DRIFT_REASON]] = 1.0 + 2.0 * (d - d0) / (d1 - d0)
    m[: plan["new_from"], ri[NEW_REASON]] = 0.0
    return m


def _reason_table(reasons: list[str], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per reason: share of arrivals, median handle time (voice, s), resolve probability, CSAT shift."""
    n = len(reasons)
    zipf = 1.0 / np.arange(1, n + 1) ** 0.75
    share = zipf[rng.permutation(n)]
    fixed = np.array([FIXED_SHARE.get(r, 0.0) for r in reasons])
    free = fixed == 0
    share = np.where(free, share / share[free].sum() * (1 - fixed.sum()), fixed)
    handle = np.round(rng.uniform(200, 380, n))
    resolve = np.round(rng.uniform(0.8, 0.92, n), 3)
    csat = np.round(rng.uniform(-0.3, 0.3, n), 2)
    ri = {r: i for i, r in enumerate(reasons)}
    csat[ri[CSAT_REASON]] = -1.2
    resolve[ri[REPEAT_REASON]] = 0.4
    handle[ri[HANDLE_REASON]] = 2.2 * 300
    return {"share": share, "handle_s": handle, "resolve": resolve, "csat": csat}


# ---------------------------------------------------------------- the simulation
def simulate(days: int = 30, seed: int = 7, start: date = date(2025, 8, 1), scale: float = 1.0,
             day_multipliers: Mapping[date, float] | None = None, *, staffing: float = 1.0) -> Simulation:
    """Simulate ``days`` days of contacts from ``start``; the same arguments give the same month.

    ``day_multipliers``: days whose arrivals (every channel) are that many times an ordinary day's, e.g.
    a public holiday at 0.35 or a marketing campaign at 1.5; kept in the truth as ``day_multipliers``.
    ``staffing``: the share of the planned voice and chat agents actually rostered in each slot
    (1 = the plan; 0.7 = a centre that runs 30% short, with the waits and abandons that follow)."""
    if not 1 <= days <= 366:
        raise InputError(f"days must be between 1 and 366, got {days}")
    if not 0.01 <= scale <= 20:
        raise InputError(f"scale must be between 0.01 and 20, got {scale}")
    for d, m in (day_multipliers or {}).items():
        if not 0 <= float(m) <= 20:
            raise InputError(f"the volume multiplier of {d} must be between 0 and 20, got {m}")
    if not 0.1 <= staffing <= 3:
        raise InputError(f"staffing must be between 0.1 and 3, got {staffing}")
    return _Sim(days, seed, start, scale, dict(day_multipliers or {}), staffing).run()


class _Sim:
    def __init__(self, days: int, seed: int, start: date, scale: float, day_multipliers: dict | None = None,
                 staffing: float = 1.0):
        self.days, self.seed, self.start, self.scale = days, seed, start, scale
        self.day_mult = {(d - start).days: float(m) for d, m in (day_multipliers or {}).items()
                         if 0 <= (d - start).days < days}
        self.staffing_factor = staffing
        ss = np.random.SeedSequence(seed)
        # the first six streams are those of every earlier version (same seed, same month); QA words have their own
        (self.r_mix, self.r_arr, self.r_ops, self.r_txt, self.r_srv, self.r_roster, self.r_qa) = (
            np.random.default_rng(s) for s in ss.spawn(7))
        self.texts = tx.utterances()
        self.reasons = sorted(self.texts)
        self.ri = {r: i for i, r in enumerate(self.reasons)}
        self.plan = _plan(days, start)
        self.rt = _reason_table(self.reasons, self.r_mix)
        self.mult = _multipliers(self.reasons, days, self.plan)
        self.contacts: list[dict] = []
        self._dates = [(start + timedelta(days=i)).isoformat() for i in range(days + 60)]
        self.pending: dict[int, list[dict]] = {}
        self.staffing: dict[str, list[list[int]]] = {"voice": [], "specialist": [], "chat": []}
        self.understaffed: list[dict] = []
        self.written_free = {ch: [(float(OPEN_S), i) for i in range(max(1, math.ceil(n * scale)))]
                             for ch, n in WRITTEN_AGENTS.items()}
        for h in self.written_free.values():
            heapq.heapify(h)
        self.shapes = {ch: intraday_shape(ch) for ch in CHANNELS}
        self.aht_forecast = {ch: self._mean_handle(ch) for ch in ("voice", "chat")}
        # pools: the minimum below, or enough for the busiest day's shifts with a third off
        self.pools = {ch: max(base, math.ceil(1.5 * max(self._shifts_needed(ch, d) for d in range(days))))
                      for ch, base in (("voice", VOICE_POOL), ("specialist", SPECIALIST_POOL), ("chat", CHAT_POOL))}

    # -- helpers
    def _mean_handle(self, ch: str) -> float:
        """Forecast mean handle time (talk + hold + wrap) of a channel from the reason mix."""
        mean_talk = float((self.rt["share"] * self.rt["handle_s"]).sum()) * CHANNEL_HANDLE[ch]
        return mean_talk * math.exp(HANDLE_SIGMA ** 2 / 2) + (0.3 * 45 + 30 if ch == "voice" else 20)

    def _times_in_day(self, ch: str, n: int, rng: np.random.Generator) -> np.ndarray:
        slot = rng.choice(SLOTS, size=n, p=self.shapes[ch])
        return np.floor(slot * SLOT_S + rng.uniform(0, SLOT_S, n))

    def _new_contact(self, ch: str, day: int, t: float, reason: str, customer: str, repeat_of: dict | None) -> dict:
        c = {"channel": ch, "day": day, "t": float(t), "reason": reason, "customer": customer,
             "repeat_of": repeat_of, "repeat_no": 0 if repeat_of is None else repeat_of["repeat_no"] + 1}
        self.contacts.append(c)
        return c

    def _arrivals(self) -> dict[tuple[str, int], list[dict]]:
        """First contacts per (channel, day): Poisson counts per reason, times by the intraday shape."""
        out: dict[tuple[str, int], list[dict]] = {}
        rng = self.r_arr
        for ch in CHANNELS:
            for d in range(self.days):
                dow = (self.start + timedelta(days=d)).weekday()
                lam = (BASE_PER_DAY[ch] * self.scale * WEEKLY[dow] * self.rt["share"] * self.mult[d]
                       * self.day_mult.get(d, 1.0))
                counts = rng.poisson(lam)
                reasons = np.repeat(np.arange(len(self.reasons)), counts)
                times = self._times_in_day(ch, len(reasons), rng)
                custs = rng.integers(0, 10_000_000, len(reasons))
                out[(ch, d)] = [
                    self._new_contact(ch, d, t, self.reasons[r], f"CU{k:07d}", None)
                    for t, r, k in zip(times.tolist(), reasons.tolist(), custs.tolist())]
        return out

    def _handle(self, c: dict, factor: float = 1.0) -> None:
        """Draw talk, hold and wrap seconds (log-normal talk by reason and channel)."""
        rng = self.r_ops
        ch = "voice" if c["channel"] == "specialist" else c["channel"]
        median = self.rt["handle_s"][self.ri[c["reason"]]] * CHANNEL_HANDLE[ch] * factor
        c["talk_s"] = max(20.0, float(round(rng.lognormal(math.log(median), HANDLE_SIGMA))))
        if ch == "voice":
            c["hold_s"] = float(round(rng.lognormal(math.log(45), 0.6))) if rng.random() < 0.3 else 0.0
            c["wrap_s"] = float(round(rng.lognormal(math.log(25), 0.4)))
        else:
            c["hold_s"] = 0.0
            c["wrap_s"] = float(round(rng.lognormal(math.log(15), 0.4)))
        c["patience_s"] = max(1.0, float(round(rng.exponential(PATIENCE_MEAN_S.get(c["channel"], 1e9)))))

    def _schedule(self, ch: str, d: int) -> np.ndarray:
        """Agents per slot for one day: square-root staffing on the forecast, with planned gaps."""
        dow = (self.start + timedelta(days=d)).weekday()
        lam = BASE_PER_DAY["chat" if ch == "chat" else "voice"] * self.scale * WEEKLY[dow] * FORECAST_UPLIFT
        lam = lam * self.shapes["chat" if ch == "chat" else "voice"]
        if ch == "specialist":
            lam = lam * 0.11
        aht = self.aht_forecast["chat" if ch == "chat" else "voice"] * (1.2 if ch == "specialist" else 1.0)
        load = lam * aht / SLOT_S
        if ch == "chat":
            load = load / CHAT_CONCURRENCY
        agents = np.ceil((load + STAFFING_BETA * np.sqrt(load)) * self.staffing_factor)
        agents = np.where(load > 0, np.maximum(agents, 1), 0).astype(int)
        h = np.arange(SLOTS) * SLOT_S
        if ch == "voice":
            lunch = (h >= 12 * 3600) & (h < 13.5 * 3600)
            agents[lunch] = np.maximum(1, np.floor(agents[lunch] * 0.7)).astype(int)
            if dow == 0:
                monday = (h >= 8 * 3600) & (h < 10 * 3600)
                agents[monday] = np.maximum(1, np.floor(agents[monday] * 0.75)).astype(int)
        # agents stay for half an hour after closing to clear the queue (no new arrivals then)
        close = CLOSE_S // SLOT_S
        agents[close] = agents[close - 1]
        return agents

    def _shifts_needed(self, ch: str, d: int) -> int:
        agents = self._schedule(ch, d)
        early, late = int(agents[16:24].max(initial=0)), int(agents[33:41].max(initial=0))
        return early + late + max(0, int(agents[24:33].max(initial=0)) - early - late)

    def _roster(self, pool: int, prefix: str, d: int, agents: np.ndarray) -> list[list[str]]:
        """Who takes contacts in each slot of day d: agents work one 8.5-hour shift.

        Shifts: early 08:00-16:30, mid 10:00-18:30, late 12:00-20:30 (the late shift also
        clears the queue after closing). As few agents as cover the slot counts are put on
        each shift, from a fresh permutation of the pool every day (the others have the day
        off); in a slot the first ``agents[k]`` of those present (rotated each slot) take
        contacts, the rest are on a break or other work.
        """
        shifts = ((16, 33), (20, 37), (24, 41))  # slot ranges [from, to)
        early = int(agents[16:24].max(initial=0))
        late = int(agents[33:41].max(initial=0))
        mid = max(0, int(agents[24:33].max(initial=0)) - early - late)
        need = early + mid + late
        if need > pool:
            raise AssertionError(f"pool of {pool} agents cannot cover {need} shifts")  # pools are sized in __init__
        order = [f"{prefix}{i + 1:03d}" if prefix == "A" else f"{prefix}{i + 1:02d}"
                 for i in self.r_roster.permutation(pool).tolist()]
        teams = (order[:early], order[early:early + mid], order[early + mid:need])
        out = []
        for k in range(SLOTS):
            present = [a for (lo, hi), team in zip(shifts, teams) if lo <= k < hi for a in team]
            r = k % len(present) if present else 0
            present = present[r:] + present[:r]
            out.append(present[: int(agents[k])])
        return out

    def _queue_day(self, ch: str, d: int, batch: list[dict], prefix: str) -> None:
        """Run one day of a voice/chat/specialist queue on ciw and write the outcome into contacts."""
        batch.sort(key=lambda c: (c["t"], c["seq"]))
        agents = self._schedule(ch, d)
        self.staffing[ch].append(agents.tolist())
        per = CHAT_CONCURRENCY if ch == "chat" else 1
        servers = agents * per
        on_duty = self._roster(self.pools[ch], prefix, d, agents)
        last = CLOSE_S // SLOT_S  # the closing slot: its agents stay until the queue is empty
        counts = np.concatenate([servers[:last + 1], [servers[last]]])
        # the server factor (agent handle speed) is needed by ciw while it runs, by server number
        factor: dict[int, float] = {}
        for k, ids in enumerate(server_ids_by_slot(counts)):
            for j, sid in enumerate(ids):
                agent = on_duty[min(k, last)][j // per]
                factor[sid] = AGENT_BEHAVIOUR.get(agent, ("", {}))[1].get("handle", 1.0)
        if not batch:
            return
        arr = np.array([c["t"] for c in batch])
        svc = np.array([c["talk_s"] + c["hold_s"] + c["wrap_s"] for c in batch])
        pat = np.array([c["patience_s"] for c in batch])
        ends = (np.arange(last + 1) + 1.0) * SLOT_S
        res = run_queue(arr, svc, pat, ends, servers[:last + 1], seed=self.seed * 1000 + d, server_factor=factor)
        for i, c in enumerate(batch):
            c["wait_s"] = float(res.wait_s[i])
            c["answered"] = bool(res.answered[i])
            if c["answered"]:
                c["agent"] = on_duty[int(res.server_slot[i])][int(res.server_rank[i]) // per]
                f = res.service_s[i] / svc[i]
                for k in ("talk_s", "hold_s", "wrap_s"):
                    c[k] = float(round(c[k] * f))
                c["answered_t"] = float(res.start_s[i])
                c["end_t"] = c["answered_t"] + c["talk_s"] + c["hold_s"]
            else:
                c["agent"] = None
                c["talk_s"] = c["hold_s"] = c["wrap_s"] = 0.0
                c["answered_t"] = None
                c["end_t"] = float(res.end_s[i])

    def _written_day(self, ch: str, d: int, batch: list[dict]) -> None:
        """E-mail, social, SMS: first come, first served by a small team working 08:00-20:00."""
        batch.sort(key=lambda c: (c["t"], c["seq"]))
        free = self.written_free[ch]
        day0 = d * 86400.0
        for c in batch:
            t_free, a = heapq.heappop(free)
            arrival = day0 + c["t"]
            s = max(arrival, t_free)
            tod = s % 86400
            if tod < OPEN_S:
                s = s - tod + OPEN_S
            elif tod >= CLOSE_S:
                s = s - tod + 86400 + OPEN_S
            c["wait_s"] = float(s - arrival)
            c["answered"] = True
            c["agent"] = f"{ch[0].upper()}{a + 1:02d}" if ch != "sms" else f"T{a + 1:02d}"
            c["answered_t"] = c["t"] + c["wait_s"]
            c["end_t"] = c["answered_t"] + c["talk_s"]
            heapq.heappush(free, (s + c["talk_s"] + c["wrap_s"], a))

    def _outcome(self, c: dict) -> None:
        """Transfer, resolution and a repeat contact in the days after when unresolved."""
        rng = self.r_ops
        beh = AGENT_BEHAVIOUR.get(c.get("agent") or "", ("", {}))[1]
        c["transferred"] = False
        if c["answered"]:
            p_res = self.rt["resolve"][self.ri[c["reason"]]] + beh.get("resolve", 0.0)
            c["resolved"] = bool(rng.random() < p_res)
        else:
            c["resolved"] = False

    def _maybe_repeat(self, c: dict) -> None:
        rng = self.r_ops
        if c["resolved"] or c["repeat_no"] >= 3 or rng.random() >= REPEAT_PROB:
            c["repeated"] = False
            return
        d2 = c["day"] + 1 + int(rng.poisson(0.8))
        ch = c["channel"] if c["channel"] != "specialist" else "voice"
        if rng.random() < 0.3:
            ch = "voice"
        c["repeated"] = d2 < self.days
        if d2 >= self.days:
            return
        t = float(self._times_in_day(ch, 1, rng)[0])
        r = self._new_contact(ch, d2, t, c["reason"], c["customer"], c)
        self.pending.setdefault(d2, []).append(r)

    def run(self) -> Simulation:
        first = self._arrivals()
        seq = 0
        for d in range(self.days):
            todays = {ch: list(first[(ch, d)]) for ch in CHANNELS}
            for r in self.pending.pop(d, []):
                todays[r["channel"]].append(r)
            for ch in CHANNELS:
                for c in sorted(todays[ch], key=lambda c: c["t"]):
                    c["seq"] = seq
                    seq += 1
                    self._handle(c)
            self._queue_day("voice", d, todays["voice"], "A")
            self._queue_day("chat", d, todays["chat"], "C")
            for ch in ("email", "social", "sms"):
                self._written_day(ch, d, todays[ch])
            # transfers: answered voice calls go on to the specialist queue
            legs = []
            for c in todays["voice"]:
                self._outcome(c)
                if not c["answered"]:
                    continue
                beh = AGENT_BEHAVIOUR.get(c["agent"], ("", {}))[1]
                p = TRANSFER_PROB + beh.get("transfer", 0.0) + (0.25 if c["reason"] in SPECIALIST_REASONS else 0.0)
                if self.r_ops.random() < p:
                    c["transferred"] = True
                    leg = {"channel": "specialist", "day": d, "t": c["end_t"], "reason": c["reason"],
                           "customer": c["customer"], "repeat_of": None, "repeat_no": c["repeat_no"],
                           "leg_of": c, "seq": seq}
                    seq += 1
                    self._handle(leg, 1.2)
                    legs.append(leg)
                    self.contacts.append(leg)
            self._queue_day("specialist", d, legs, "S")
            for leg in legs:
                self._outcome(leg)
                leg["leg_of"]["resolved"] = leg["resolved"]
            for ch in ("chat", "email", "social", "sms"):
                for c in todays[ch]:
                    self._outcome(c)
            for ch in CHANNELS:
                for c in todays[ch]:
                    self._maybe_repeat(c)
        self._words_and_surveys()
        return self._finish()

    # ---------------------------------------------------------------- words, surveys, records
    def _words_and_surveys(self) -> None:
        rng = self.r_txt
        self.pii: list[dict] = []
        self.surveys: list[dict] = []
        for c in sorted(self.contacts, key=lambda c: c["seq"]):
            c["turns"], c["text"], c["flags"] = [], None, []
            if not c["answered"]:
                continue
            beh = AGENT_BEHAVIOUR.get(c["agent"], ("", {}))[1]
            words = self.texts[c["reason"]]
            u1 = tx.pick(rng, words)
            u2 = tx.pick(rng, words) if rng.random() < 0.5 else None
            pii = tx.make_pii(rng) if rng.random() < PII_SHARE else None
            unhappy = (not c["resolved"]) or beh.get("csat", 0) < 0
            churn = rng.random() < (0.04 if unhappy else 0.003) * (3 if beh.get("csat", 0) < 0 else 1)
            praise = (not churn) and c["resolved"] and rng.random() < (0.08 if beh.get("csat", 0) > 0 else 0.01)
            outcome = tx.pick(rng, tx.TRANSFER if c["transferred"] else tx.RESOLVED if c["resolved"] else tx.UNRESOLVED)
            first_words = u1 + (" " + pii[2] if pii else "")
            extra = tx.pick(rng, tx.CHURN) if churn else tx.pick(rng, tx.PRAISE) if praise else None
            if churn:
                c["flags"].append("churn_threat")
            if praise:
                c["flags"].append("praise")
            ch = c["channel"]
            if ch in ("voice", "specialist", "chat"):
                name = c["agent"]
                greet = tx.pick(rng, tx.CHAT_GREETINGS if ch == "chat" else tx.GREETINGS)
                part = "morning" if c["answered_t"] < 12 * 3600 else "afternoon"
                check = tx.pick(rng, tx.CHECKS)
                end_line = extra or tx.pick(rng, tx.CUSTOMER_END)
                closing = tx.pick(rng, tx.CLOSINGS) if not c["transferred"] else None
                c["turns"] = self._conversation(c, greet.format(agent=name, part=part), first_words, check, u2,
                                                outcome, end_line, closing)
                pii_seq = 1
            else:
                body = first_words + (" " + u2 if u2 else "") + (" " + extra if extra else "")
                if ch == "email":
                    body = "Hi,\n\n" + body + "\n\nThanks"
                c["text"] = body
                reply = tx.pick(rng, tx.EMAIL_REPLIES if ch == "email" else tx.SHORT_REPLIES)
                reply = reply.format(outcome=outcome, agent=c["agent"])
                if ch == "social":  # a public reply: the details were checked in a direct message
                    reply += " " + tx.SOCIAL_VERIFIED
                c["turns"] = [("customer", body, c["t"]), ("agent", reply, c["answered_t"])]
                pii_seq = 0
            if pii:
                c["pii"] = {"seq": pii_seq, "kind": pii[0], "value": pii[1]}
            # post-contact survey (not after a transfer's first leg: the survey follows the last leg)
            if not c["transferred"] and rng.random() < SURVEY_RESPONSE:
                self.surveys.append(self._survey(c, beh, rng))

    def _conversation(self, c: dict, greet: str, first_words: str, check: str, u2: str | None, outcome: str,
                      end_line: str, closing: str | None) -> list[tuple[str, str, float]]:
        """A call or chat, turn by turn with times, with the agent's planted QA behaviour; the items its
        words fail go to ``c["qa_failed"]`` (the truth the QA rubric is scored against)."""
        rq = self.r_qa
        voice = c["channel"] != "chat"
        kind, rate = QA_BEHAVIOUR.get(c["agent"], ("", 0.0))
        does = kind if kind and rq.random() < rate else ""
        rude = AGENT_BEHAVIOUR.get(c["agent"], ("", {}))[0] == "rude" and rq.random() < QA_RUDE
        slip = {k: rq.random() < QA_SLIP for k in ("verification", "notice", "anything_else", "closing")}
        drift_item, drift_from, drift_share = QA_DRIFT
        late = c["day"] >= round(self.days * drift_from) and rq.random() < drift_share
        failed: set[str] = set()
        # greeting (and the recording notice on calls)
        if not voice and does == "no_greeting":
            greet = tx.pick(rq, tx.CHAT_NO_GREETING)
            failed.add("greeting")
        if voice:
            if does == "no_recording_notice" or slip["notice"] or late:
                failed.add("recording_notice")
            else:
                greet += " " + tx.pick(rq, tx.RECORDING)
        turns: list[tuple[str, str]] = [("agent", greet), ("customer", first_words)]
        # acknowledgement and identity check before the account is opened
        ack, action = _split_check(check)
        if rude:
            ack = tx.pick(rq, tx.RUDE)
            failed.add("courtesy")
        if does == "skips_verification" or slip["verification"]:
            turns.append(("agent", f"{ack} {tx.UNVERIFIED}"))
            failed.add("verification")
            work_after = len(turns) - 1
        else:
            turns.append(("agent", f"{ack} {tx.pick(rq, tx.VERIFY_ASK if voice else tx.VERIFY_CHAT_ASK)}"))
            turns.append(("customer", tx.pick(rq, tx.VERIFY_REPLY if voice else tx.VERIFY_CHAT_REPLY)))
            turns.append(("agent", f"{tx.pick(rq, tx.VERIFIED)} {action}"))
            work_after = len(turns) - 1
        if u2:
            turns.append(("customer", u2))
        hold_after = None
        if voice and c["hold_s"] > 0:
            if does == "no_hold_etiquette":
                turns.append(("agent", tx.HOLD_SILENT))
                failed.add("hold_etiquette")
            else:
                turns.append(("agent", tx.HOLD_ASK))
                turns.append(("customer", tx.pick(rq, tx.HOLD_OK)))
                outcome = f"{tx.HOLD_THANKS} {outcome}"
            hold_after = len(turns) - 1
        turns.append(("agent", outcome))
        if not c["transferred"]:
            if "anything else" in outcome:
                pass
            elif does == "no_anything_else" or slip["anything_else"]:
                failed.add("anything_else")
            else:
                turns.append(("agent", tx.pick(rq, tx.ANYTHING_ELSE)))
        turns.append(("customer", end_line))
        if closing is not None:
            if does == "no_closing" or slip["closing"]:
                failed.add("closing")
            else:
                turns.append(("agent", closing))
        # times: each turn takes 1 s + words / SPEAK_WPS; the agent's work follows a turn announcing it
        # (a dead-air agent works in silence right after the customer's first words), the hold its request
        speak = [1.0 + len(w.split()) / SPEAK_WPS for _, w in turns]
        span = max(c["talk_s"] + c["hold_s"], 1.0)
        hold = c["hold_s"] if hold_after is not None else 0.0
        work = span - sum(speak) - hold
        if work < 0:  # a short call: the words fill it, no gaps
            speak = [x * (span - hold) / sum(speak) for x in speak] if span > hold else [0.0] * len(speak)
            work = 0.0
        gaps = [0.0] * len(turns)
        if voice and does == "dead_air" and work >= DEAD_AIR_S:
            gaps[1] += work
            failed.add("dead_air")
        else:
            gaps[work_after] += work
        if hold_after is not None:
            gaps[hold_after] += hold
        at, t = [], c["answered_t"]
        for x, g in zip(speak, gaps):
            at.append(t)
            t += x + g
        c["qa_failed"] = failed
        return [(s, w, a) for (s, w), a in zip(turns, at)]

    def _satisfaction(self, c: dict, beh: dict) -> float:
        """The contact's latent satisfaction before noise (what a survey answer is drawn around)."""
        wait_min = c["wait_s"] / 60 if c["channel"] in ("voice", "chat", "specialist") else c["wait_s"] / 3600 / 4
        leg_of = c.get("leg_of")
        return (4.2 + self.rt["csat"][self.ri[c["reason"]]] + beh.get("csat", 0.0) - (0 if c["resolved"] else 1.0)
                - min(1.5, 0.35 * max(0.0, wait_min - 1)) - (0.3 if leg_of else 0.0))

    def _survey(self, c: dict, beh: dict, rng: np.random.Generator) -> dict:
        """CSAT 1-5, NPS 0-10, CES 1-7 from wait, resolution, reason and agent, with noise."""
        s = self._satisfaction(c, beh) + rng.normal(0, 0.6)
        csat = int(min(5, max(1, round(s))))
        nps = int(min(10, max(0, round(2.2 * s - 1.5 + rng.normal(0, 1.2)))))
        ces = int(min(7, max(1, round(1.5 * s - 0.6 + rng.normal(0, 0.8)))))
        comment = None
        flags = []
        if rng.random() < 0.4:
            comment = tx.pick(rng, tx.SURVEY_LOW if csat <= 2 else tx.SURVEY_MID if csat == 3 else tx.SURVEY_HIGH)
            if csat <= 2 and rng.random() < 0.2:
                comment += " " + tx.pick(rng, tx.CHURN)
                flags.append("churn_threat")
            elif csat == 5 and rng.random() < 0.2:
                comment += " " + tx.pick(rng, tx.PRAISE)
                flags.append("praise")
        delay = float(round(rng.exponential(3 * 3600))) + 60
        return {"of": c, "csat": csat, "nps": nps, "ces": ces, "text": comment, "flags": flags,
                "ended_t": c["end_t"] + (c["wrap_s"] or 0) + delay}

    def _iso(self, day: int, t: float | None) -> str | None:
        """ISO time of second ``t`` of day ``day`` (t may run past midnight)."""
        if t is None:
            return None
        secs = day * 86400 + round(t)
        d, rest = divmod(secs, 86400)
        return f"{self._dates[d]}T{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"

    def _finish(self) -> Simulation:
        prefix = {"voice": "V", "specialist": "V", "chat": "C", "email": "E", "social": "S", "sms": "M"}
        order = sorted(self.contacts, key=lambda c: (c["day"], c["t"], c["seq"]))
        for n, c in enumerate(order, 1):
            c["id"] = f"{prefix[c['channel']]}{n:07d}"
        surveys = sorted(self.surveys, key=lambda s: (s["of"]["day"], s["ended_t"], s["of"]["seq"]))
        for n, s in enumerate(surveys, 1):
            s["id"] = f"Q{n:07d}"
        records = []
        queue = {"voice": "voice", "specialist": "voice-specialist", "chat": "chat", "email": "email",
                 "social": "social", "sms": "sms"}
        for c in order:
            ch = "voice" if c["channel"] == "specialist" else c["channel"]
            d = c["day"]
            rec = {
                "source": SOURCE, "source_id": c["id"], "channel": ch, "direction": "inbound",
                "queue": queue[c["channel"]], "customer_id": c["customer"], "language": "en",
                "offered_at": self._iso(d, c["t"]), "answered_at": self._iso(d, c["answered_t"]),
                "ended_at": self._iso(d, c["end_t"]), "wait_s": c["wait_s"],
                "abandoned": not c["answered"], "transferred": c["transferred"],
            }
            if c["answered"]:
                rec.update(agent_id=c["agent"], talk_s=c["talk_s"], hold_s=c["hold_s"], wrap_s=c["wrap_s"],
                           disposition=c["reason"])
            if c["text"] is not None:
                rec["text"] = c["text"]
            if c["turns"]:
                rec["turns"] = [{"speaker": s, "text": w, "at": self._iso(d, a)} for s, w, a in c["turns"]]
            # related_id marks a continuation (a transfer's second leg), which FCR does not count
            # as a new contact; a repeat is a new contact, known only to the truth (metadata).
            if c.get("leg_of") is not None:
                rec["related_id"] = c["leg_of"]["id"]
            meta = {}
            if c.get("leg_of") is not None:
                meta["transfer_of"] = c["leg_of"]["id"]
            if c["repeat_of"] is not None:
                meta["repeat_of"] = c["repeat_of"]["id"]
            if meta:
                rec["metadata"] = meta
            records.append({k: v for k, v in rec.items() if v is not None})
        for s in surveys:
            c = s["of"]
            rec = {"source": SOURCE, "source_id": s["id"], "channel": "survey", "direction": "inbound",
                   "queue": "survey", "customer_id": c["customer"], "language": "en",
                   "ended_at": self._iso(c["day"], s["ended_t"]), "csat": s["csat"], "nps": s["nps"],
                   "ces": s["ces"], "related_id": c["id"],
                   "metadata": {"survey_of_channel": "voice" if c["channel"] == "specialist" else c["channel"]}}
            if s["text"]:
                rec["text"] = s["text"]
            records.append(rec)
        records.sort(key=lambda r: (r.get("offered_at") or r.get("answered_at") or r["ended_at"], r["source_id"]))
        return Simulation(self.start, self.days, self.seed, self.scale, records, self._truth(order, surveys))

    def _truth(self, order: list[dict], surveys: list[dict]) -> dict:
        def day(i: int) -> str:
            return (self.start + timedelta(days=i)).isoformat()

        p = self.plan
        ri = self.ri
        events = [
            {"kind": "spike", "reason": SPIKE_REASON, "start": day(p["spike"]), "end": day(min(p["spike"] + 1, self.days - 1)),
             "multiplier": 5.0, "channels": list(CHANNELS)},
            {"kind": "drift", "reason": DRIFT_REASON, "start": day(p["drift_start"]), "end": day(min(p["drift_end"], self.days - 1)),
             "multiplier_from": 1.0, "multiplier_to": 3.0, "channels": list(CHANNELS)},
            {"kind": "new_reason", "reason": NEW_REASON, "start": day(p["new_from"]),
             "share_after": FIXED_SHARE[NEW_REASON], "channels": list(CHANNELS)},
        ]
        effects = [
            {"reason": CSAT_REASON, "effect": "csat", "csat_shift": float(self.rt["csat"][ri[CSAT_REASON]])},
            {"reason": REPEAT_REASON, "effect": "repeat_rate", "resolve_prob": float(self.rt["resolve"][ri[REPEAT_REASON]])},
            {"reason": HANDLE_REASON, "effect": "handle_time", "handle_median_s": float(self.rt["handle_s"][ri[HANDLE_REASON]]),
             "typical_median_s": float(np.median(self.rt["handle_s"]))},
        ]
        agents = [{"agent_id": a, "behaviour": b, **{k: float(v) for k, v in eff.items()}}
                  for a, (b, eff) in AGENT_BEHAVIOUR.items()]
        flagged: dict[str, list[str]] = {"churn_threat": [], "praise": []}
        for c in order:
            for f in c.get("flags", []):
                flagged[f].append(c["id"])
        for s in surveys:
            for f in s["flags"]:
                flagged[f].append(s["id"])
        pii = [{"id": c["id"], "turn_seq": c["pii"]["seq"], "in_text": c["text"] is not None, **{k: c["pii"][k] for k in ("kind", "value")}}
               for c in order if "pii" in c]
        repeats = [{"id": c["id"], "repeat_of": c["repeat_of"]["id"]} for c in order if c["repeat_of"] is not None]
        talked = [c for c in order if c["answered"] and "qa_failed" in c]
        qa = {
            "scope": "answered calls and chats (voice, specialist legs, chat)",
            "items": list(QA_ITEMS),
            "applies": {"greeting": "every call and chat", "recording_notice": "voice", "verification": "every call and chat",
                        "hold_etiquette": "voice with hold_s > 0", "dead_air": "voice",
                        "anything_else": "not transferred", "closing": "not transferred", "courtesy": "every call and chat"},
            "agents": [{"agent_id": a, "behaviour": b, "share": r} for a, (b, r) in QA_BEHAVIOUR.items()]
            + [{"agent_id": a, "behaviour": "rude", "share": QA_RUDE} for a, (b, _) in AGENT_BEHAVIOUR.items() if b == "rude"],
            "slip": QA_SLIP,
            "drift": {"item": QA_DRIFT[0], "from": day(round(self.days * QA_DRIFT[1])), "share": QA_DRIFT[2],
                      "channels": ["voice"]},
            "failed": {item: sorted(c["id"] for c in talked if item in c["qa_failed"]) for item in QA_ITEMS},
        }
        beh_of = lambda c: AGENT_BEHAVIOUR.get(c.get("agent") or "", ("", {}))[1]  # noqa: E731
        satisfaction = {
            "formula": "4.2 + reason csat_shift + agent csat - 1.0 unresolved - min(1.5, 0.35 (wait minutes - 1)) "
                       "- 0.3 second leg of a transfer; a survey answer adds N(0, 0.6) and rounds (CSAT 1-5)",
            "latent": {c["id"]: round(self._satisfaction(c, beh_of(c)), 3) for c in order if c["answered"]},
        }
        events = [e for e in events if e["start"] <= day(self.days - 1)]  # only what fits the period
        return {
            "generator": {"name": "earful.sim", "format_version": 1, "seed": self.seed, "days": self.days,
                          "start": self.start.isoformat(), "scale": self.scale},
            "day_multipliers": {day(d): m for d, m in sorted(self.day_mult.items())},
            "source": SOURCE,
            "ids": "source_id values; stored ids are 'sim:' + source_id",
            "events": events,
            "reason_effects": effects,
            "agents": agents,
            "customers": {k: sorted(v) for k, v in flagged.items()},
            "pii": pii,
            "repeats": repeats,
            "qa": qa,
            "satisfaction": satisfaction,
            "understaffed": [
                {"queue": "voice", "days": "all", "from": "12:00", "to": "13:30", "factor": 0.7},
                {"queue": "voice", "days": "Monday", "from": "08:00", "to": "10:00", "factor": 0.75},
            ],
            "staffing": {"slot_minutes": SLOT_S // 60, "first_day": self.start.isoformat(),
                         "note": "agents per slot per day; chat agents take 2 chats at once",
                         "chat_concurrency": CHAT_CONCURRENCY, **self.staffing,
                         "written_agents": {ch: len(v) for ch, v in self.written_free.items()}},
            "parameters": {
                "base_per_weekday": BASE_PER_DAY, "weekly_shape_mon_to_sun": list(WEEKLY),
                "patience_mean_s": PATIENCE_MEAN_S, "patience": "exponential",
                "handle_time": f"log-normal, sigma {HANDLE_SIGMA}, median by reason x channel factor",
                "channel_handle_factor": CHANNEL_HANDLE, "transfer_prob": TRANSFER_PROB,
                "specialist_reasons": list(SPECIALIST_REASONS), "repeat_prob_if_unresolved": REPEAT_PROB,
                "survey_response": SURVEY_RESPONSE, "pii_share": PII_SHARE, "staffing_beta": STAFFING_BETA,
                "forecast_uplift": FORECAST_UPLIFT,
                "open": "08:00-20:00",
            },
            "reasons": {r: {"share": round(float(self.rt["share"][i]), 5), "handle_median_s": float(self.rt["handle_s"][i]),
                            "resolve_prob": float(self.rt["resolve"][i]), "csat_shift": float(self.rt["csat"][i])}
                        for r, i in ri.items()},
        }


def _split_check(check: str) -> tuple[str, str]:
    """An agent's check line as its acknowledgement and its action ("I understand." / "Let me pull up …")."""
    head, sep, rest = check.partition(". ")
    if not sep:
        head, _, rest = check.partition(", ")
    return head.rstrip(".") + ".", rest[:1].upper() + rest[1:]


def _dumps(obj: object, **kw) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, **kw)


def write_simulation(sim: Simulation, out_dir: str | Path) -> dict[str, Path]:
    """Write ``interactions.jsonl`` (canonical earful format) and ``truth.json`` into ``out_dir``."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"cannot create {out}: {e.strerror}") from None
    paths = {"interactions": out / "interactions.jsonl", "truth": out / "truth.json"}
    with open(paths["interactions"], "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(_dumps(r, separators=(",", ":")) + "\n" for r in sim.records))
    with open(paths["truth"], "w", encoding="utf-8", newline="\n") as f:
        f.write(_dumps(sim.truth, indent=1) + "\n")
    return paths
