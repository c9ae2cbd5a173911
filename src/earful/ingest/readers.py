"""Reading files as text columns: CSV and Parquet through DuckDB, JSON Lines line by line.

CSV is parsed by DuckDB's parallel reader in one streaming statement; lines it cannot
parse (wrong column count, bad quoting, bytes not valid in the encoding) land in its
reject table with their line numbers and become quarantine rows. JSON Lines is read in
bounded batches so that one bad line is one quarantined row, never a failed file.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from earful.errors import InputError
from earful.ingest._sql import quote_str

MAX_LINE_BYTES = 16 << 20  # one record may be up to 16 MiB (a long e-mail thread, a transcript)
JSONL_BATCH = 20_000


def detect_encoding(path: Path, sample_bytes: int = 1 << 20) -> str:
    """'utf-8' when the first MiB decodes as UTF-8, else 'latin-1' (every byte is a character)."""
    with path.open("rb") as fh:
        head = fh.read(sample_bytes)
    if len(head) == sample_bytes:  # don't fail on a character cut at the sample's edge
        head = head[: head.rfind(b"\n") + 1] or head[:-4]
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "latin-1"


def _norm_encoding(encoding: str) -> str:
    enc = encoding.lower().replace("_", "-")
    aliases = {"utf8": "utf-8", "latin1": "latin-1", "iso-8859-1": "latin-1", "cp1252": "latin-1",
               "windows-1252": "latin-1", "utf16": "utf-16"}
    enc = aliases.get(enc, enc)
    if enc not in ("utf-8", "latin-1", "utf-16"):
        raise InputError(f"encoding {encoding!r} is not supported", hint="use utf-8, latin-1 or utf-16")
    return enc


def check_readable(path: Path) -> None:
    """A one-line error for a missing, unreadable or empty file."""
    if not path.exists():
        raise InputError(f"file {path} not found")
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a file")
    try:
        with path.open("rb") as fh:
            first = fh.read(1)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    if not first:
        raise InputError(f"{path} is empty")


def read_text(path: str | Path) -> tuple[bytes, str]:
    """A small UTF-8 text file's bytes and text (a byte-order mark dropped); one-line errors otherwise."""
    p = Path(path)
    check_readable(p)
    raw = p.read_bytes()
    try:
        return raw, raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{p.name} is not UTF-8 text") from None


def sniff_delimiter(path: Path, encoding: str) -> str:
    """The delimiter among , ; tab | that splits the header and first lines most consistently."""
    with path.open("r", encoding=encoding, errors="replace", newline="") as fh:
        sample = fh.read(64 << 10)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


class CsvSource:
    """A CSV file as a DuckDB relation of text columns with a `_rownum` (1-based data row).

    The dialect is fixed up front (RFC 4180 quoting, a sniffed delimiter, the header read
    by Python) so DuckDB never guesses on a messy file; its strict mode rejects rows with
    the wrong number of columns instead of padding or truncating them.
    """

    def __init__(self, path: Path, *, encoding: str | None = None, delimiter: str | None = None,
                 rejects_table: str = "_csv_rejects", strict: bool = True) -> None:
        check_readable(path)
        self.path = path
        self.encoding = _norm_encoding(encoding) if encoding and encoding != "auto" else detect_encoding(path)
        self.delimiter = delimiter if delimiter and delimiter != "auto" else sniff_delimiter(path, self.encoding)
        self.rejects_table = rejects_table
        self.strict = strict
        self._columns: list[str] | None = None

    def columns(self, con: duckdb.DuckDBPyConnection | None = None) -> list[str]:
        """The header's column names (blank names become column0, column1 …; repeats get _2)."""
        if self._columns is None:
            try:
                with self.path.open("rb") as fh:
                    first = fh.readline().decode(self.encoding)
                header = next(csv.reader([first], delimiter=self.delimiter), [])
            except UnicodeDecodeError:
                raise InputError(f"the header of {self.path} is not valid {self.encoding} text",
                                 hint="pass --encoding latin-1 (or the file's encoding)") from None
            except csv.Error as exc:
                raise InputError(f"cannot read the header of {self.path}: {exc}") from None
            if not header:
                raise InputError(f"{self.path} has no header line")
            names: list[str] = []
            for i, name in enumerate(header):
                name = name.strip().lstrip("\ufeff") or f"column{i}"
                base, k = name, 2
                while name in names:
                    name, k = f"{base}_{k}", k + 1
                names.append(name)
            self._columns = names
        return self._columns

    def from_sql(self, numbered: bool = True) -> str:
        """The relation to SELECT from: every row as text, plus `_rownum` in file order if `numbered`.

        Numbering costs a window over the whole file; a single staging statement can skip it
        and take row numbers from the stage table's row ids instead (`ImportBatch.stage_sql`).
        """
        cols = "{" + ", ".join(f"{quote_str(c)}: 'VARCHAR'" for c in self.columns()) + "}"
        opts = [
            "auto_detect = false", f"columns = {cols}", "header = true", f"delim = {quote_str(self.delimiter)}",
            "quote = '\"'", "escape = '\"'", f"encoding = {quote_str(self.encoding)}",
            f"max_line_size = {MAX_LINE_BYTES}", f"buffer_size = {4 * MAX_LINE_BYTES}",
            f"strict_mode = {'true' if self.strict else 'false'}",
            "store_rejects = true", f"rejects_table = {quote_str(self.rejects_table)}",
            f"rejects_scan = {quote_str(self.rejects_table + '_scan')}",
        ]
        scan = f"read_csv({quote_str(str(self.path))}, {', '.join(opts)})"
        return f"(SELECT row_number() OVER () AS _rownum, * FROM {scan})" if numbered else f"(SELECT * FROM {scan})"


class ParquetSource:
    """A Parquet file as text columns with `_rownum` (its own row number, 1-based)."""

    def __init__(self, path: Path) -> None:
        check_readable(path)
        self.path = path

    def columns(self, con: duckdb.DuckDBPyConnection) -> list[str]:
        try:
            rows = con.execute(f"DESCRIBE SELECT * FROM read_parquet({quote_str(str(self.path))})").fetchall()
        except duckdb.Error as exc:
            raise InputError(f"cannot read {self.path} as Parquet: {str(exc).splitlines()[0]}") from None
        return [r[0] for r in rows]

    def from_sql(self, columns: list[str]) -> str:
        cast = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in columns)
        return (f"(SELECT file_row_number + 1 AS _rownum, {cast} FROM "
                f"read_parquet({quote_str(str(self.path))}, file_row_number = true))")


def as_text(value: object) -> str | None:
    """A JSON value as the text the canonical SQL parses (objects and lists stay JSON)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


def iter_jsonl(path: Path, *, encoding: str | None = None, batch: int = JSONL_BATCH
               ) -> Iterator[tuple[list[tuple[int, dict, str]], list[tuple[int, str, str]]]]:
    """Yield (good records as (row, object, line), bad lines as (row, reason, raw)) per batch."""
    check_readable(path)
    enc = _norm_encoding(encoding) if encoding and encoding != "auto" else detect_encoding(path)
    good: list[tuple[int, dict, str]] = []
    bad: list[tuple[int, str, str]] = []
    with path.open("rb") as fh:
        for row, raw in enumerate(fh, start=1):
            try:
                line = raw.decode(enc)
            except UnicodeDecodeError:
                bad.append((row, f"not valid {enc} text (try --encoding latin-1)", raw.decode("latin-1")))
                continue
            stripped = line.strip()
            if not stripped:
                continue
            try:
                obj = json.loads(stripped)
            except json.JSONDecodeError as exc:
                cut = exc.pos >= len(stripped) - 1
                reason = "the line is cut off (JSON ends early)" if cut else f"not valid JSON ({exc.msg} at column {exc.colno})"
                bad.append((row, reason, stripped[:100_000]))
                continue
            if not isinstance(obj, dict):
                bad.append((row, "a JSON Lines record must be an object", stripped[:100_000]))
                continue
            good.append((row, obj, stripped))
            if len(good) >= batch:
                yield good, bad
                good, bad = [], []
    if good or bad:
        yield good, bad


def records_table(records: list[tuple[int, dict, str]], columns: list[str]) -> pa.Table:
    """Text columns for the given keys, plus `_rownum` and `_line` (the record as read)."""
    data: dict[str, list] = {"_rownum": [r for r, _, _ in records], "_line": [line for _, _, line in records]}
    for col in columns:
        data[col] = [as_text(obj.get(col)) for _, obj, _ in records]
    schema = pa.schema([("_rownum", pa.int64()), ("_line", pa.string())] + [(c, pa.string()) for c in columns])
    return pa.table(data, schema=schema)


def turns_table(rows_turns: list[tuple[int, list]]) -> tuple[pa.Table, list[tuple[int, str]]]:
    """Turns of each record as text columns (_row, seq, speaker, text, at_text); malformed lists reported."""
    out: dict[str, list] = {"_row": [], "seq": [], "speaker": [], "text": [], "at_text": []}
    bad: list[tuple[int, str]] = []
    for row, turns in rows_turns:
        if turns is None:
            continue
        if not isinstance(turns, list) or not all(isinstance(t, dict) for t in turns):
            bad.append((row, "turns: must be a list of objects with speaker, text, at"))
            continue
        for seq, t in enumerate(turns, start=1):
            out["_row"].append(row)
            out["seq"].append(seq)
            out["speaker"].append(as_text(t.get("speaker")))
            out["text"].append(as_text(t.get("text")))
            out["at_text"].append(as_text(t.get("at")))
    schema = pa.schema([("_row", pa.int64()), ("seq", pa.int32()), ("speaker", pa.string()),
                        ("text", pa.string()), ("at_text", pa.string())])
    return pa.table(out, schema=schema), bad
