"""The Technion "Anonymous Bank" call log (Brown et al. 2005): one row per call.

Mapping (docs/formats.md): a call is offered to agents when it entered the queue (or was
put straight through to an agent); a HANG after queue entry is an abandonment, a HANG
before it an IVR hang-up (`metadata.ended_in = 'ivr'`); PHANTOM calls are not offered.
"""

from __future__ import annotations

from pathlib import Path

from earful.ingest._sql import canonical_select
from earful.ingest.generic import check_columns
from earful.ingest.load import UNNUMBERED, ImportBatch, Progress
from earful.ingest.mapping import FieldSpec, Mapping
from earful.ingest.readers import CsvSource

_QUEUED = "(q_start <> '0:00:00')"
_OFFERED = f"(outcome = 'AGENT' OR (outcome = 'HANG' AND {_QUEUED}))"


def _at(col: str) -> str:
    """date + H:MM:SS, rolled to the next day when the clock passed midnight since IVR entry.

    (Only a step back of over 12 hours is a midnight: the log has a few calls whose IVR exit
    is stamped seconds before their entry.)
    `0:00:00` means "did not happen" in this log, so it reads as no time at all.
    """
    return (f"(CASE WHEN {col} = '0:00:00' THEN NULL ELSE try_cast(\"date\" AS DATE) + try_cast({col} AS INTERVAL) + CASE WHEN try_cast({col} AS INTERVAL) "
            f"< try_cast(vru_entry AS INTERVAL) - INTERVAL 12 HOUR THEN INTERVAL 1 DAY ELSE INTERVAL 0 DAY END END)")


MAPPING = Mapping(
    source="technion",
    fields={
        "source_id": FieldSpec(sql="\"date\" || '/' || \"vru+line\" || '/' || call_id"),
        "channel": FieldSpec(value="voice"),
        "direction": FieldSpec(value="inbound"),
        "queue": FieldSpec(column="type"),
        "disposition": FieldSpec(column="type"),
        "agent_id": FieldSpec(sql="nullif(server, 'NO_SERVER')"),
        "customer_id": FieldSpec(sql="nullif(customer_id, '0')"),
        "offered_at": FieldSpec(sql=f"CASE WHEN {_OFFERED} THEN "
                                    f"CASE WHEN {_QUEUED} THEN {_at('q_start')} ELSE {_at('ser_start')} END END"),
        # A few calls are stamped answered a second before they queued: clock skew, clamped.
        "answered_at": FieldSpec(sql=f"CASE WHEN outcome = 'AGENT' THEN greatest({_at('ser_start')}, "
                                     f"CASE WHEN {_QUEUED} THEN {_at('q_start')} ELSE {_at('ser_start')} END) END"),
        "ended_at": FieldSpec(sql=f"CASE WHEN outcome = 'AGENT' THEN {_at('ser_exit')} "
                                  f"WHEN outcome = 'HANG' AND {_QUEUED} THEN {_at('q_exit')} ELSE {_at('vru_exit')} END"),
        "wait_s": FieldSpec(sql=f"CASE WHEN {_OFFERED} THEN q_time END"),
        "talk_s": FieldSpec(sql="CASE WHEN outcome = 'AGENT' THEN ser_time END"),
        "abandoned": FieldSpec(sql=f"CASE WHEN {_OFFERED} THEN outcome = 'HANG' END"),
        "metadata": FieldSpec(sql=(
            "json_object('priority', try_cast(priority AS INTEGER), 'vru_line', \"vru+line\", 'call_id', call_id, "
            "'outcome', outcome, 'ivr_entry_at', " + _at("vru_entry") + ", 'ivr_s', try_cast(vru_time AS INTEGER), "
            f"'ended_in', CASE WHEN outcome = 'PHANTOM' THEN 'phantom' WHEN {_OFFERED} THEN "
            "CASE WHEN outcome = 'AGENT' THEN 'agent' ELSE 'queue' END ELSE 'ivr' END)"
        )),
    },
    checks=[("outcome = 'AGENT' AND (ser_start = '0:00:00' OR ser_exit = '0:00:00')",
             "ser_start: answered by an agent, but the log has no service start or end time")],
)
COLUMNS = ["vru+line", "call_id", "customer_id", "priority", "type", "date", "vru_entry", "vru_exit", "vru_time",
           "q_start", "q_exit", "q_time", "outcome", "ser_start", "ser_exit", "ser_time", "server"]


def ingest_technion(batch: ImportBatch, path: Path, mapping: Mapping | None = None, *, source: str = "technion",
                    progress: Progress | None = None, lenient: bool = False, **_: object) -> None:
    """Stage the call log; a row with a time that cannot be read is quarantined with the field named."""
    src = CsvSource(path, delimiter=",", strict=not lenient)
    cols = src.columns()
    check_columns(Mapping(metadata_columns=COLUMNS), cols, path)
    batch.load_direct(canonical_select(MAPPING, source=source, from_sql=src.from_sql(numbered=False), row_expr=UNNUMBERED,
                                       raw_columns=cols, **batch.rules))
    batch.csv_rejects(src.rejects_table)
