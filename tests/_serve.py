"""`earful serve` as a real separate process, and `earful` commands as real processes beside it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

EARFUL = [sys.executable, "-m", "earful.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def earful(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 300,
           stdin: str | None = None) -> subprocess.CompletedProcess:
    """One `earful` command in its own process: (returncode, stdout, stderr)."""
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run([*EARFUL, *args], cwd=cwd, env=full_env, capture_output=True, text=True,
                          timeout=timeout, input=stdin)


@contextmanager
def earful_serve(db: Path, *extra: str, port: int | None = None, env: dict | None = None):
    """`earful serve --db DB` in its own process; yields (url, process); Ctrl+C (SIGINT) at the end."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([*EARFUL, "serve", "--db", str(db), "--port", str(port), *extra],
                            env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    deadline = time.monotonic() + 180  # imports and the first aggregates are slow on a loaded machine
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"earful serve ended: {proc.stdout.read()}")
            try:
                if httpx.get(f"{url}/login", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("earful serve did not start")
            time.sleep(0.1)
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
