"""The CLI as a user runs it: real processes, exit codes, one-line errors."""

from __future__ import annotations

import subprocess
import sys
import time

from _files import HEADER, MAPPING, call_row, write_calls, write_mapping


def earful(*args, db=None, timeout=120):
    cmd = [sys.executable, "-m", "earful.cli", *map(str, args)] + (["--db", str(db)] if db else [])
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def _one_line_error(p, needle):
    assert p.returncode == 2, (p.stdout, p.stderr)
    err = p.stderr.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1 and needle in err, err


def test_user_mistakes_are_one_line_errors(tmp_path):
    db = tmp_path / "s.duckdb"
    calls = write_calls(tmp_path / "c.csv", 5)
    _one_line_error(earful("ingest", tmp_path / "missing.csv", "--format", "csv", db=db), "not found")
    _one_line_error(earful("ingest", calls, "--format", "xml", db=db), "unknown format")
    _one_line_error(earful("ingest", calls, "--format", "csv", db=db), "needs --mapping")
    bad_map = write_mapping(tmp_path / "m.yaml", MAPPING.replace("agent_id: agent", "agent_id: operator"))
    _one_line_error(earful("ingest", calls, "--format", "csv", "--mapping", bad_map, db=db), "'operator'")
    good_map = write_mapping(tmp_path / "ok.yaml")
    _one_line_error(earful("ingest", calls, "--format", "csv", "--mapping", good_map, "--encoding", "ebcdic", db=db),
                    "not supported")
    _one_line_error(earful("status", db=tmp_path / "none.duckdb"), "no earful store")


def test_latin1_forced_as_utf8_quarantines_instead_of_failing(tmp_path):
    f = tmp_path / "l.csv"
    f.write_bytes(("\n".join([HEADER, call_row(1, agent="José"), call_row(2)]) + "\n").encode("latin-1"))
    p = earful("ingest", f, "--format", "csv", "--mapping", write_mapping(tmp_path / "m.yaml"), "--encoding", "utf-8",
               db=tmp_path / "s.duckdb")
    assert p.returncode == 1 and "quarantined" in p.stdout


def test_locked_store_is_a_one_line_error(tmp_path):
    db = tmp_path / "s.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(db)!r}); "
                               "print('ready', flush=True); time.sleep(30)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        p = earful("ingest", write_calls(tmp_path / "c.csv", 5), "--format", "csv", "--mapping",
                   write_mapping(tmp_path / "m.yaml"), db=db)
        _one_line_error(p, "in use by another process")
    finally:
        holder.kill()
        holder.wait()


def test_summary_exit_codes_and_quarantine_export(tmp_path):
    db = tmp_path / "s.duckdb"
    m = write_mapping(tmp_path / "m.yaml")
    f = write_calls(tmp_path / "c.csv", 20, extra=[call_row(20).replace(",20,", ",-3,")])
    p = earful("ingest", f, "--format", "csv", "--mapping", m, db=db)
    assert p.returncode == 1 and "20" in p.stdout and "quarantined" in p.stdout
    assert earful("ingest", f, "--format", "csv", "--mapping", m, "--allow-bad", db=db).returncode == 0
    out = tmp_path / "bad.csv"
    assert earful("quarantine", "--export", out, db=db).returncode == 0
    text = out.read_text()
    assert "negative duration -3" in text and "row_number" in text.splitlines()[0]
    s = earful("status", "--json", db=db)
    assert s.returncode == 0 and '"interactions": 20' in s.stdout


def test_infer_prints_a_mapping_that_then_imports(tmp_path):
    f = write_calls(tmp_path / "c.csv", 30)
    p = earful("ingest", f, "--infer")
    assert p.returncode == 0 and "source_id: \"call_id\"" in p.stdout and "%Y-%m-%d %H:%M:%S" in p.stdout
    m = tmp_path / "inferred.yaml"
    m.write_text(p.stdout.replace('"true": ???', '"true": true').replace('"false": ???', '"false": false'))
    r = earful("ingest", f, "--format", "csv", "--mapping", m, db=tmp_path / "s.duckdb")
    assert r.returncode == 0, r.stdout + r.stderr
