"""Reading files as text columns: CSV and Parquet through DuckDB, JSON Lines line by line.

CSV is parsed by DuckDB's parallel reader in one streaming statement; lines it cannot
parse (wrong column count, bad quoting, bytes not valid in the encoding) land in its
reject table with their line numbers and become quarantine rows. JSON Lines is read in
bounded batches so that one bad line is one quarantined row, never a failed file.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from earful.errors import InputError
from earful.ingest._sql import quote_ident, quote_str

MAX_LINE_BYTES = 16 << 20  # one record may be up to 16 MiB (a long e-mail thread, a transcript)
JSONL_BATCH = 20_000
MAX_DEPTH = 64  # objects and lists nested deeper than this are refused (no real export comes close)
MAX_JSON_BYTES = 1 << 30  # a whole-file JSON document is read into memory; beyond this, JSON Lines


def detect_encoding(path: Path, sample_bytes: int = 1 << 20, *, json_text: bool = False) -> str:
    """The file's encoding: 'utf-16' with a UTF-16 byte-order mark, else 'utf-8' when the first MiB
    reads as UTF-8 or holds more well-formed UTF-8 characters than broken bytes (the broken rows
    are then quarantined one by one), else 'latin-1' (every byte is a character). JSON is UTF-8 by
    its standard (RFC 8259): for ``json_text`` there is no guessing, broken lines are refused."""
    with path.open("rb") as fh:
        head = fh.read(sample_bytes)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if json_text:
        return "utf-8"
    if len(head) == sample_bytes:  # don't fail on a character cut at the sample's edge
        head = head[: head.rfind(b"\n") + 1] or head[:-4]
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    text = head.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    wide = len(_NON_ASCII.findall(text)) - broken
    return "utf-8" if wide > broken else "latin-1"


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _norm_encoding(encoding: str) -> str:
    enc = encoding.lower().replace("_", "-")
    aliases = {"utf8": "utf-8", "latin1": "latin-1", "iso-8859-1": "latin-1", "cp1252": "latin-1",
               "windows-1252": "latin-1", "utf16": "utf-16"}
    enc = aliases.get(enc, enc)
    if enc not in ("utf-8", "latin-1", "utf-16"):
        raise InputError(f"encoding {encoding!r} is not supported", hint="use utf-8, latin-1 or utf-16")
    return enc


def _python_codec(encoding: str) -> str:
    """Python's codec for an encoding DuckDB reads (a UTF-8 byte-order mark is skipped)."""
    return {"utf-8": "utf-8-sig"}.get(encoding, encoding)


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
    with path.open("r", encoding=_python_codec(encoding), errors="replace", newline="") as fh:
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
        if delimiter in ("\\t", "tab"):
            delimiter = "\t"
        if delimiter and delimiter != "auto" and len(delimiter) != 1:
            raise InputError(f"delimiter {delimiter!r} must be one character", hint="e.g. , ; | or \\t")
        self.delimiter = delimiter if delimiter and delimiter != "auto" else sniff_delimiter(path, self.encoding)
        self.rejects_table = rejects_table
        self.strict = strict
        self._columns: list[str] | None = None

    def columns(self, con: duckdb.DuckDBPyConnection | None = None) -> list[str]:
        """The header's column names (blank names become column0, column1 …; repeats get _2)."""
        if self._columns is None:
            try:
                if self.encoding == "utf-16":
                    with self.path.open("r", encoding="utf-16", newline="") as fh:
                        first = fh.readline()
                else:
                    with self.path.open("rb") as fh:
                        first = fh.readline().decode(_python_codec(self.encoding))
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
        cast = ", ".join(f"CAST({quote_ident(c)} AS VARCHAR) AS {quote_ident(c)}" for c in columns)
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


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON value")


def _no_repeated_keys(pairs: list[tuple[str, object]]) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        key = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise ValueError(f"key {key!r} appears twice in one object")
    return obj


_DECODER = json.JSONDecoder(parse_constant=_reject_constant, object_pairs_hook=_no_repeated_keys)
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def json_depth(text: str) -> int:
    """How deeply a JSON text nests objects and lists (strings skipped)."""
    depth = top = 0
    for m in _TOKENS.finditer(text):
        t = m.group()
        if t in "[{":
            depth += 1
            top = max(top, depth)
        elif t in "]}":
            depth -= 1
    return top


def _kind(obj: object) -> str:
    return {list: "an array", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(obj), "a number")


def decode_record(text: str, *, what: str = "record") -> tuple[dict | None, str | None]:
    """One JSON object from its text, or (None, the reason it is refused)."""
    if text.count("{") + text.count("[") > MAX_DEPTH and json_depth(text) > MAX_DEPTH:
        return None, f"nested deeper than {MAX_DEPTH} levels"
    try:
        obj = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        cut = exc.pos >= len(text) - 1
        return None, ("the line is cut off (JSON ends early)" if cut
                      else f"not valid JSON ({exc.msg} at column {exc.colno})")
    except ValueError as exc:
        return None, f"not valid JSON ({exc})"
    except RecursionError:
        return None, f"nested deeper than {MAX_DEPTH} levels"
    if not isinstance(obj, dict):
        hint = (" (a JSON Lines file holds one object per line; a file holding one array is --format json)"
                if isinstance(obj, list) else "")
        return None, f"{_kind(obj)}, not a JSON object: each {what} must be an object{hint}"
    return obj, None


def iter_jsonl(path: Path, *, encoding: str | None = None, batch: int = JSONL_BATCH
               ) -> Iterator[tuple[list[tuple[int, dict, str]], list[tuple[int, str, str]]]]:
    """Yield (good records as (row, object, line), bad lines as (row, reason, raw)) per batch.

    Every non-blank line becomes a record or a refusal with its reason: bytes not valid in the
    encoding, JSON that does not parse or is cut off, anything but an object, objects nested
    deeper than ``MAX_DEPTH``, a key given twice. A byte-order mark is skipped.
    """
    check_readable(path)
    enc = _norm_encoding(encoding) if encoding and encoding != "auto" else detect_encoding(path, json_text=True)

    def records() -> Iterator[tuple[int, dict | None, str | None, str]]:
        with _lines(path, enc) as lines:
            for row, (line, err) in enumerate(lines, start=1):
                if err is not None:
                    yield row, None, err, line
                    continue
                stripped = (line.lstrip("\ufeff") if row == 1 else line).strip()
                if stripped:
                    obj, reason = decode_record(stripped, what="line")
                    yield row, obj, reason or "not a record", stripped

    return _batches(records(), batch)


def _batches(records: Iterator[tuple[int, dict | None, str | None, str]], size: int
             ) -> Iterator[tuple[list[tuple[int, dict, str]], list[tuple[int, str, str]]]]:
    """(row, object or None, reason, raw) records as batches of (good, bad)."""
    good: list[tuple[int, dict, str]] = []
    bad: list[tuple[int, str, str]] = []
    for row, obj, reason, raw in records:
        if obj is None:
            bad.append((row, reason or "not a record", raw[:100_000]))
        else:
            good.append((row, obj, raw))
        if len(good) >= size:
            yield good, bad
            good, bad = [], []
    if good or bad:
        yield good, bad


class _lines:
    """The file's lines as (text, None) or, for bytes not valid in the encoding, (latin-1 text, reason)."""

    def __init__(self, path: Path, enc: str) -> None:
        self.path, self.enc = path, enc

    def __enter__(self) -> Iterator[tuple[str, str | None]]:
        if self.enc == "utf-16":  # lines are not byte lines here; decode as a stream
            self._fh = self.path.open("r", encoding="utf-16", errors="replace", newline="")
            return ((line, None) for line in self._fh)
        self._fh = self.path.open("rb")

        def gen() -> Iterator[tuple[str, str | None]]:
            for raw in self._fh:
                try:
                    yield raw.decode(self.enc), None
                except UnicodeDecodeError:
                    yield raw.decode("latin-1"), f"not valid {self.enc} text (try --encoding latin-1)"
        return gen()

    def __exit__(self, *exc: object) -> None:
        self._fh.close()


def iter_json_records(path: Path, *, encoding: str | None = None, batch: int = JSONL_BATCH
                      ) -> Iterator[tuple[list[tuple[int, dict, str]], list[tuple[int, str, str]]]]:
    """Records of a JSON file, in batches like ``iter_jsonl``: a top-level array of objects; an object
    wrapping one array of objects (an API page: ``{"conversations": [...], "totalHits": 9}``); or
    objects one after another (JSON Lines, or concatenated as a stream writes them). Row numbers
    count records. Text that is not JSON at all is a file-level error (nothing is written)."""
    check_readable(path)
    if path.stat().st_size > MAX_JSON_BYTES:
        raise InputError(f"{path.name} is larger than {MAX_JSON_BYTES >> 20} MiB of JSON",
                         hint="write it as JSON Lines (one object per line) and use --format jsonl")
    enc = _norm_encoding(encoding) if encoding and encoding != "auto" else detect_encoding(path, json_text=True)
    try:
        text = path.read_bytes().decode(_python_codec(enc))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path.name} is not valid {enc} text (byte {exc.start})",
                         hint="pass --encoding latin-1 (or the file's encoding)") from None

    def records() -> Iterator[tuple[int, dict | None, str | None, str]]:
        for row, item in enumerate(_json_items(text, path), start=1):
            raw = json.dumps(item, ensure_ascii=False)
            if not isinstance(item, dict):
                yield row, None, f"{_kind(item)}, not a JSON object: each record must be an object", raw
            elif _depth(item) > MAX_DEPTH:
                yield row, None, f"nested deeper than {MAX_DEPTH} levels", raw
            else:
                yield row, item, None, raw

    return _batches(records(), batch)


def _json_items(text: str, path: Path) -> Iterator[object]:
    """The records of a JSON text (see ``iter_json_records``)."""
    pos = _skip(text, 0)
    if pos >= len(text):
        raise InputError(f"{path.name} holds no JSON")
    if text[pos] == "[":
        yield from _array_items(text, pos, path)
        return
    first = True
    while pos < len(text):
        obj, end = _decode_at(text, pos, path)
        after = _skip(text, end)
        if first and after >= len(text) and isinstance(obj, dict):
            wrapped = [k for k, v in obj.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)]
            if len(wrapped) == 1:
                yield from obj[wrapped[0]]
                return
        yield obj
        first = False
        pos = after


def _array_items(text: str, pos: int, path: Path) -> Iterator[object]:
    pos = _skip(text, pos + 1)
    if pos < len(text) and text[pos] == "]":
        return
    while True:
        item, end = _decode_at(text, pos, path)
        yield item
        pos = _skip(text, end)
        if pos < len(text) and text[pos] == ",":
            pos = _skip(text, pos + 1)
            continue
        if pos < len(text) and text[pos] == "]":
            if _skip(text, pos + 1) < len(text):
                raise InputError(f"{path.name} has text after its JSON array (character {pos + 1})")
            return
        raise InputError(f"{path.name} is not valid JSON near character {pos}: expected , or ] in the array")


def _decode_at(text: str, pos: int, path: Path) -> tuple[object, int]:
    """The JSON value starting at `pos` and where it ends; a value that does not parse ends the file."""
    try:
        return _DECODER.raw_decode(text, pos)
    except RecursionError:
        raise InputError(f"{path.name}: a record is nested deeper than Python can read") from None
    except ValueError as exc:
        raise InputError(f"{path.name} is not valid JSON near character {pos}: {str(exc).splitlines()[0][:100]}") from None


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n\ufeff":
        pos += 1
    return pos


def _depth(obj: object) -> int:
    """Nesting depth of a parsed JSON value, without recursion."""
    top, stack = 0, [(obj, 1)]
    while stack:
        node, d = stack.pop()
        if isinstance(node, dict):
            top = max(top, d)
            stack.extend((v, d + 1) for v in node.values())
        elif isinstance(node, list):
            top = max(top, d)
            stack.extend((v, d + 1) for v in node)
    return top


def lookup(obj: dict, key: str) -> object:
    """``obj[key]``, or for a dotted path (``Agent.Username``, ``participants.0.userId``) the value it leads to."""
    if key in obj:
        return obj[key]
    node: object = obj
    for part in key.split("."):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def records_table(records: list[tuple[int, dict, str]], columns: list[str]) -> pa.Table:
    """Text columns for the given keys (dotted paths reach into nested objects), plus `_rownum`
    and `_line` (the record as read)."""
    data: dict[str, list] = {"_rownum": [r for r, _, _ in records], "_line": [line for _, _, line in records]}
    for col in columns:
        data[col] = [as_text(lookup(obj, col)) for _, obj, _ in records]
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
