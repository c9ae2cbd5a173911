"""Interval and daily reports from ACD and WFM systems: offered, answered, abandoned, handle time,
speed of answer and service level per queue per 15/30/60 minutes or per day.

They are mapped like any CSV (``earful ingest report.csv --format intervals --mapping report.yaml``),
with their own fields (``INTERVAL_FIELDS``) and three extra top-level keys::

    source: acme_acd
    interval: 30m              # length of each row's interval (or a column `interval`; `day` for daily)
    sl_threshold: 20s          # the T of the report's service level / answered-within column
    fields:
      queue: Queue
      channel: {value: voice}
      date: {column: Date, format: "%d.%m.%Y"}
      time: Interval           # "08:30" or "08:30-09:00"
      offered: Offered
      answered: Answered
      abandoned: Abandoned
      aht: AHT                 # H:MM:SS, MM:SS or seconds
      asa: ASA
      service_level: SL        # "85,3%", "85.3" or "0.853"

Durations read ``H:MM:SS`` (hours may pass 24), ``MM:SS`` or a number of seconds (times ``scale``);
in a ``;``-separated file a comma is the decimal mark. Averages (``aht``, ``asa``,
``abandon_time``) are stored as totals over their count (``handle_s = aht × answered``) so that
every figure adds up across intervals (table ``interval_stats``). A row whose numbers contradict
each other (answered + abandoned above offered, answered within T above answered) is quarantined
with the reason; a row whose queue, channel and interval are already stored is skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from earful.errors import ConfigError, InputError
from earful.ingest._sql import _raw_expr, _shown, _time_expr, quote_ident, quote_str
from earful.ingest.generic import check_columns
from earful.ingest.load import ImportBatch, ImportResult, Progress
from earful.ingest.mapping import FieldSpec, Mapping, load_mapping, parse_mapping
from earful.ingest.readers import CsvSource
from earful.metrics._keys import seconds
from earful.store.schema import CHANNELS

#: field -> kind. Counts are contacts; durations are seconds; ``aht``, ``asa`` and ``abandon_time`` are
#: averages, ``handle_time``, ``wait_time``, ``abandon_wait`` and ``staffed_time`` totals.
INTERVAL_FIELDS: dict[str, str] = {
    "queue": "string",
    "channel": "channel",
    "interval_start": "time",
    "date": "date",
    "time": "clock",
    "interval": "duration",
    "offered": "count",
    "answered": "count",
    "abandoned": "count",
    "answered_within": "count",
    "service_level": "share",
    "aht": "duration",
    "handle_time": "duration",
    "asa": "duration",
    "wait_time": "duration",
    "abandon_time": "duration",
    "abandon_wait": "duration",
    "agents": "number",
    "staffed_time": "duration",
}
OPTIONS = ("interval", "sl_threshold")
#: interval lengths a report may have (seconds): 15, 30, 60 minutes and a day
LENGTHS = (900, 1800, 3600, 86400)


def parse_interval_mapping(text: str, origin: str = "mapping") -> Mapping:
    """An interval-report mapping from YAML text (``INTERVAL_FIELDS``, plus ``interval``/``sl_threshold``)."""
    m = parse_mapping(text, origin=origin, fields_known=INTERVAL_FIELDS, required=("offered",), options=OPTIONS)
    return _check(m, origin)


def _check(m: Mapping, origin: str) -> Mapping:
    if "interval_start" not in m.fields and "date" not in m.fields:
        raise ConfigError(f"{origin}: `fields` must give `interval_start`, or `date` (with `time` for intervals)")
    if "interval_start" in m.fields and ("date" in m.fields or "time" in m.fields):
        raise ConfigError(f"{origin}: give `interval_start`, or `date` and `time`, not both")
    opts = dict(m.options)
    if "interval" in opts:
        opts["interval"] = interval_length(opts["interval"], f"{origin}: interval")
    elif "interval" not in m.fields and "time" not in m.fields and "date" in m.fields:
        opts["interval"] = 86400  # a date and no time: a daily report
    if "sl_threshold" in opts:
        opts["sl_threshold"] = seconds(opts["sl_threshold"], f"{origin}: sl_threshold")
    elif "answered_within" in m.fields or "service_level" in m.fields:
        raise ConfigError(f"{origin}: a service level or answered-within column needs `sl_threshold` "
                          "(the T it was measured against, e.g. 20s)")
    m.options = opts
    return m


def interval_length(value: object, what: str = "interval") -> int:
    """``15m``, ``30m``, ``1h``, ``day`` (or seconds) -> 900, 1800, 3600, 86400."""
    if str(value).strip().lower() in ("day", "daily", "1d", "24h"):
        return 86400
    s = seconds(value, what)
    if int(s) not in LENGTHS:
        raise ConfigError(f"{what} must be 15m, 30m, 1h or day, not {value!r}")
    return int(s)


# ---------------------------------------------------------------------------------------- SQL
def _number(r: str, decimal_comma: bool) -> str:
    """A number from text: a comma is the decimal mark in a ``;`` file, a thousands mark otherwise."""
    txt = f"replace(replace({r}, '.', ''), ',', '.')" if decimal_comma else f"replace({r}, ',', '')"
    if decimal_comma:  # "1.234,5" and "12,5" both read; "12.5" too (no comma: the dot is decimal)
        txt = f"CASE WHEN {r} LIKE '%,%' THEN {txt} ELSE {r} END"
    return f"try_cast(trim({txt}) AS DOUBLE)"


def _duration(r: str, spec: FieldSpec, decimal_comma: bool) -> str:
    """H:MM:SS, MM:SS, or a number of seconds (times ``scale``)."""
    def part(i: int) -> str:
        return _number(f"split_part({r}, ':', {i})", decimal_comma)

    scale = f" * {float(spec.scale)}" if spec.scale is not None else ""
    return (f"(CASE WHEN {r} LIKE '%:%:%' THEN {part(1)} * 3600 + {part(2)} * 60 + {part(3)} "
            f"WHEN {r} LIKE '%:%' THEN {part(1)} * 60 + {part(2)} ELSE {_number(r, decimal_comma)}{scale} END)")


def _typed(name: str, kind: str, spec: FieldSpec, r: str, centre_tz: str, same_zone: bool,
           decimal_comma: bool) -> str:
    if kind == "channel":
        return f"lower({r})"
    if kind == "time":
        return _time_expr(r, spec, centre_tz, same_zone=same_zone)
    if kind == "date":
        fmt = spec.format
        return (f"CAST(try_strptime({r}, {quote_str(fmt)}) AS DATE)" if fmt not in (None, "iso", "auto")
                else f"try_cast({r} AS DATE)")
    if kind == "clock":  # "08:30", "8:30:00", "08:30-09:00", "08:30 - 09:00": the start
        start = f"trim(split_part(replace({r}, '–', '-'), '-', 1))"
        return f"try_cast(CASE WHEN {start} LIKE '%:%:%' THEN {start} ELSE {start} || ':00' END AS TIME)"
    if kind == "duration":
        return _duration(r, spec, decimal_comma)
    if kind == "share":
        num = _number(f"replace({r}, '%', '')", decimal_comma)
        return f"(CASE WHEN {r} LIKE '%\\%%' ESCAPE '\\' OR {num} > 1 THEN {num} / 100 ELSE {num} END)"
    if kind in ("count", "number"):
        return _number(r, decimal_comma)
    return r


def _problems(name: str, kind: str, r: str, c: str) -> list[str]:
    label = quote_str(name + ": ")
    bad = f"CASE WHEN {r} IS NOT NULL AND {c} IS NULL THEN {label} || {_shown(r)} || "
    if kind == "channel":
        return [f"CASE WHEN {c} NOT IN ({', '.join(quote_str(x) for x in CHANNELS)}) THEN {label} || {_shown(r)} || "
                f"' is not a channel (one of {', '.join(CHANNELS)})' END"]
    if kind in ("time", "date"):
        return [bad + f"' is not a {'time' if kind == 'time' else 'date'}' END"]
    if kind == "clock":
        return [bad + "' is not a time of day (e.g. 08:30 or 08:30-09:00)' END"]
    if kind == "count":
        return [bad + "' is not a number' "
                f"WHEN {c} < 0 THEN {label} || 'negative count ' || {r} "
                f"WHEN {c} <> round({c}) THEN {label} || {_shown(r)} || ' is not a whole number of contacts' END"]
    if kind in ("duration", "number"):
        what = "a duration (H:MM:SS, MM:SS or seconds)" if kind == "duration" else "a number"
        return [bad + f"' is not {what}' WHEN {c} < 0 OR isinf({c}) OR isnan({c}) THEN {label} || "
                f"'must be zero or more, not ' || {r} END"]
    if kind == "share":
        return [bad + "' is not a share (85%, 85 or 0.85)' "
                f"WHEN {c} < 0 OR {c} > 1 THEN {label} || {_shown(r)} || ' is not between 0 and 100%' END"]
    return []


def interval_select(m: Mapping, *, source: str, from_sql: str, raw_columns: list[str], centre_tz: str,
                    source_tz: str | None, decimal_comma: bool) -> str:
    """SELECT giving one stage row per report row: _row, source, the ``interval_stats`` columns (totals,
    ``interval_s`` NULL when it is still to be inferred), problems, _raw."""
    same_zone = (source_tz or centre_tz) == centre_tz
    raw, typed, problems = ["CAST(NULL AS BIGINT) AS _row"], [], []
    for name, kind in INTERVAL_FIELDS.items():
        spec = m.fields.get(name)
        if spec is None:
            null = {"time": "TIMESTAMP", "date": "DATE", "clock": "TIME"}.get(kind, "DOUBLE" if kind not in
                                                                              ("string", "channel") else "VARCHAR")
            typed.append(f"CAST(NULL AS {null}) AS __c_{name}")
            continue
        raw.append(f"{_raw_expr(spec)} AS __r_{name}")
        typed.append(f"{_typed(name, kind, spec, f'__r_{name}', centre_tz, same_zone, decimal_comma)} AS __c_{name}")
        problems += _problems(name, kind, f"__r_{name}", f"__c_{name}")
    default_len = m.options.get("interval")
    if "interval_start" in m.fields:
        start = "__c_interval_start"
        problems.append("CASE WHEN __c_interval_start IS NULL AND __r_interval_start IS NULL THEN 'interval_start: missing' END")
    else:
        start = ("(__c_date + coalesce(__c_time, TIME '00:00'))" if "time" in m.fields
                 else "CAST(__c_date AS TIMESTAMP)")
        problems.append("CASE WHEN __c_date IS NULL AND __r_date IS NULL THEN 'date: missing' END")
        if "time" in m.fields and default_len != 86400:
            problems.append("CASE WHEN __c_time IS NULL AND __r_time IS NULL THEN 'time: missing' END")
    length = "CAST(NULL AS INTEGER)"
    if "interval" in m.fields:
        length = "CAST(round(__c_interval) AS INTEGER)"
        problems.append(f"CASE WHEN __c_interval IS NOT NULL AND CAST(round(__c_interval) AS INTEGER) NOT IN "
                        f"({', '.join(map(str, LENGTHS))}) THEN 'interval: ' || __r_interval || "
                        "' is not 15 or 30 minutes, an hour or a day' END")
        if default_len:
            length = f"coalesce({length}, {int(default_len)})"
    elif default_len:
        length = str(int(default_len))
    problems += [
        "CASE WHEN __c_offered IS NULL AND __r_offered IS NULL THEN 'offered: missing' END",
        "CASE WHEN coalesce(__c_answered, 0) + coalesce(__c_abandoned, 0) > __c_offered THEN 'answered (' || "
        "coalesce(__r_answered, '0') || ') + abandoned (' || coalesce(__r_abandoned, '0') || ') is more than offered (' "
        "|| __r_offered || ')' END" if "abandoned" in m.fields or "answered" in m.fields else "NULL",
        "CASE WHEN __c_answered_within > coalesce(__c_answered, __c_offered) THEN 'answered_within: more than were "
        "answered' END" if "answered_within" in m.fields else "NULL",
    ]
    queue = "coalesce(__c_queue, 'all')" if "queue" in m.fields else "'all'"
    channel = "coalesce(__c_channel, 'voice')" if "channel" in m.fields else "'voice'"

    def total(avg: str, tot: str, count: str) -> str:
        return f"coalesce(__c_{tot}, __c_{avg} * {count})"

    thr = m.options.get("sl_threshold")
    cols = {
        "queue": queue, "channel": channel, "interval_start": start, "interval_s": length,
        "offered": "CAST(__c_offered AS BIGINT)", "answered": "CAST(__c_answered AS BIGINT)",
        "abandoned": "CAST(__c_abandoned AS BIGINT)", "answered_within": "CAST(__c_answered_within AS BIGINT)",
        "service_level": "__c_service_level", "sl_threshold_s": "NULL::DOUBLE" if thr is None else repr(float(thr)),
        "handle_s": total("aht", "handle_time", "__c_answered"), "wait_s": total("asa", "wait_time", "__c_answered"),
        "abandon_wait_s": total("abandon_time", "abandon_wait", "__c_abandoned"),
        "agents": "coalesce(__c_agents, __c_staffed_time / nullif(interval_s_, 0))",
        "_staffed_s": "__c_staffed_time",
    }
    if "aht" in m.fields and "answered" not in m.fields:
        problems.append("CASE WHEN __c_aht IS NOT NULL THEN 'aht: an average handle time needs an answered count' END")
    if "asa" in m.fields and "answered" not in m.fields:
        problems.append("CASE WHEN __c_asa IS NOT NULL THEN 'asa: an average speed of answer needs an answered count' END")
    raw.append(f"{quote_str(source)} AS __source")
    raw_json = ("CAST(json_object(" + ", ".join(f"{quote_str(c)}, {quote_ident(c)}" for c in raw_columns) + ") AS VARCHAR)"
                if raw_columns else "NULL")
    layer1 = f"SELECT {', '.join(raw)}, * FROM {from_sql}"
    layer2 = f"SELECT *, {', '.join(typed)} FROM ({layer1})"
    layer3 = (f"SELECT *, list_filter([{', '.join(p for p in problems if p != 'NULL') or 'NULL'}], "
              f"lambda p: p IS NOT NULL) AS __problems FROM ({layer2})")
    out = [f"{sql} AS {name}" for name, sql in cols.items()]
    return (f"SELECT _row, __source AS source, {', '.join(out)}, __problems AS problems, "
            f"CASE WHEN len(__problems) > 0 THEN {raw_json} END AS _raw "
            f"FROM (SELECT *, {length} AS interval_s_ FROM ({layer3}))")


# ---------------------------------------------------------------------------------------- loading
_COLUMNS = ("source", "queue", "channel", "interval_start", "interval_s", "offered", "answered", "abandoned",
            "answered_within", "service_level", "sl_threshold_s", "handle_s", "wait_s", "abandon_wait_s", "agents")
_KEY = ("source", "queue", "channel", "interval_start", "interval_s")


class IntervalBatch(ImportBatch):
    """An interval report's import: the same transaction, quarantine and re-import rules as contacts,
    loading ``interval_stats`` (and agents staffed into ``staffing``, where the report gives them)."""

    def finish(self, progress: Progress | None = None) -> ImportResult:
        con, r, iid = self.con, self.result, self.result.import_id
        if not self._staged:
            return self._commit()
        base = con.execute("SELECT coalesce(min(rowid), 0) FROM _stage").fetchall()[0][0]
        con.execute(f"CREATE OR REPLACE TEMP VIEW _stage_v AS SELECT * REPLACE (rowid - {base} + 1 AS _row) FROM _stage")
        self._infer_lengths()
        r.rows_read = int(con.execute("SELECT count(*) FROM _stage_v").fetchall()[0][0])
        key = ", ".join(_KEY)
        con.execute(f"CREATE TEMP TABLE _dups AS SELECT {key}, min(_row) AS first_row FROM _stage_v "
                    f"WHERE len(problems) = 0 GROUP BY {key} HAVING count(*) > 1")
        on = " AND ".join(f"d.{k} = s.{k}" for k in _KEY)
        con.execute(
            f"CREATE TEMP TABLE _loaded AS SELECT s._row FROM _stage_v s LEFT JOIN _dups d ON {on} "
            "WHERE len(s.problems) = 0 AND (d.first_row IS NULL OR s._row = d.first_row) AND NOT EXISTS ("
            f"SELECT 1 FROM interval_stats i WHERE {' AND '.join(f'i.{k} = s.{k}' for k in _KEY)})")
        cols = ", ".join(_COLUMNS)
        r.loaded = int(con.execute(
            f"INSERT INTO interval_stats (import_id, {cols}) SELECT {iid}, {', '.join('s.' + c for c in _COLUMNS)} "
            "FROM _stage_v s JOIN _loaded l USING (_row)").fetchall()[0][0])
        staffed = con.execute(
            f"INSERT INTO staffing SELECT interval_start, interval_s, queue, agents, 'interval report ' || {iid} "
            f"FROM interval_stats WHERE import_id = {iid} AND agents IS NOT NULL AND interval_s < 86400").fetchall()[0][0]
        if staffed:
            r.notes.append(f"agents staffed in {staffed:,} intervals kept for occupancy")
        row_fix = self._row_fix_sql()
        q_bad = int(con.execute(
            f"INSERT INTO quarantine SELECT {iid}, {row_fix.format(p='_row')}, split_part(problems[1], ':', 1), "
            "array_to_string(problems, '; '), _raw FROM _stage_v WHERE len(problems) > 0").fetchall()[0][0])
        q_dup = int(con.execute(
            f"INSERT INTO quarantine SELECT {iid}, {row_fix.format(p='s._row')}, 'interval_start', "
            f"'the same queue, channel and interval again in this file (first at row ' || {row_fix.format(p='d.first_row')} "
            f"|| ')', CAST(to_json(s) AS VARCHAR) FROM _stage_v s JOIN _dups d ON {on} "
            "WHERE len(s.problems) = 0 AND s._row > d.first_row").fetchall()[0][0])
        q_rej = self._insert_rejects()
        r.quarantined = q_bad + q_dup + q_rej
        r.rows_read += q_rej
        ok = int(con.execute("SELECT count(*) FROM _stage_v WHERE len(problems) = 0").fetchall()[0][0])
        r.skipped = ok - q_dup - r.loaded
        return self._commit()

    def _infer_lengths(self) -> None:
        """Rows without an interval length take the file's: the most common gap between consecutive starts
        of a queue (15, 30 or 60 minutes); a file where that cannot be told quarantines them."""
        con = self.con
        missing = con.execute("SELECT count(*) FROM _stage WHERE interval_s IS NULL AND len(problems) = 0").fetchall()[0][0]
        if not missing:
            return
        gap = con.execute("""
            SELECT g FROM (SELECT epoch(interval_start - lag(interval_start) OVER (PARTITION BY queue, channel
                                                                                ORDER BY interval_start))::BIGINT AS g
                           FROM _stage WHERE len(problems) = 0 AND interval_start IS NOT NULL)
            WHERE g > 0 GROUP BY g ORDER BY count(*) DESC, g LIMIT 1""").fetchall()
        length = int(gap[0][0]) if gap and int(gap[0][0]) in LENGTHS else None
        if length is None:
            con.execute("UPDATE _stage SET problems = list_append(problems, 'interval: cannot tell the interval "
                        "length from the starts (set `interval:` in the mapping)') WHERE interval_s IS NULL "
                        "AND len(problems) = 0")
            return
        con.execute(f"UPDATE _stage SET interval_s = {length}, agents = coalesce(agents, _staffed_s / {length}) "
                    "WHERE interval_s IS NULL")
        self.result.notes.append(f"interval length {length // 60} minutes, from the gaps between starts")


def ingest_intervals(batch: ImportBatch, path: Path, mapping: Mapping, *, source: str,
                     encoding: str | None = None, delimiter: str | None = None, progress: Progress | None = None,
                     lenient: bool = False, **_: object) -> None:
    """Stage an interval report (CSV) through its mapping."""
    src = CsvSource(path, encoding=encoding or mapping.encoding, delimiter=delimiter or mapping.delimiter,
                    strict=not lenient)
    cols = src.columns()
    check_columns(mapping, cols, path)
    batch.stage_sql(interval_select(mapping, source=source, from_sql=src.from_sql(numbered=False), raw_columns=cols,
                                    centre_tz=batch.centre_tz, source_tz=batch.source_tz,
                                    decimal_comma=src.delimiter == ";"), rows_from_rowid=True)
    batch.csv_rejects(src.rejects_table)


def load_interval_mapping(mapping: str | Path | Mapping | None) -> Mapping:
    """The mapping of an interval report: a file, or a ``Mapping`` already parsed."""
    if mapping is None:
        raise InputError("--format intervals needs --mapping FILE (docs/formats.md shows one)")
    if isinstance(mapping, Mapping):
        return _check(mapping, "mapping")
    m = load_mapping(mapping, fields_known=INTERVAL_FIELDS, required=("offered",), options=OPTIONS)
    return _check(m, str(mapping))


def interval_report_store(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """What interval data the store holds: rows, series and the span (for status lines)."""
    n, series, lo, hi = con.execute(
        "SELECT count(*), count(DISTINCT (queue, channel)), min(interval_start), max(interval_start) "
        "FROM interval_stats").fetchall()[0]
    return {"rows": int(n), "series": int(series), "first": lo, "last": hi}
