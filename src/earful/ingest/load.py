"""One import = one transaction: read, validate, load, quarantine, de-duplicate, commit.

A reader that is one SQL statement over one file (CSV, Parquet) loads in a single pass: the
statement inserts every row straight into ``interactions``, a row with problems marked (its
``import_id`` negated, its reasons and raw record in ``metadata``, every checked column empty),
and set-based steps then move the marked rows to ``quarantine``, refuse repeated ids and
settle ids the store already held. Readers that assemble records in batches (JSON, JSON Lines,
the named adapters, anything with turns) stage them in a temporary table first and then go the
same way. Nothing is visible to anyone else until the final COMMIT: a process killed mid-import
leaves the store exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

import duckdb
import pyarrow as pa

from earful.errors import StoreError
from earful.ingest._sql import _time_expr, limit_conditions, needs_hash_key, quote_str
from earful.ingest.mapping import CANONICAL_FIELDS, FieldSpec, Limits, Mapping, parse_limits
from earful.metrics._keys import is_contact_sql
from earful.metrics.business_waits import refresh_business_waits
from earful.metrics.next_contact import refresh_next_contact
from earful.store.schema import SPEAKERS, has_column, has_table

Progress = Callable[[float, str], None]

#: `row_expr` for a staging SELECT that leaves row numbers to the stage table's row ids.
UNNUMBERED = "CAST(NULL AS BIGINT)"
#: Settings keys: the key of the customer-identifier hash, and the store's plausibility limits.
HASH_KEY_SETTING = "ingest.hash_key"
LIMITS_SETTING = "ingest.limits"
PREVIEW_ROWS = 50

_COPY = [c for c in CANONICAL_FIELDS if c not in ("source_id", "direction", "related_id", "metadata")]
#: Columns whose difference makes a record "changed" (what the source said, not what earful derived).
_CONTENT = [c for c in CANONICAL_FIELDS if c not in ("source_id",)]


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
    changed: int = 0  # ids the store held with different content
    updated: int = 0  # of those, replaced (``update=True``)
    turns: int = 0
    already_imported: bool = False
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    changed_examples: list[dict] = field(default_factory=list)
    quarantine_summary: list[dict] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)

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


def store_limits(con: duckdb.DuckDBPyConnection) -> Limits:
    """The store's plausibility limits (settings `ingest.limits`), else the defaults."""
    row = con.execute("SELECT value FROM settings WHERE key = ?", [LIMITS_SETTING]).fetchall()
    return parse_limits(json.loads(row[0][0]), origin=f"settings {LIMITS_SETTING}") if row else Limits()


def save_limits(con: duckdb.DuckDBPyConnection, data: dict | None) -> Limits:
    """Check and keep the store's limits (None: back to the defaults); returns what now applies."""
    if data is None:
        con.execute("DELETE FROM settings WHERE key = ?", [LIMITS_SETTING])
        return Limits()
    limits = parse_limits(data)
    con.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", [LIMITS_SETTING, json.dumps(data, default=str)])
    return limits


def hash_key(con: duckdb.DuckDBPyConnection, *, create: bool = True) -> str | None:
    """The store's secret key for hashing customer identifiers (created on first use, in the caller's transaction)."""
    row = con.execute("SELECT value FROM settings WHERE key = ?", [HASH_KEY_SETTING]).fetchall()
    if row:
        return json.loads(row[0][0])
    if not create:
        return None
    key = secrets.token_hex(32)
    con.execute("INSERT INTO settings VALUES (?, ?)", [HASH_KEY_SETTING, json.dumps(key)])
    return key


class ImportBatch:
    """An import in progress inside one transaction (state is real: the open transaction)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, fmt: str, options: dict,
                 *, source_tz: str | None = None, mapping: Mapping | None = None, update: bool = False,
                 dry_run: bool = False, sha256: str | None = None, retry_of: int | None = None,
                 keep_identifiers: bool = False) -> None:
        self.con = con
        self.path = path
        self.result = ImportResult(file=str(path), format=fmt, dry_run=dry_run)
        self.options = options
        self.mapping = mapping
        self.update = update
        self.dry_run = dry_run
        self.retry_of = retry_of
        self.keep_identifiers = keep_identifiers
        self.centre_tz = centre_timezone(con)
        self.source_tz = source_tz or self.centre_tz
        self.limits = (mapping.limits if mapping and mapping.limits else None) or store_limits(con)
        # made (and committed) before the import's transaction: a dry run's hashes are the real ones
        self._hash_key: str | None = None if keep_identifiers else hash_key(con)
        self._staged = False
        self._direct = False
        self._turns_staged = False
        self._rows_from_rowid = False
        self._rejects: list[tuple[int | None, str | None, str, str | None]] = []
        self.before_commit: list[Callable[[ImportBatch], None]] = []  # steps that belong to the same transaction
        self._csv_rejects_table: str | None = None
        self.sha256 = sha256 or file_sha256(path)
        self.size = path.stat().st_size if path.exists() else 0

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
        # the import's memory bound (DuckDB spills past it); the limit is the database's, so it is put back after
        self._memory_before = self.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        mem = os.environ.get("EARFUL_MEMORY_LIMIT", "1GB")
        self.con.execute(f"SET memory_limit = {quote_str(mem)}")
        self.con.execute("SET enable_progress_bar = false")
        self.result.import_id = int(self.con.execute("SELECT nextval('import_id_seq')").fetchall()[0][0])
        extra = has_column(self.con, "imports", "mapping_text")
        self.con.execute(
            "INSERT INTO imports (import_id, file, format, sha256, size_bytes, started_at, options"
            + (", retry_of, mapping_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)" if extra else ") VALUES (?, ?, ?, ?, ?, ?, ?)"),
            [self.result.import_id, str(self.path.resolve()), self.result.format, self.sha256, self.size,
             datetime.now(), json.dumps(self.options, sort_keys=True)]
            + ([self.retry_of, self.mapping.text if self.mapping else None] if extra else []),
        )

    def rollback(self) -> None:
        try:
            self.con.execute("ROLLBACK")
        except duckdb.Error:
            pass
        self._reset_session()

    def _reset_session(self) -> None:
        for name in ("_stage", "_turns", "_rowmap", "_dups", "_dup_h", "_rej_rows", "_csv_rejects", "_csv_rejects_scan",
                     "_known", "_drop"):
            try:
                self.con.execute(f"DROP TABLE IF EXISTS {name}")
            except duckdb.Error:
                pass
        try:
            self.con.execute("DROP VIEW IF EXISTS _stage_v")
            self.con.execute("RESET TimeZone")
            if getattr(self, "_memory_before", None):
                self.con.execute(f"SET memory_limit = {quote_str(self._memory_before)}")
                self._memory_before = None
        except duckdb.Error:
            pass

    @property
    def rules(self) -> dict:
        """The keyword arguments of ``_sql.canonical_select`` for this import."""
        wants_key = not self.keep_identifiers and (self.mapping is None or needs_hash_key(self.mapping))
        return {"centre_tz": self.centre_tz, "source_tz": self.source_tz, "limits": self.limits,
                "hash_key": self.hash_key() if wants_key else None}

    def hash_key(self) -> str | None:
        return self._hash_key

    # ------------------------------------------------------------------ reading
    def load_direct(self, select_sql: str) -> None:
        """Load the rows of one canonical SELECT (see `_sql.canonical_select`) straight into the store.

        The SELECT must be one statement over one file with rows in file order (row numbers are
        the insert's row ids); rows with problems go in marked and leave again in ``finish``.
        """
        if self._staged or self._direct:
            raise ValueError("load_direct takes the whole file in one statement")
        self._insert_marked(select_sql)
        self._direct = True

    def _insert_marked(self, select_sql: str) -> None:
        """INSERT every row of a canonical SELECT into the store: good rows as they are, bad ones marked."""
        iid = self.result.import_id
        # columns with a constraint hold nothing for a refused row; the rest may hold what was read
        checked = {"channel": "'voice'", "direction": "NULL", "wait_s": "NULL", "talk_s": "NULL", "hold_s": "NULL",
                   "wrap_s": "NULL", "csat": "NULL", "nps": "NULL", "ces": "NULL"}
        cols = ", ".join(f"CASE WHEN s.ok THEN s.{c} ELSE {checked[c]} END" if c in checked else f"s.{c}" for c in _COPY)
        self.con.execute(
            f"INSERT INTO interactions (id, source, source_id, import_id, {', '.join(_COPY)}, direction, related_id, "
            f"metadata{', is_contact' if self._has_is_contact() else ''}) "
            f"SELECT coalesce(s.source || ':' || s.source_id, ''), coalesce(s.source, ''), "
            f"coalesce(s.source_id, ''), CASE WHEN s.ok THEN {iid} ELSE {-iid} END, {cols}, "
            f"CASE WHEN s.ok THEN coalesce(s.direction, 'inbound') END, "
            f"CASE WHEN s.related_id IS NOT NULL THEN s.source || ':' || s.related_id END, "
            f"CASE WHEN s.ok THEN CAST(s.metadata AS JSON) ELSE CAST(json_object('problems', s.problems, 'raw', s._raw) AS JSON) END"
            + (f", CASE WHEN s.ok THEN {is_contact_sql('s')} END" if self._has_is_contact() else "")
            + f" FROM ({select_sql}) s"
        )

    def _has_is_contact(self) -> bool:
        return has_column(self.con, "interactions", "is_contact")

    def stage_sql(self, select_sql: str, *, rows_from_rowid: bool = False) -> None:
        """Stage the rows a canonical SELECT yields (see `_sql.canonical_select`).

        ``rows_from_rowid``: the SELECT (one statement over one file, ``row_expr=UNNUMBERED``)
        leaves `_row` empty; DuckDB keeps insertion order, so row id + 1 is the data row.
        """
        if self._direct:
            raise ValueError("this import was loaded directly")
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
            "THEN 'turns[' || seq || '].speaker: \"' || left(coalesce(speaker, ''), 40) || '\" is not customer, agent or system' "
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
        """Quarantine the bad, refuse repeated ids, settle known ids, record the import, commit."""
        con, r, iid = self.con, self.result, self.result.import_id
        if progress:
            progress(0.9, "validating")
        if self._staged:
            self._load_stage()
        if self._staged or self._direct:
            self._settle()
        q_rej = self._insert_rejects()
        r.quarantined += q_rej
        r.rows_read += q_rej
        if self._turns_staged:
            r.turns = self._load_turns()
        if r.loaded or r.updated:  # the customers' next-contact times, for FCR, in the same transaction
            if progress:
                progress(0.98, "next contacts")
            refresh_next_contact(con, iid)
            refresh_business_waits(con, import_id=iid)  # waits in business hours, where a queue counts them
        for step in self.before_commit:
            step(self)
        r.quarantine_summary = quarantine_summary(con, import_id=iid)
        if progress:
            progress(1.0, "done")
        return self._commit()

    def _load_stage(self) -> None:
        """Move the staged rows into the store, marked as `load_direct` marks them, in row order."""
        con, iid = self.con, self.result.import_id
        if self._rows_from_rowid:
            base = con.execute("SELECT coalesce(min(rowid), 0) FROM _stage").fetchall()[0][0]
            con.execute(f"UPDATE _stage SET _row = rowid - {base} + 1")
        if self._turns_staged:
            con.execute(
                "UPDATE _stage SET problems = list_concat(_stage.problems, t.probs), ok = false FROM ("
                " SELECT _row, list(problem ORDER BY seq) AS probs FROM _turns WHERE problem IS NOT NULL GROUP BY _row"
                ") t WHERE _stage._row = t._row"
            )
        con.execute("CREATE TEMP TABLE _rowmap AS SELECT row_number() OVER (ORDER BY _row) AS k, _row FROM _stage")
        self._insert_marked("SELECT * FROM _stage ORDER BY _row")

    def _settle(self) -> None:
        """The set-based steps after the rows are in: quarantine, repeats, known ids, warnings."""
        con, r, iid = self.con, self.result, self.result.import_id
        base, n = con.execute("SELECT min(rowid), count(*) FROM interactions WHERE import_id IN (?, ?)", [iid, -iid]).fetchall()[0]
        if base is None:
            return
        pos = f"(rowid - {int(base)} + 1)"
        row_of = self._row_of_sql()
        r.rows_read = int(n)
        if self.dry_run:
            self._capture_preview(pos)
        q_bad = int(con.execute(
            f"INSERT INTO quarantine SELECT {iid}, {row_of.format(p='__pos')}, split_part(p[1], ':', 1), "
            f"array_to_string(p, '; '), raw FROM (SELECT {pos} AS __pos, CAST(metadata->'problems' AS VARCHAR[]) AS p, "
            f"metadata->>'raw' AS raw FROM interactions WHERE import_id = {-iid})"
        ).fetchall()[0][0])
        if q_bad:
            con.execute(f"DELETE FROM interactions WHERE import_id = {-iid}")
        # an id repeated in the file: the first is kept, the others are refused. Ids are compared by their
        # hash first (8 bytes a row); only rows whose hash repeats are compared in full.
        con.execute(f"CREATE TEMP TABLE _dup_h AS SELECT hash(id) AS h FROM interactions WHERE import_id = {iid} "
                    "GROUP BY h HAVING count(*) > 1")
        q_dup = 0
        if con.execute("SELECT count(*) FROM _dup_h").fetchall()[0][0]:
            con.execute("CREATE TEMP TABLE _dups AS SELECT id, min(rowid) AS first FROM interactions "
                        f"WHERE import_id = {iid} AND hash(id) IN (SELECT h FROM _dup_h) GROUP BY id HAVING count(*) > 1")
            later = (f"SELECT i.rowid AS __rid, i.rowid - {int(base)} + 1 AS __pos, d.first - {int(base)} + 1 AS __first, "
                     f"i.source_id, CAST(to_json(i) AS VARCHAR) AS raw FROM interactions i JOIN _dups d ON d.id = i.id "
                     f"WHERE i.import_id = {iid} AND i.rowid > d.first")
            q_dup = int(con.execute(
                f"INSERT INTO quarantine SELECT {iid}, {row_of.format(p='__pos')}, 'source_id', "
                f"'duplicate source_id \"' || left(source_id, 60) || '\" in this file (first at row ' || "
                f"{row_of.format(p='__first')} || ')', raw FROM ({later})"
            ).fetchall()[0][0])
            con.execute(f"DELETE FROM interactions WHERE rowid IN (SELECT __rid FROM ({later}))")
        r.quarantined = q_bad + q_dup
        kept = r.rows_read - r.quarantined
        r.skipped = self._settle_known()
        r.loaded = kept - r.skipped - r.updated
        self._warn_limits()

    def _row_of_sql(self) -> str:
        """SQL giving the file's row number from an insert position ``{p}`` (1-based)."""
        fix = self._row_fix_sql()
        if self._staged:
            return fix.replace("{p}", "(SELECT m._row FROM _rowmap m WHERE m.k = {p})")
        return fix

    def _capture_preview(self, pos: str) -> None:
        """The first rows as mapped, with their problems (a dry run's preview)."""
        iid = self.result.import_id
        cur = self.con.execute(
            f"SELECT {pos} AS position, import_id < 0 AS refused, CASE WHEN import_id < 0 THEN "
            f"CAST(metadata->'problems' AS VARCHAR[]) END AS problems, * EXCLUDE (import_id) "
            f"FROM interactions WHERE import_id IN ({iid}, {-iid}) ORDER BY rowid LIMIT {PREVIEW_ROWS}")
        names = [d[0] for d in cur.description]
        rows = []
        for values in cur.fetchall():
            row = dict(zip(names, values))
            if row["refused"]:
                row = {k: row[k] for k in ("position", "refused", "problems")} | {"raw": _json_or_none(row["metadata"])}
            else:
                row.pop("problems")
                row["metadata"] = _json_or_none(row.get("metadata"))
            rows.append(row)
        self.result.preview = rows

    def _settle_known(self) -> int:
        """Ids this import shares with rows stored before: compare, then keep the old (skip) or replace them.

        Returns how many of this import's rows were skipped. A changed record is counted and
        described; with ``update`` the stored row (and what earful derived from it) is replaced.
        """
        con, r, iid = self.con, self.result, self.result.import_id
        sources = ([self.options["source"]] if not self._staged and self.options.get("source") else
                   [s for (s,) in con.execute(f"SELECT DISTINCT source FROM interactions WHERE import_id = {iid}").fetchall()])
        if not sources or not con.execute(
                "SELECT EXISTS (SELECT 1 FROM interactions WHERE source IN (SELECT unnest(?)) "
                "AND import_id IS DISTINCT FROM ?)", [sources, iid]).fetchall()[0][0]:
            return 0
        differs = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in _CONTENT)
        con.execute(
            "CREATE TEMP TABLE _known AS SELECT n.rowid AS new_rid, o.rowid AS old_rid, n.id, "
            f"({differs}) AS changed FROM interactions n JOIN interactions o ON o.id = n.id "
            f"WHERE n.import_id = {iid} AND o.import_id IS DISTINCT FROM {iid} AND n.source IN (SELECT unnest(?))",
            [sources])
        known, changed = con.execute("SELECT count(*), count(*) FILTER (WHERE changed) FROM _known").fetchall()[0]
        r.changed = int(changed)
        if changed:
            self._describe_changes()
        if self.update and changed:
            ids = "(SELECT id FROM _known WHERE changed)"
            for table in ("turns", "enrichment_turns", "enrichment"):
                if has_table(con, table):
                    con.execute(f"DELETE FROM {table} WHERE interaction_id IN {ids}")
            con.execute("DELETE FROM interactions WHERE rowid IN (SELECT old_rid FROM _known WHERE changed)")
            r.updated = int(changed)
            r.notes.append(f"replaced {changed:,} stored records whose content changed")
            drop = "SELECT new_rid FROM _known WHERE NOT changed"
        else:
            if changed:
                r.notes.append(f"{changed:,} records differ from what the store holds under the same id and were "
                               "not changed: run again with --update to apply them")
            drop = "SELECT new_rid FROM _known"
        con.execute(f"DELETE FROM interactions WHERE import_id = {iid} AND rowid IN ({drop})")
        return int(known) - r.updated

    def _describe_changes(self, limit: int = 5) -> None:
        """A few changed records, field by field (stored → new), for the summary."""
        cols = ", ".join(f"CAST(o.{c} AS VARCHAR) AS o_{c}, CAST(n.{c} AS VARCHAR) AS n_{c}" for c in _CONTENT)
        rows = self.con.execute(
            f"SELECT k.id, {cols} FROM _known k JOIN interactions n ON n.rowid = k.new_rid "
            f"JOIN interactions o ON o.rowid = k.old_rid WHERE k.changed ORDER BY k.new_rid LIMIT {limit}").fetchall()
        for row in rows:
            diffs = {c: [row[1 + 2 * i], row[2 + 2 * i]] for i, c in enumerate(_CONTENT) if row[1 + 2 * i] != row[2 + 2 * i]}
            self.result.changed_examples.append({"id": row[0], "fields": diffs})

    def _warn_limits(self) -> None:
        """With `limits.action: warn`, implausible values load and are counted here."""
        if self.limits.action != "warn":
            return
        iid = self.result.import_id
        for name in CANONICAL_FIELDS:
            for cond, _reason in limit_conditions(name, name, self.limits):
                n = self.con.execute(f"SELECT count(*) FROM interactions WHERE import_id = {iid} AND {cond}").fetchall()[0][0]
                if n:
                    self.result.warnings.append(f"{n:,} rows have an implausible {name} (outside the limits; loaded "
                                                "because limits.action is warn)")

    def _load_turns(self) -> int:
        """Turns of the staged records that this import kept (new ids, or replaced ones)."""
        iid = self.result.import_id
        return int(self.con.execute(
            "INSERT INTO turns SELECT s.source || ':' || s.source_id, t.seq, t.speaker, t.text, t.occurred_at "
            "FROM _turns t JOIN _stage s ON s._row = t._row "
            f"WHERE s.ok AND s.source || ':' || s.source_id IN (SELECT id FROM interactions WHERE import_id = {iid}) "
            f"AND s._row IN (SELECT min(_row) FROM _stage WHERE ok GROUP BY source, source_id)"
        ).fetchall()[0][0])

    def _row_fix_sql(self) -> str:
        """Row numbers of good rows shift past rows the CSV reader rejected; this maps them back."""
        if not self._csv_rejects_table:
            return "{p}"
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE _rej_rows AS SELECT line - 1 - row_number() OVER (ORDER BY line) AS k "
            f"FROM (SELECT DISTINCT line FROM {self._csv_rejects_table})"
        )
        return "({p} + (SELECT count(*) FROM _rej_rows j WHERE j.k < {p}))"

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
        extra = has_column(self.con, "imports", "rows_changed")
        self.con.execute(
            "UPDATE imports SET rows_read = ?, rows_loaded = ?, rows_quarantined = ?, rows_skipped = ?, "
            "turns_loaded = ?, finished_at = ?" + (", rows_changed = ?, rows_updated = ?" if extra else "")
            + " WHERE import_id = ?",
            [r.rows_read, r.loaded, r.quarantined, r.skipped, r.turns, datetime.now()]
            + ([r.changed, r.updated] if extra else []) + [r.import_id],
        )
        self.con.execute("ROLLBACK" if self.dry_run else "COMMIT")
        self._reset_session()
        return r


def _json_or_none(text: str | None):
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


#: A reason with its quoted values blanked, so rows refused for the same rule group together.
_RULE_SQL = "regexp_replace(split_part(reason, '; ', 1), '\"[^\"]*\"|-?[0-9][0-9.:+ -]*', '…', 'g')"


def quarantine_summary(con: duckdb.DuckDBPyConnection, *, import_id: int | None = None,
                       limit: int = 50) -> list[dict]:
    """Quarantined rows counted by field and rule (the reason with its values blanked), each with an example."""
    where, params = ("WHERE import_id = ?", [import_id]) if import_id is not None else ("", [])
    rows = con.execute(
        f"SELECT coalesce(field, '') AS field, {_RULE_SQL} AS rule, count(*) AS n, "
        "arg_min(reason, (import_id, row_number)) AS example_reason, "
        "arg_min(row_number, (import_id, row_number)) AS example_row, "
        "arg_min(import_id, (import_id, row_number)) AS example_import, "
        "arg_min(left(raw, 300), (import_id, row_number)) AS example_raw "
        f"FROM quarantine {where} GROUP BY ALL ORDER BY n DESC, field, rule LIMIT {int(limit)}", params).fetchall()
    keys = ("field", "rule", "count", "example_reason", "example_row", "example_import", "example_raw")
    return [dict(zip(keys, row)) for row in rows]
