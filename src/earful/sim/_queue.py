"""The queueing core: one FCFS multi-server queue with reneging, run on ciw.

Everything random (arrival times, handle times, patience) is drawn beforehand with NumPy
and handed to ciw through distributions that look values up by customer number, so ciw
only does the queueing (who is served when, who gives up) and the run is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import ciw
import numpy as np

_NEVER = 1e12  # a gap after the last arrival that no run reaches


class _ByCustomer(ciw.dists.Distribution):
    """Hands out pre-drawn values by ciw customer number (1-based), times a per-server factor."""

    def __init__(self, values: np.ndarray, server_factor: dict[int, float] | None = None):
        self.values = values.tolist()
        self.server_factor = server_factor or {}

    def sample(self, t=None, ind=None):
        v = self.values[ind.id_number - 1]
        if self.server_factor:
            server = getattr(ind, "server", None)
            if server:
                v = float(round(v * self.server_factor.get(server.id_number, 1.0)))
        return v


@dataclass(frozen=True)
class QueueResult:
    """Per customer (in arrival order): what happened in the queue."""

    answered: np.ndarray  # bool
    wait_s: np.ndarray  # time in queue (to answer or to giving up)
    start_s: np.ndarray  # service start (NaN when abandoned)
    end_s: np.ndarray  # service end, or the moment of giving up
    service_s: np.ndarray  # handle time actually used (0 when abandoned)
    server_id: np.ndarray  # ciw server number (0 when abandoned)
    server_slot: np.ndarray  # schedule slot the answering server was put on duty for (-1 when abandoned)
    server_rank: np.ndarray  # that server's place among the slot's servers (0-based; -1 when abandoned)


def server_ids_by_slot(servers: np.ndarray) -> list[range]:
    """ciw's server numbers per schedule slot: every slot starts a fresh set of servers.

    ``run_queue`` adds one more slot after the last (the last count again); its servers
    belong to the last slot.
    """
    out, nxt = [], 1
    for n in servers.tolist():
        out.append(range(nxt, nxt + int(n)))
        nxt += int(n)
    return out


def run_queue(
    arrival_s: np.ndarray,
    service_s: np.ndarray,
    patience_s: np.ndarray | None,
    slot_ends_s: np.ndarray,
    servers: np.ndarray,
    *,
    seed: int = 0,
    server_factor: dict[int, float] | None = None,
) -> QueueResult:
    """Simulate one queue: arrivals (sorted, seconds), FCFS, ``servers[k]`` agents until ``slot_ends_s[k]``.

    A customer whose wait reaches their patience leaves unanswered (patience None: nobody
    leaves). At the end of a slot the calls in progress pass to the next slot's agents and
    carry on (ciw's "resume" pre-emption), so exactly ``servers[k]`` agents work in slot k; the
    answer time and answering server are those of the first part. The last slot's count
    holds until everyone has left.
    """
    n = len(arrival_s)
    empty = np.zeros(0)
    if n == 0:
        none = np.zeros(0, int)
        return QueueResult(np.zeros(0, bool), empty, empty, empty, empty, none, none, none)
    if int(servers[-1]) <= 0:
        raise ValueError("the last slot needs at least one server (it holds until everyone has left)")
    arrival_s = np.asarray(arrival_s, float)
    gaps = np.diff(np.concatenate([[0.0], arrival_s])).tolist() + [_NEVER]
    # the schedule needs one count per end date: the last slot's count repeats
    schedule = ciw.Schedule(numbers_of_servers=[int(s) for s in servers] + [int(servers[-1])],
                            shift_end_dates=[float(e) for e in slot_ends_s] + [_NEVER * 10],
                            preemption="resume")
    kw = {}
    if patience_s is not None:
        kw["reneging_time_distributions"] = [_ByCustomer(np.asarray(patience_s, float))]
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Sequential(gaps)],
        service_distributions=[_ByCustomer(np.asarray(service_s, float), server_factor)],
        number_of_servers=[schedule],
        **kw,
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_customers(n, method="Finish")
    answered = np.zeros(n, bool)
    wait = np.zeros(n)
    start = np.full(n, np.nan)
    end = np.zeros(n)
    used = np.zeros(n)
    server = np.zeros(n, int)
    for r in sim.get_all_records():  # in time order: an interrupted call's parts come in sequence
        i = r.id_number - 1
        if r.record_type in ("service", "interrupted service"):
            if not answered[i]:
                answered[i] = True
                wait[i] = r.waiting_time
                start[i] = r.service_start_date
                server[i] = r.server_id
            if r.record_type == "service":
                used[i] += r.service_time
                end[i] = r.service_end_date
            else:
                used[i] += r.exit_date - r.service_start_date
                end[i] = r.exit_date
        elif r.record_type == "renege" and not answered[i]:
            wait[i] = r.exit_date - r.arrival_date
            end[i] = r.exit_date
    slot_of: dict[int, tuple[int, int]] = {}
    counts = np.concatenate([np.asarray(servers, int), [int(servers[-1])]])
    for k, ids in enumerate(server_ids_by_slot(counts)):
        for j, sid in enumerate(ids):
            slot_of[sid] = (min(k, len(servers) - 1), j)
    pos = np.array([slot_of.get(int(s), (-1, -1)) for s in server.tolist()], int).reshape(-1, 2)
    return QueueResult(answered, wait, start, end, used, server, pos[:, 0], pos[:, 1])
