"""Operational metrics over the store: service level, ASA, AHT, abandonment, occupancy, FCR,
transfers, volumes and peak hour, grouped by interval, day, week, queue, channel, agent or reason.

Each formula is written once, in the docstring of its function in ``earful.metrics.kpis``
(and in docs/metrics.md); ``metrics_table`` computes them all in one DuckDB query.
"""

from earful.metrics._keys import BY_KEYS, parse_by, parse_range
from earful.metrics.kpis import (
    ABANDON_TREATMENTS,
    Metric,
    abandon_rate,
    abandoned,
    aht,
    answered,
    asa,
    ces_avg,
    csat_avg,
    fcr_rate,
    ivr_hangups,
    nps,
    occupancy,
    offered,
    peak_hour,
    predicted_csat,
    qa_score,
    service_level,
    short_abandoned,
    transfer_rate,
)
from earful.metrics.next_contact import next_contact_ready, refresh_next_contact
from earful.metrics.table import COLUMNS, FCR_SAME, OCCUPANCY_FROM, metrics_table

__all__ = [
    "ABANDON_TREATMENTS", "BY_KEYS", "COLUMNS", "FCR_SAME", "OCCUPANCY_FROM", "Metric", "abandon_rate", "abandoned",
    "aht", "answered", "asa", "ces_avg", "csat_avg", "fcr_rate", "ivr_hangups", "metrics_table", "next_contact_ready", "nps", "occupancy", "offered",
    "parse_by", "parse_range", "peak_hour", "predicted_csat", "qa_score", "refresh_next_contact", "service_level", "short_abandoned", "transfer_rate",
]
