"""Hostile input: bad files and bad mapping files, each with the outcome it must have.

Every case is either *refused* — one line naming the problem, and the store exactly as it was —
or *quarantined* — the rows that cannot become interactions kept with their reasons, the rest
loaded, and nothing else changed. They run one after another against one store that already
holds data, so "unchanged" means something.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from _files import HEADER, MAPPING, call_row, canonical_record
from earful.errors import EarfulError
from earful.ingest import ingest_file
from earful.store import connect

TABLES = ("imports", "interactions", "turns", "quarantine", "settings", "web_users")


@dataclass
class Case:
    """One hostile input: how to build it and what must happen."""

    name: str
    build: Callable[[Path], tuple[Path, str, object]]  # folder -> (file, format, mapping text/None)
    refused: str | None = None  # a part of the one-line error
    quarantined: dict[int, str] | None = None  # row -> a part of its reason
    loaded: int = 0


def _csv(rows: list[str], header: str = HEADER, *, encoding: str = "utf-8", newline: str = "\n",
         mapping: str = MAPPING) -> Callable[[Path], tuple[Path, str, object]]:
    def build(folder: Path):
        f = folder / "calls.csv"
        f.write_bytes((newline.join([header] + rows) + newline).encode(encoding))
        return f, "csv", mapping
    return build


def _raw(data: bytes, fmt: str = "csv", mapping: str | None = MAPPING, name: str = "calls.csv"):
    def build(folder: Path):
        f = folder / name
        f.write_bytes(data)
        return f, fmt, mapping
    return build


def _jsonl(lines: list[str], fmt: str = "earful", mapping: str | None = None):
    return _raw(("\n".join(lines) + "\n").encode("utf-8"), fmt, mapping, "records.jsonl")


def _mapping(text: str, rows: int = 3):
    return _csv([call_row(i) for i in range(rows)], mapping=text)


def _rec(i: int, **over) -> str:
    return json.dumps(canonical_record(i, **over))


GOOD = [call_row(i) for i in range(5)]
ISO_MAPPING = MAPPING.replace('{column: offered_at, format: "%Y-%m-%d %H:%M:%S"}', "{column: offered_at, format: iso}")


def _with(i: int, old: str, new: str) -> str:
    return call_row(i).replace(old, new)


def _nested(depth: int) -> str:
    """A record whose metadata nests lists `depth` deep (written as text: Python could not build it)."""
    return '{"source": "sim", "source_id": "deep", "channel": "chat", "metadata": {"x": ' + "[" * depth + "]" * depth + "}}"


CASES: list[Case] = [
    # ---- files that cannot be read at all: one line, nothing written
    Case("empty file", _raw(b""), refused="is empty"),
    Case("missing file", lambda d: (d / "nowhere.csv", "csv", MAPPING), refused="not found"),
    Case("a folder", lambda d: ((d / "folder.csv").mkdir() or d / "folder.csv", "csv", MAPPING), refused="is a folder"),
    Case("header as one column (wrong delimiter)", _csv([r.replace(",", ";") for r in GOOD], HEADER.replace(",", ";"),
                                                        mapping=MAPPING + "delimiter: ','\n"), refused="delimiter"),
    Case("header lacks a mapped column", _csv(GOOD, HEADER.replace("agent", "operator")), refused="'agent'"),
    Case("random bytes", _raw(bytes(range(256)) * 40), refused="lacks"),
    Case("parquet that is a CSV", _raw(b"a,b\n1,2\n", "parquet", name="calls.parquet"), refused="as Parquet"),
    Case("JSON with a syntax error", _raw(b'[{"id": 1}, {"id": 2,,}]', "json",
                                         "source: s\nfields: {source_id: id, channel: {value: chat}}\n", "r.json"),
         refused="not valid JSON"),
    Case("JSON array with trailing text", _raw(b'[{"id": 1}] trailing', "json",
                                              "source: s\nfields: {source_id: id, channel: {value: chat}}\n", "r.json"),
         refused="after its JSON array"),
    Case("JSON whose records name no source", _raw(b'[{"id": 1}]', "json",
                                                  "fields: {source_id: id, channel: {value: chat}}\n", "r.json"),
         refused="no source system"),
    # ---- rows that cannot be read as a CSV row: quarantined with the line
    Case("last line cut off", _csv(GOOD + [call_row(5)[:20]]), quarantined={6: "too few columns"}, loaded=5),
    Case("a row with an extra field", _csv(GOOD + [call_row(5) + ",extra"]), quarantined={6: "too many columns"}, loaded=5),
    Case("an unclosed quote", _csv(GOOD + ['C000005,Q1,"A1,2025-08-02 09:00:00,1,2,false,x']),
         quarantined={6: "quote"}, loaded=5),
    Case("invalid UTF-8 inside a UTF-8 file", _raw((HEADER + "\n" + "\n".join(call_row(i, agent="Zoë") for i in range(30))
                                                    + "\n").encode() + call_row(30, agent="Z\xf6e").encode("latin-1") + b"\n"),
         quarantined={31: "encoding"}, loaded=30),
    Case("a value longer than the line limit", _csv(GOOD + [call_row(5).replace("note 5", "x" * (17 << 20))]),
         quarantined={6: "maximum line size"}, loaded=5),
    # ---- values that are not what their field needs
    Case("negative wait", _csv([_with(0, ",0,60,", ",-5,60,")] + GOOD[1:]), quarantined={1: "negative duration -5"}, loaded=4),
    Case("NaN duration", _csv([_with(1, ",1,61,", ",NaN,61,")]), quarantined={1: "not a finite number"}),
    Case("infinite duration", _csv([_with(1, ",1,61,", ",inf,61,")]), quarantined={1: "wait_s"}),
    Case("a 10^12 s wait", _csv([_with(1, ",1,61,", ",1000000000000,61,")]), quarantined={1: "limits.duration_max_s"}),
    Case("a 10^308 s talk time", _csv([_with(1, ",1,61,", ",1,1e308,")]), quarantined={1: "talk_s"}),
    Case("year 0001", _csv([_with(1, "2025-08-02", "0001-08-02")]), quarantined={1: "plausible dates"}),
    Case("year 9999", _csv([_with(1, "2025-08-02", "9999-08-02")]), quarantined={1: "plausible dates"}),
    Case("a +25:00 offset", _csv([_with(1, "2025-08-02 09:01:00", "2025-08-02T09:01:00+25:00")], mapping=ISO_MAPPING),
         quarantined={1: "UTC offset +25:00"}),
    Case("a +14:30 offset", _csv([_with(1, "2025-08-02 09:01:00", "2025-08-02T09:01:00+14:30")], mapping=ISO_MAPPING),
         quarantined={1: "not a real offset"}),
    Case("minutes 75 in an offset", _csv([_with(1, "2025-08-02 09:01:00", "2025-08-02T09:01:00+01:75")], mapping=ISO_MAPPING),
         quarantined={1: "offset"}),
    Case("a time in words", _csv([_with(1, "2025-08-02 09:01:00", "yesterday at nine")]), quarantined={1: "is not a time"}),
    Case("February 31st", _csv([_with(1, "2025-08-02", "2025-02-31")]), quarantined={1: "is not a time"}),
    Case("a boolean that is neither", _csv([_with(1, ",false,", ",maybe,")]), quarantined={1: "is not true/false"}),
    Case("an empty id", _csv([",Q1,A1,2025-08-02 09:01:00,1,61,false,x"]), quarantined={1: "source_id: missing"}),
    Case("a repeated id", _csv(GOOD + [call_row(2).replace("note 2", "again")]),
         quarantined={6: "duplicate source_id"}, loaded=5),
    Case("an H:MM:SS duration read as seconds", _csv([_with(1, ",1,61,", ",00:06:12,61,")]),
         quarantined={1: "add format: hms"}),
    Case("a channel that is no channel", _csv([call_row(1)], mapping=MAPPING.replace("channel: {value: voice}", "channel: queue")),
         quarantined={1: "is not a channel"}),
    Case("answered before offered", _csv([call_row(1) + ",2025-08-01 09:00:00"], HEADER + ",answered",
                                         mapping=MAPPING + '  answered_at: {column: answered, format: "%Y-%m-%d %H:%M:%S"}\n'),
         quarantined={1: "answered_at: before offered_at"}),
    Case("ended before it started", _csv([call_row(1) + ",2025-08-01 09:00:00"], HEADER + ",ended",
                                         mapping=MAPPING + '  ended_at: {column: ended, format: "%Y-%m-%d %H:%M:%S"}\n'),
         quarantined={1: "ended_at: before the contact started"}),
    Case("metadata that is not an object", _csv([call_row(1) + ',"[1,2]"'], HEADER + ",extra",
                                                mapping=MAPPING + "  metadata: extra\n"),
         quarantined={1: "must be a JSON object"}),
    # ---- JSON Lines: every line an interaction or a reason
    Case("a JSON array on a line", _jsonl([_rec(1), "[1, 2, 3]"]), quarantined={2: "an array, not a JSON object"}, loaded=1),
    Case("a string on a line", _jsonl([_rec(1), '"hello"']), quarantined={2: "a string, not a JSON object"}, loaded=1),
    Case("a number on a line", _jsonl([_rec(1), "42"]), quarantined={2: "a number, not a JSON object"}, loaded=1),
    Case("null on a line", _jsonl([_rec(1), "null"]), quarantined={2: "null, not a JSON object"}, loaded=1),
    Case("true on a line", _jsonl([_rec(1), "true"]), quarantined={2: "true/false, not a JSON object"}, loaded=1),
    Case("every line an array", _jsonl(["[1]", "[2]", "[3]"]),
         quarantined={1: "an array", 2: "an array", 3: "an array"}),
    Case("a whole JSON array as JSON Lines", _jsonl(["[" + _rec(1) + ", " + _rec(2) + "]"]),
         quarantined={1: "--format json"}),
    Case("nested 10,000 deep", _jsonl([_rec(1), _nested(10_000)]), quarantined={2: "nested deeper than 64"}, loaded=1),
    Case("nested 70 deep", _jsonl([_nested(70)]), quarantined={1: "nested deeper than 64"}),
    Case("a line of invalid UTF-8", _raw((_rec(1) + "\n").encode() + _rec(3, queue="QUEUEX").encode().replace(b"QUEUEX", b"\xff\xfe")
                                         + b"\n" + (_rec(2) + "\n").encode(),
                                         "earful", None, "r.jsonl"), quarantined={2: "not valid utf-8"}, loaded=2),
    Case("a record without source", _jsonl([json.dumps({k: v for k, v in canonical_record(1).items() if k != "source"})]),
         quarantined={1: "source: missing"}),
    Case("a key given twice", _jsonl(['{"source": "sim", "source_id": "a", "source_id": "b", "channel": "chat"}']),
         quarantined={1: "appears twice"}),
    Case("NaN in JSON", _jsonl(['{"source": "sim", "source_id": "n", "channel": "chat", "wait_s": NaN}']),
         quarantined={1: "NaN is not a JSON value"}),
    Case("a line cut off", _jsonl([_rec(1), _rec(2)[:30]]), quarantined={2: "cut off"}, loaded=1),
    Case("turns that are not a list", _jsonl([_rec(1, turns="hello")]), quarantined={1: "turns: must be a list"}),
    Case("a turn by a robot", _jsonl([_rec(1, turns=[{"speaker": "robot", "text": "hi"}])]),
         quarantined={1: "turns[1].speaker"}),
    Case("a CSAT of 6", _jsonl([_rec(1, csat=6)]), quarantined={1: "csat: 6 is outside 1–5"}),
    Case("a channel of fax", _jsonl([_rec(1, channel="fax")]), quarantined={1: '"fax" is not a channel'}),
    Case("a record that is a number in a JSON array", _raw(b'[{"id": "a"}, 7]', "json",
                                                           "source: s\nfields: {source_id: id, channel: {value: chat}}\n",
                                                           "r.json"), quarantined={2: "a number, not a JSON object"}, loaded=1),
    # ---- mapping files that cannot be used: one line, nothing written
    Case("YAML that does not parse", _mapping("source: x\nfields: [unclosed\n"), refused="not valid YAML"),
    Case("an empty mapping", _mapping(""), refused="is empty"),
    Case("a list instead of a mapping", _mapping("- a\n- b\n"), refused="must be a YAML object"),
    Case("an unknown top key", _mapping(MAPPING + "colour: blue\n"), refused="unknown key `colour`"),
    Case("an unknown field", _mapping(MAPPING + "  colour: queue\n"), refused="line 12: `colour` is not a canonical field"),
    Case("no source_id", _mapping(MAPPING.replace("  source_id: call_id\n", "")), refused="must give `source_id`"),
    Case("column and value at once", _mapping(MAPPING.replace("channel: {value: voice}", "channel: {value: voice, column: queue}")),
         refused="exactly one of column, value or sql"),
    Case("a format breaking out of its quotes", _mapping(MAPPING.replace('"%Y-%m-%d %H:%M:%S"',
                                                                         "\"%Y'); DROP TABLE interactions; --\"")),
         refused="never closes"),
    Case("a format with a quote and a comment", _mapping(MAPPING.replace('"%Y-%m-%d %H:%M:%S"', "\"%Y-%m-%d' -- \"")),
         refused="never closes"),
    Case("a format with an unknown directive", _mapping(MAPPING.replace('"%Y-%m-%d %H:%M:%S"', '"%Y-%Q"')),
         refused="not a strptime pattern"),
    Case("sql reading another table", _mapping(MAPPING.replace("queue: queue", "queue: {sql: '(SELECT password_hash FROM web_users)'}")),
         refused="subquery"),
    Case("sql reading a file", _mapping(MAPPING.replace("queue: queue", "queue: {sql: \"read_text('/etc/passwd')\"}")),
         refused="read_text() is not allowed"),
    Case("sql reading the environment", _mapping(MAPPING.replace("queue: queue", "queue: {sql: \"getenv('HOME')\"}")),
         refused="getenv() is not allowed"),
    Case("sql with a second statement", _mapping(MAPPING.replace("queue: queue", "queue: {sql: '1; DROP TABLE interactions'}")),
         refused="not one expression"),
    Case("sql closing the expression", _mapping(MAPPING.replace("queue: queue", "queue: {sql: 'queue) FROM web_users --'}")),
         refused="not one expression"),
    Case("sql naming a table's column", _mapping(MAPPING.replace("queue: queue", "queue: {sql: 'web_users.password_hash'}")),
         refused="names a table"),
    Case("sql as an aggregate", _mapping(MAPPING.replace("queue: queue", "queue: {sql: 'count(queue)'}")),
         refused="count() is not allowed"),
    Case("sql reading a missing column", _mapping(MAPPING.replace("queue: queue", "queue: {sql: 'lower(skill)'}")),
         refused="'skill'"),
    Case("a scale that is text", _mapping(MAPPING.replace("wait_s: wait_s", "wait_s: {column: wait_s, scale: abc}")),
         refused="must be a positive number"),
    Case("an infinite scale", _mapping(MAPPING.replace("wait_s: wait_s", "wait_s: {column: wait_s, scale: .inf}")),
         refused="must be a positive number"),
    Case("a zone that does not exist", _mapping(MAPPING + "timezone: Mars/Olympus\n"), refused="not a time zone"),
    Case("a zone with SQL in it", _mapping(MAPPING + "timezone: \"UTC'; DROP TABLE interactions; --\"\n"),
         refused="not a time zone"),
    Case("a two-character delimiter", _mapping(MAPPING + "delimiter: ';;'\n"), refused="one character"),
    Case("a duration format that is none", _mapping(MAPPING.replace("wait_s: wait_s", "wait_s: {column: wait_s, format: hhmm}")),
         refused="hms"),
    Case("metadata that is not a list", _mapping(MAPPING + "metadata: notes\n"), refused="must be a list"),
    Case("limits with an unknown key", _mapping(MAPPING + "limits: {max_wait: 5}\n"), refused="unknown key `max_wait`"),
    Case("limits with an unknown action", _mapping(MAPPING + "limits: {action: explode}\n"), refused="quarantine or warn"),
    Case("hash that is not true or false", _mapping(MAPPING.replace("agent_id: agent", "agent_id: {column: agent, hash: yes please}")),
         refused="true or false"),
    Case("YAML aliases (a billion laughs)", _mapping(MAPPING + "limits: &a {action: warn}\n" + "x: *a\n"),
         refused="anchors and aliases"),
    Case("YAML nested 5,000 deep", _mapping("source: x\nfields:\n  source_id: " + "[" * 5000 + "]" * 5000 + "\n"),
         refused="mapping"),
    Case("a mapping file that is not UTF-8", lambda d: (
        _mapping(MAPPING)(d)[0], "csv", (d / "m.yaml").write_bytes("source: caf\xe9\n".encode("latin-1")) and d / "m.yaml"),
         refused="not UTF-8"),
]
# Inputs that look hostile but must simply work, with every row loaded and nothing quarantined.
WORKS: list[tuple[str, Callable[[Path], tuple[Path, str, object]], int]] = [
    ("a byte-order mark before the header", _raw(b"\xef\xbb\xbf" + (HEADER + "\n" + "\n".join(GOOD) + "\n").encode()), 5),
    ("UTF-16 with its byte-order mark", _raw(("\n".join([HEADER] + GOOD) + "\n").encode("utf-16")), 5),
    ("CRLF line ends", _csv(GOOD, newline="\r\n"), 5),
    ("a byte-order mark on a JSON Lines file", _raw(b"\xef\xbb\xbf" + ("\n".join(_rec(i) for i in range(3)) + "\n").encode(),
                                                    "earful", None, "r.jsonl"), 3),
    ("a Java-style format with quotes", _csv([r.replace("2025-08-0", "2025-08-0").replace(" 0", "T0").replace(" 1", "T1")
                                              for r in GOOD], mapping=MAPPING.replace('"%Y-%m-%d %H:%M:%S"',
                                                                                      "\"%Y-%m-%d'T'%H:%M:%S\"")), 5),
    ("a Java date pattern", _csv([r.replace(" 0", "T0").replace(" 1", "T1") for r in GOOD],
                                 mapping=MAPPING.replace('"%Y-%m-%d %H:%M:%S"', "\"yyyy-MM-dd'T'HH:mm:ss\"")), 5),
    ("a column name with quotes and SQL", _csv([r for r in GOOD], HEADER.replace("queue", '"qu""eue"";DROP TABLE x;--"'),
                                               mapping=MAPPING.replace("queue: queue", "queue: 'qu\"eue\";DROP TABLE x;--'")), 5),
    ("a source name with quotes and SQL", _csv(GOOD, mapping=MAPPING.replace("source: pbx",
                                                                             "source: \"x'); DROP TABLE interactions; --\"")), 5),
    ("a value map with quotes", _csv(GOOD, mapping=MAPPING.replace(
        "abandoned: abandoned", "abandoned: {column: abandoned, values: {\"it's\": true, 'true': true, 'false': false}}")), 5),
    ("sql with a comment", _csv(GOOD, mapping=MAPPING.replace("queue: queue", "queue: {sql: 'lower(queue) -- a comment'}")), 5),
    ("a NUL byte in a value map", _csv(GOOD, mapping=MAPPING.replace(
        "abandoned: abandoned", "abandoned: {column: abandoned, values: {\"a\\0b\": true}}")), 5),
]


def _unique(built: tuple[Path, str, object], name: str) -> tuple[Path, str, object]:
    """Each case under a source of its own, so that its ids are new to the store; the mapping as a file."""
    path, fmt, mapping = built
    source = "case_" + "".join(ch for ch in name if ch.isalnum())[:40]
    if isinstance(mapping, str):
        mp = path.parent / "m.yaml"
        mp.write_text(mapping.replace("source: pbx", f"source: {source}"), encoding="utf-8")
        mapping = mp
    if fmt == "earful" and path.is_file():
        path.write_bytes(path.read_bytes().replace(b'"source": "sim"', f'"source": "{source}"'.encode()))
    return path, fmt, mapping


def _snapshot(con) -> dict:
    return {t: con.execute(f"SELECT count(*), coalesce(sum(hash(CAST(x AS VARCHAR))), 0) FROM {t} x").fetchall()[0]
            for t in TABLES}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """One store holding data already (so that "unchanged" means something) and its hashing key."""
    from _files import write_calls, write_mapping
    from earful.web.auth import add_user

    folder = tmp_path_factory.mktemp("hostile")
    con = connect(folder / "s.duckdb")
    ingest_file(con, write_calls(folder / "base.csv", 20), "csv", write_mapping(folder / "base.yaml"))
    add_user(con, "admin", "a long enough password", "admin")
    yield con, folder
    con.close()


def test_there_are_at_least_60_distinct_cases():
    names = [c.name for c in CASES] + [w[0] for w in WORKS]
    assert len(set(names)) == len(names) and len(CASES) >= 60


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input(store, case, tmp_path):
    con, _ = store
    path, fmt, mapping = _unique(case.build(tmp_path), case.name)
    before = _snapshot(con)
    if case.refused is not None:
        with pytest.raises(EarfulError) as err:
            ingest_file(con, path, fmt, mapping)
        message = str(err.value)
        assert "\n" not in message and case.refused in message, message
        assert _snapshot(con) == before, "a refused file changed the store"
        return
    result = ingest_file(con, path, fmt, mapping)
    got = dict(con.execute("SELECT row_number, reason FROM quarantine WHERE import_id = ?", [result.import_id]).fetchall())
    assert set(got) == set(case.quarantined), got
    for row, part in case.quarantined.items():
        assert part in got[row], (row, got[row])
    assert (result.loaded, result.quarantined) == (case.loaded, len(case.quarantined))
    after = _snapshot(con)
    assert after["interactions"][0] == before["interactions"][0] + case.loaded
    assert after["quarantine"][0] == before["quarantine"][0] + len(case.quarantined)
    assert after["web_users"] == before["web_users"]


@pytest.mark.parametrize("name,build,rows", WORKS, ids=[w[0] for w in WORKS])
def test_odd_but_valid_input_loads(store, name, build, rows, tmp_path):
    con, _ = store
    path, fmt, mapping = _unique(build(tmp_path), name)
    before = _snapshot(con)
    result = ingest_file(con, path, fmt, mapping)
    assert (result.quarantined, result.loaded + result.skipped) == (0, rows), result.quarantine_summary
    assert _snapshot(con)["web_users"] == before["web_users"]
    assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'interactions'").fetchall()[0][0]
