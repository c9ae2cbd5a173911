"""Simulated contact-centre months with ground truth (issue 4).

``simulate(days, seed, start, scale) -> Simulation`` and ``write_simulation(sim, out_dir)``
writing ``interactions.jsonl`` (canonical earful format) and ``truth.json``.
"""

from earful.sim.model import SOURCE, Simulation, intraday_shape, simulate, write_simulation

__all__ = ["SOURCE", "Simulation", "intraday_shape", "simulate", "write_simulation"]
