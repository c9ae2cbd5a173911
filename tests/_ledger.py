"""Shared helpers for the ledger tests: insight rows written straight into the store."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "earful" / "ledger" / "examples"


def add_insight(con: Any, iid: str, kind: str, *, reason: str | None = None, topic: str | None = None,
                metrics: dict | None = None, evidence: dict | None = None, suggested: str | None = None,
                period_end: date = date(2025, 8, 31), created_at: datetime = datetime(2025, 9, 1, 8)) -> None:
    con.execute(
        "INSERT INTO insights (id, kind, title, summary, period_start, period_end, reason, topic, metrics, evidence,"
        " suggested_department, confidence, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [iid, kind, f"{kind} {reason or topic or iid}", "summary", date(period_end.year, period_end.month, 1),
         period_end, reason, topic, json.dumps(metrics or {}), json.dumps(evidence or {}), suggested, 0.9, created_at])


RECEIVER = Path(__file__).with_name("_ledger_receiver.py")
SECRET = "s3cret-for-tests"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(port: int, log: Path, *extra: str) -> subprocess.Popen:
    p = subprocess.Popen([sys.executable, str(RECEIVER), str(port), str(log), SECRET, *extra])
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return p
        except OSError:
            time.sleep(0.02)
    p.kill()
    raise RuntimeError("receiver did not start")


class _Sink:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def _log(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


class _Run:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture()
def earful(capsys, monkeypatch):
    """Run `earful ARGS --db DB` through the real entry point; returns code, stdout, stderr."""
    from earful.cli import main

    def run(*args, db, env=None):
        for k, v in (env or {}).items():
            monkeypatch.setenv(k, v)
        capsys.readouterr()
        try:
            main([*map(str, args), "--db", str(db)])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return _Run(code, out, err)

    return run
