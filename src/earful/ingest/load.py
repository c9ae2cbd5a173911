"""One import = one transaction: stage, validate, de-duplicate, load, quarantine, commit.

Rows are staged (typed, with their problems) in temporary tables that DuckDB spills to
disk, so memory stays bounded whatever the file size. Nothing reaches ``interactions``,
``turns`` or ``quarantine`` until the final COMMIT: a process killed mid-import leaves the
store exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

import duckdb
import pyarrow as pa

from earful.errors import StoreError
from earful.ingest._sql import _time_expr, quote_str
from earful.ingest.mapping import CANONICAL_FIELDS, FieldSpec
from earful.metrics._keys import is_contact_sql
from earful.metrics.next_contact import refresh_next_contact
from earful.store.schema import SPEAKERS

Progress = Callable[[float, str], None]

#: `row_expr` for a staging SELECT that leaves row numbers to the stage table's row ids.
UNNUMBERED = "CAST(NULL AS BIGINT)"

_COPY = ", ".join(
    f"s.{c}" for c in CANONICAL_FIELDS if c not in ("source_id", "direction", "related_id", "metadata")
)


@dataclass
class ImportResult:
    """What one `ingest` did."""

    file: str
    format: str
    import_id: int | None = None
    rows_read: int = 0
    loaded: int = 0
    quarantined: int = 0
    skipped: int = 0
    turns: int = 0
    already_imported: bool = False
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 4 MiB chunks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(4 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def centre_timezone(con: duckdb.DuckDBPyConnection) -> str:
    """The centre's zone (settings key `timezone`, default UTC): stored times are its wall-clock."""
    row = con.execute("SELECT value FROM settings WHERE key = 'timezone'").fetchall()
    return json.loads(row[0][0]) if row else "UTC"


class ImportBatch:
    """An import in progress inside one transaction (state is real: the open transaction)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, fmt: str, options: dict,
                 *, source_tz: str | None = None) -> None:
        self.con = con
        self.path = path
        self.result = ImportResult(file=str(path), format=fmt)
        self.options = options
        self.centre_tz = centre_timezone(con)
        self.source_tz = source_tz or self.centre_tz
        self._staged = False
        self._turns_staged = False
        self._rows_from_rowid = False
        self._rejects: list[tuple[int | None, str | None, str, str | None]] = []
        self._csv_rejects_table: str | None = None
        self.sha256 = file_sha256(path)
        self.size = path.stat().st_size
        # Called inside the transaction just before COMMIT (e.g. to write a capability's own rows
        # for what loaded): a failure there rolls the whole import back.
        self.before_commit: Callable[[ImportResult], None] | None = None

    # ------------------------------------------------------------------ lifecycle
    def previous_import(self) -> int | None:
        """The id of a finished import of the same bytes with the same options, if any."""
        row = self.con.execute(
            "SELECT import_id FROM imports WHERE sha256 = ? AND format = ? AND CAST(options AS VARCHAR) = ? "
            "AND finished_at IS NOT NULL ORDER BY import_id LIMIT 1",
            [self.sha256, self.result.format, json.dumps(self.options, sort_keys=True)],
        ).fetchall()
        return int(row[0][0]) if row else None

    def begin(self) -> None:
        try:
            self.con.execute("BEGIN TRANSACTION")
        except duckdb.Error as exc:
            raise StoreError(f"cannot start the import: {str(exc).splitlines()[0]}") from None
        self._reset_session()  # leftovers of an earlier import on this connection
        self.con.execute(f"SET TimeZone = {quote_str(self.source_tz)}")
        mem = os.environ.get("EARFUL_MEMORY_LIMIT", "2GB")
        self.con.execute(f"SET memory_limit = {quote_str(mem)}")
        self.con.execute("SET enable_progress_bar = false")
        self.result.import_id = int(self.con.execute("SELECT nextval('import_id_seq')").fetchall()[0][0])
        self.con.execute(
            "INSERT INTO imports (import_id, file, format, sha256, size_bytes, started_at, options) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [self.result.import_id, str(self.path.resolve()), self.result.format, self.sha256, self.size,
             datetime.now(), json.dumps(self.options, sort_keys=True)],
        )

    def rollback(self) -> None:
        try:
            self.con.execute("ROLLBACK")
        except duckdb.Error:
            pass
        self._reset_session()

    def _reset_session(self) -> None:
        for name in ("_stage", "_turns", "_loaded", "_dups", "_rej_rows", "_csv_rejects", "_csv_rejects_scan"):
            try:
                self.con.execute(f"DROP TABLE IF EXISTS {name}")
            except duckdb.Error:
                pass
        try:
            self.con.execute("RESET TimeZone")
        except duckdb.Error:
            pass

    # ------------------------------------------------------------------ staging
    def stage_sql(self, select_sql: str, *, rows_from_rowid: bool = False) -> None:
        """Stage the rows a canonical SELECT yields (see `_sql.canonical_select`).

        ``rows_from_rowid``: the SELECT (one statement over one file, ``row_expr=UNNUMBERED``)
        leaves `_row` empty; DuckDB keeps insertion order, so row id + 1 is the data row.
        """
        if rows_from_rowid and self._staged:
            raise ValueError("rows_from_rowid needs a single staging statement")
        if not self._staged:
            self.con.execute(f"CREATE TEMP TABLE _stage AS {select_sql}")
            self._staged = True
            self._rows_from_rowid = rows_from_rowid
        else:
            self.con.execute(f"INSERT INTO _stage {select_sql}")

    def stage_turns(self, from_sql: str) -> None:
        """Stage turns from a relation with text columns _row, seq, speaker, text, at_text.

        A turn with an unknown speaker or an unreadable time marks its whole interaction bad.
        """
        at = _time_expr("nullif(trim(at_text), '')", FieldSpec(), self.centre_tz)
        sql = (
            "SELECT _row, CAST(seq AS INTEGER) AS seq, lower(speaker) AS speaker, text, "
            f"{at} AS occurred_at, "
            f"CASE WHEN speaker IS NULL OR lower(speaker) NOT IN ({', '.join(quote_str(s) for s in SPEAKERS)}) "
            "THEN 'turns[' || seq || '].speaker: \"' || coalesce(speaker, '') || '\" is not customer, agent or system' "
            f"WHEN nullif(trim(at_text), '') IS NOT NULL AND {at} IS NULL THEN 'turns[' || seq || '].at: \"' || left(at_text, 40) || "
            f"'\" is not a time' END AS problem FROM {from_sql}"
        )
        if not self._turns_staged:
            self.con.execute(f"CREATE TEMP TABLE _turns AS {sql}")
            self._turns_staged = True
        else:
            self.con.execute(f"INSERT INTO _turns {sql}")

    def stage_arrow(self, name: str, table: pa.Table, select_sql: str) -> None:
        """Register an Arrow table under `name` for the duration of one staging SELECT."""
        self.con.register(name, table)
        try:
            self.stage_sql(select_sql)
        finally:
            self.con.unregister(name)

    def reject(self, row: int | None, fld: str | None, reason: str, raw: str | None) -> None:
        """Quarantine a record that could not even be read (bad JSON, wrong column count …)."""
        self._rejects.append((row, fld, reason, raw))

    def csv_rejects(self, table: str) -> None:
        """Take DuckDB's CSV reject table (line numbers, raw lines, messages) into quarantine."""
        self._csv_rejects_table = table

    # ------------------------------------------------------------------ finish
    def finish(self, progress: Progress | None = None) -> ImportResult:
        """De-duplicate, load the good rows, quarantine the bad, record the import, commit."""
        con, r, iid = self.con, self.result, self.result.import_id
        if not self._staged:  # an empty input: stage nothing, load nothing
            return self._commit()
        if progress:
            progress(0.9, "validating")
        if self._rows_from_rowid:
            # rows staged inside a transaction get ids from a high base; they stay consecutive
            base = con.execute("SELECT coalesce(min(rowid), 0) FROM _stage").fetchall()[0][0]
            con.execute(f"CREATE OR REPLACE TEMP VIEW _stage_v AS SELECT * REPLACE (rowid - {base} + 1 AS _row) FROM _stage")
        stage = "_stage_v" if self._rows_from_rowid else "_stage"
        if self._turns_staged:
            con.execute(
                "UPDATE _stage SET problems = list_concat(_stage.problems, t.probs) FROM ("
                " SELECT _row, list(problem ORDER BY seq) AS probs FROM _turns WHERE problem IS NOT NULL GROUP BY _row"
                ") t WHERE _stage._row = t._row"
            )
        r.rows_read = int(con.execute(f"SELECT count(*) FROM {stage}").fetchall()[0][0])
        con.execute(
            f"CREATE TEMP TABLE _dups AS SELECT source, source_id, min(_row) AS first_row, count(*) AS n FROM {stage} "
            "WHERE len(problems) = 0 GROUP BY source, source_id HAVING count(*) > 1"
        )
        sources = [row[0] for row in con.execute(f"SELECT DISTINCT source FROM {stage}").fetchall()]
        known = con.execute(f"SELECT count(*) FROM (SELECT 1 FROM interactions WHERE source IN "
                            f"(SELECT unnest(?)) LIMIT 1)", [sources]).fetchall()[0][0] > 0
        n_dups = con.execute("SELECT count(*) FROM _dups").fetchall()[0][0]
        if progress:
            progress(0.95, "loading")
        insert = (f"INSERT INTO interactions (id, source, source_id, import_id, {_COPY.replace('s.', '')}, "
                  "direction, related_id, metadata, is_contact) "
                  f"SELECT s.source || ':' || s.source_id, s.source, s.source_id, {iid}, {_COPY}, "
                  "coalesce(s.direction, 'inbound'), "
                  "CASE WHEN s.related_id IS NOT NULL THEN s.source || ':' || s.related_id END, CAST(s.metadata AS JSON), "
                  f"{is_contact_sql('s')} "
                  f"FROM {stage} s ")
        if known or n_dups or self._turns_staged:
            # keep the first of each id in the file, and only ids the store does not hold yet
            con.execute(
                f"CREATE TEMP TABLE _loaded AS SELECT s._row, s.source || ':' || s.source_id AS id FROM {stage} s "
                "LEFT JOIN _dups d ON d.source = s.source AND d.source_id = s.source_id "
                "WHERE len(s.problems) = 0 AND (d.first_row IS NULL OR s._row = d.first_row) "
                + ("AND NOT EXISTS (SELECT 1 FROM interactions i WHERE i.id = s.source || ':' || s.source_id)"
                   if known else "")
            )
            r.loaded = int(con.execute("SELECT count(*) FROM _loaded").fetchall()[0][0])
            con.execute(insert + "JOIN _loaded l ON l._row = s._row")
        else:  # a first import of these sources with no repeated ids: every good row loads
            r.loaded = int(con.execute(insert + "WHERE len(s.problems) = 0").fetchall()[0][0])
        if self._turns_staged:
            r.turns = int(con.execute(
                "INSERT INTO turns SELECT l.id, t.seq, t.speaker, t.text, t.occurred_at "
                "FROM _turns t JOIN _loaded l ON l._row = t._row"
            ).fetchall()[0][0])
        row_fix = self._row_fix_sql()
        q_bad = int(con.execute(
            f"INSERT INTO quarantine SELECT {iid}, {row_fix.format(r='_row')}, split_part(problems[1], ':', 1), "
            f"array_to_string(problems, '; '), _raw FROM {stage} WHERE len(problems) > 0"
        ).fetchall()[0][0])
        q_dup = int(con.execute(
            f"INSERT INTO quarantine SELECT {iid}, {row_fix.format(r='s._row')}, 'source_id', "
            f"'duplicate source_id \"' || s.source_id || '\" in this file (first at row ' || "
            f"{row_fix.format(r='d.first_row')} || ')', coalesce(s._raw, CAST(to_json(s) AS VARCHAR)) "
            f"FROM {stage} s JOIN _dups d ON d.source = s.source AND d.source_id = s.source_id WHERE len(s.problems) = 0 AND s._row > d.first_row"
        ).fetchall()[0][0])
        q_rej = self._insert_rejects()
        r.quarantined = q_bad + q_dup + q_rej
        r.rows_read += q_rej
        ok = int(con.execute(f"SELECT count(*) FROM {stage} WHERE len(problems) = 0").fetchall()[0][0])
        r.skipped = ok - q_dup - r.loaded
        if r.loaded:  # the customers' next-contact times, for FCR, in the same transaction
            if progress:
                progress(0.98, "next contacts")
            refresh_next_contact(con, iid)  # is_contact was set by the insert
        return self._commit()

    def _row_fix_sql(self) -> str:
        """Row numbers of good rows shift past rows the CSV reader rejected; this maps them back."""
        if not self._csv_rejects_table:
            return "{r}"
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE _rej_rows AS SELECT line - 1 - row_number() OVER (ORDER BY line) AS k "
            f"FROM (SELECT DISTINCT line FROM {self._csv_rejects_table})"
        )
        return "({r} + (SELECT count(*) FROM _rej_rows WHERE k < {r}))"

    def _insert_rejects(self) -> int:
        n = 0
        iid = self.result.import_id
        if self._rejects:
            self.con.executemany(
                "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?)", [(iid, *rej) for rej in self._rejects]
            )
            n += len(self._rejects)
        if self._csv_rejects_table:
            n += int(self.con.execute(
                f"INSERT INTO quarantine SELECT {iid}, line - 1, column_name, "
                "CASE error_type WHEN 'MISSING COLUMNS' THEN 'too few columns: ' || error_message "
                "WHEN 'TOO MANY COLUMNS' THEN 'too many columns: ' || error_message "
                "WHEN 'INVALID ENCODING' THEN 'not valid text in the file''s encoding (try --encoding latin-1)' "
                "WHEN 'LINE SIZE OVER MAXIMUM' THEN 'record longer than the maximum line size' "
                "WHEN 'UNQUOTED VALUE' THEN 'a quote is not closed or a value is badly quoted' "
                "ELSE lower(error_type) || ': ' || error_message END, csv_line "
                f"FROM (SELECT DISTINCT ON (line) * FROM {self._csv_rejects_table} ORDER BY line, column_idx)"
            ).fetchall()[0][0])
        return n

    def _commit(self) -> ImportResult:
        r = self.result
        if self.before_commit is not None:
            self.before_commit(r)
        self.con.execute(
            "UPDATE imports SET rows_read = ?, rows_loaded = ?, rows_quarantined = ?, rows_skipped = ?, "
            "turns_loaded = ?, finished_at = ? WHERE import_id = ?",
            [r.rows_read, r.loaded, r.quarantined, r.skipped, r.turns, datetime.now(), r.import_id],
        )
        self.con.execute("COMMIT")
        self._reset_session()
        return r
