"""Commands while the dashboard serves: the server runs them on its own open store.

DuckDB lets one process open a store read-write, or many processes read-only, never both. The
server (``earful serve``) keeps the store open read-write, so every other ``earful`` command
that names the same store is sent to it instead of opening the file:

- the server listens on a Unix socket in a folder only its user can enter
  (``$XDG_RUNTIME_DIR/earful`` or ``/tmp/earful-<uid>``), named after the store's real path,
  and answers only processes of its own user (checked with ``SO_PEERCRED``);
- ``earful`` finds that socket for the store a command names (``--db``, ``$EARFUL_DB`` or
  ``./earful.duckdb``) and sends the command line, its folder and its environment; the server
  runs the command in a thread of its own process, with the caller's environment and with
  relative paths read from the caller's folder, and streams the output and exit code back;
- inside the server, ``earful.store.connect`` hands the command a cursor of the open store,
  so there is still one writer; the dashboard keeps answering while an import runs, and drops
  its cached figures when the command ends;
- Ctrl+C on the caller's side interrupts the command's queries in the server (an unfinished
  transaction is rolled back); nothing else of the command outlives it there.

Passwords a command would ask for are asked by the caller, before the command is sent.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import socket
import stat
import struct
import sys
import threading
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import Any

import duckdb

from earful.errors import EarfulError

_log = logging.getLogger("earful.control")
_LOCAL = threading.local()   # per command thread: sink (output), env (the caller's), stdin
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_MAX_REQUEST = 4 << 20


# ---- where the socket lives --------------------------------------------------------------------

def runtime_dir() -> Path:
    """A folder only this user can enter, made if needed (refused if someone else owns it)."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    folder = Path(base) / "earful" if base and Path(base).is_dir() else Path("/tmp") / f"earful-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        st = folder.lstat()
    except OSError as exc:
        raise EarfulError(f"cannot use {folder} for the server's socket: {exc.strerror}") from None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise EarfulError(f"{folder} is not a private folder of this user",
                          hint="remove it, or set XDG_RUNTIME_DIR to a private folder")
    return folder


def socket_path(store: str | os.PathLike[str]) -> Path:
    """The control socket of the server of ``store`` (by its real path: links and ``..`` agree)."""
    real = os.path.realpath(os.fspath(store))
    return runtime_dir() / (hashlib.sha256(real.encode("utf-8", "surrogateescape")).hexdigest()[:24] + ".sock")


def _dial(path: Path, timeout: float | None = 5.0) -> socket.socket | None:
    if not path.exists():
        return None
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(str(path))
    except OSError:  # a socket left by a server that was killed: nobody answers
        s.close()
        return None
    return s


def _send(s: socket.socket, obj: dict) -> None:
    s.sendall(json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n")


def server_info(store: str | os.PathLike[str]) -> dict | None:
    """``{"pid", "url", "store"}`` of the live server of ``store``, else None."""
    s = _dial(socket_path(store))
    if s is None:
        return None
    try:
        _send(s, {"op": "hello"})
        line = s.makefile("rb").readline(_MAX_REQUEST)
        return json.loads(line) if line else None
    except (OSError, ValueError):
        return None
    finally:
        s.close()


# ---- the caller's side ---------------------------------------------------------------------------

def _leaf(argv: list[str]) -> Any | None:
    """The command (not group) that ``argv`` names, from the CLI's own tree; None when unknown."""
    import typer.main

    from earful.cli import app

    cmd = typer.main.get_command(app)
    ctx = cmd.make_context("earful", list(argv), resilient_parsing=True)
    while hasattr(cmd, "resolve_command"):
        args = [*getattr(ctx, "_protected_args", getattr(ctx, "protected_args", [])), *ctx.args]
        if not args:
            return None
        name, sub, rest = cmd.resolve_command(ctx, args)
        if sub is None:
            return None
        ctx = sub.make_context(name or "", rest, parent=ctx, resilient_parsing=True)
        cmd = sub
    return cmd


def _option(argv: list[str], name: str) -> str | None:
    """The value given to ``--name`` on the command line (the last one wins), else None."""
    value = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == name and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith(name + "="):
            value = arg[len(name) + 1:]
    return value


def forward(argv: list[str]) -> int | None:
    """Run ``argv`` in the server that holds its store and return the exit code; None (nothing
    sent) when the command touches no store, asks for help, or no server holds its store."""
    if not argv or any(a in ("--help", "-h") for a in argv):
        return None
    try:
        leaf = _leaf(argv)
    except Exception:  # a usage error: the local run explains it
        return None
    params = {p.name for p in getattr(leaf, "params", ())}
    if leaf is None or "db" not in params or leaf.name == "serve":
        return None
    store = Path(_option(argv, "--db") or os.environ.get("EARFUL_DB") or "earful.duckdb")
    if not store.exists():
        return None
    try:
        path = socket_path(store)
    except EarfulError:
        return None
    s = _dial(path, timeout=None)
    if s is None:
        return None
    env = dict(os.environ)
    env["EARFUL_DB"] = str(store.absolute())   # --db on the line still wins; a relative one is read from cwd
    if "password" in params and _option(argv, "--password") is None and "EARFUL_PASSWORD" not in env:
        from earful.cli._common import ask_new_password

        env["EARFUL_PASSWORD"] = ask_new_password(next((a for a in argv[2:] if not a.startswith("-")), "the user"))
    try:
        _send(s, {"op": "run", "argv": list(argv), "cwd": os.getcwd(), "env": env})
        return _relay(s)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: the server stopped the command; nothing from its unfinished step was kept\n")
        return 130
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly, like any command
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    finally:
        s.close()


def _relay(s: socket.socket) -> int:
    strip = {"o": not sys.stdout.isatty(), "e": not sys.stderr.isatty()}
    streams = {"o": sys.stdout, "e": sys.stderr}
    for raw in s.makefile("rb"):
        frame = json.loads(raw)
        if "x" in frame:
            return int(frame["x"])
        for key in ("o", "e"):
            if key in frame:
                text = _ANSI.sub("", frame[key]) if strip[key] else frame[key]
                streams[key].write(text)
                streams[key].flush()
    sys.stderr.write("error: the earful server stopped before the command finished\n")
    return 1


# ---- the server's side ---------------------------------------------------------------------------

class _Stream(io.TextIOBase):
    """sys.stdout / sys.stderr of the server: a command thread's writes go to its caller."""

    def __init__(self, real: Any, key: str) -> None:
        self._real, self._key = real, key

    def _sink(self) -> Callable[[str, str], None] | None:
        return getattr(_LOCAL, "sink", None)

    def write(self, text: str | bytes) -> int:
        sink = self._sink()
        if sink is None:
            return self._real.write(text)
        sink(self._key, text.decode("utf-8", "replace") if isinstance(text, (bytes, bytearray)) else text)
        return len(text)

    @property
    def buffer(self) -> Any:
        """Binary writes (click's echo can make them) go the same way as text."""
        return self if self._sink() is not None else self._real.buffer

    def flush(self) -> None:
        if self._sink() is None:
            self._real.flush()

    def isatty(self) -> bool:
        return False if self._sink() is not None else self._real.isatty()

    def fileno(self) -> int:
        if self._sink() is not None:
            raise io.UnsupportedOperation("a command run by the server has no terminal")
        return self._real.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8" if self._sink() is not None else getattr(self._real, "encoding", "utf-8")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class _Stdin(_Stream):
    def read(self, size: int = -1) -> str:
        return "" if self._sink() is not None else self._real.read(size)

    def readline(self, size: int = -1) -> str:  # type: ignore[override]
        return "" if self._sink() is not None else self._real.readline(size)


class _Environ(os._Environ):  # type: ignore[name-defined,misc]
    """os.environ of the server: a command thread sees (and changes) its caller's environment."""

    def __init__(self, real: Any) -> None:
        super().__init__(real._data, real.encodekey, real.decodekey, real.encodevalue, real.decodevalue)

    @staticmethod
    def _mine() -> dict[str, str] | None:
        return getattr(_LOCAL, "env", None)

    def __getitem__(self, key: str) -> str:
        env = self._mine()
        return env[key] if env is not None else super().__getitem__(key)

    def __setitem__(self, key: str, value: str) -> None:
        env = self._mine()
        if env is not None:
            env[key] = value
        else:
            super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        env = self._mine()
        if env is not None:
            del env[key]
        else:
            super().__delitem__(key)

    def __iter__(self):
        env = self._mine()
        return iter(list(env)) if env is not None else super().__iter__()

    def __len__(self) -> int:
        env = self._mine()
        return len(env) if env is not None else super().__len__()

    def copy(self) -> dict[str, str]:
        return dict(self)


_INSTALLED = False


def _install() -> None:
    """Route output, input and environment per thread (once per process)."""
    global _INSTALLED
    if _INSTALLED:
        return
    sys.stdout = _Stream(sys.stdout, "o")
    sys.stderr = _Stream(sys.stderr, "e")
    sys.stdin = _Stdin(sys.stdin, "i")
    os.environ = _Environ(os.environ)
    _INSTALLED = True


def _from_folder(cmd: Any, cwd: str) -> None:
    """Make every path-valued parameter of the command tree relative to the caller's folder."""

    def wrap(param: Any) -> None:
        inner = param.callback

        def callback(ctx: Any, p: Any, value: Any) -> Any:
            value = _absolute(value, cwd)
            return inner(ctx, p, value) if inner is not None else value

        param.callback = callback

    for param in getattr(cmd, "params", ()):
        wrap(param)
    for sub in getattr(cmd, "commands", {}).values():
        _from_folder(sub, cwd)


def _absolute(value: Any, cwd: str) -> Any:
    if isinstance(value, PurePath) and not value.is_absolute():
        return type(value)(cwd) / value
    if isinstance(value, (list, tuple)):
        return type(value)(_absolute(v, cwd) for v in value)
    return value


def run_here(argv: list[str], cwd: str | None = None) -> int:
    """Run one ``earful`` command line in this process; the exit code (user errors as one line)."""
    import typer.main

    from earful.cli import app
    from earful.cli._common import err_console

    cmd = typer.main.get_command(app)
    if cwd is not None:
        _from_folder(cmd, cwd)
    try:
        cmd.main(args=list(argv), prog_name="earful", standalone_mode=True)
        return 0
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except EarfulError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return exc.exit_code
    except duckdb.InterruptException:
        err_console.print("[bold red]interrupted[/]: nothing from the unfinished step was kept")
        return 130


class ControlServer:
    """The server half: a Unix socket that runs ``earful`` commands on the served store."""

    def __init__(self, store: Path, con: duckdb.DuckDBPyConnection, *, url: str = "",
                 on_change: Callable[[], None] | None = None) -> None:
        self.store, self.con, self.url, self.on_change = Path(store), con, url, on_change
        self.path = socket_path(store)
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._closing = False

    def start(self) -> ControlServer:
        """Bind the socket (refusing when another live server holds this store) and serve it."""
        other = server_info(self.store)
        if other:
            raise EarfulError(f"the store {self.store} is already served by process {other.get('pid')} "
                              f"at {other.get('url')}", hint="open that one, or stop it first")
        self.path.unlink(missing_ok=True)   # left by a server that was killed
        _install()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            sock.bind(str(self.path))
        finally:
            os.umask(old)
        sock.listen(16)
        self._sock = sock
        self._thread = threading.Thread(target=self._accept, name="earful-control", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing = True
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._sock.close()
        try:
            if self.path.exists() and server_info(self.store) is None:
                self.path.unlink()
        except OSError:
            pass

    def _accept(self) -> None:
        while not self._closing:
            try:
                conn, _ = self._sock.accept()  # type: ignore[union-attr]
            except OSError:
                return
            threading.Thread(target=self._serve_one, args=(conn,), name="earful-command", daemon=True).start()

    def _serve_one(self, conn: socket.socket) -> None:
        with conn:
            try:
                if hasattr(socket, "SO_PEERCRED"):  # Linux; elsewhere the private folder is the guard
                    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
                    _pid, uid, _gid = struct.unpack("3i", creds)
                    if uid != os.getuid():
                        return
                request = json.loads(conn.makefile("rb").readline(_MAX_REQUEST) or b"{}")
            except (OSError, ValueError):
                return
            if request.get("op") == "hello":
                _send(conn, {"pid": os.getpid(), "url": self.url, "store": str(self.store)})
            elif request.get("op") == "run" and isinstance(request.get("argv"), list):
                self._run(conn, request)

    def _run(self, conn: socket.socket, request: dict) -> None:
        from earful.store.db import serving

        lock = threading.Lock()
        gone = threading.Event()
        handed: list[duckdb.DuckDBPyConnection] = []

        def sink(key: str, text: str) -> None:
            if gone.is_set() or not text:
                return
            with lock:
                try:
                    _send(conn, {key: text})
                except OSError:
                    gone.set()

        result: dict[str, int] = {}

        def work() -> None:
            _LOCAL.sink = sink
            _LOCAL.env = {str(k): str(v) for k, v in (request.get("env") or {}).items()}
            try:
                with serving(self.store, self.con, handed):
                    result["code"] = run_here([str(a) for a in request["argv"]], cwd=str(request.get("cwd") or "/"))
            except Exception:  # a bug in a command: the server goes on, the caller gets one line
                _log.exception("command %s failed", request["argv"][:2])
                sink("e", "error: the command failed inside the earful server; see the server's log\n")
                result["code"] = 1
            finally:
                _LOCAL.sink = None
                _LOCAL.env = None
                if self.on_change is not None:
                    self.on_change()

        worker = threading.Thread(target=work, name="earful-command-run", daemon=True)
        worker.start()
        watcher = threading.Thread(target=self._watch, args=(conn, worker, gone, handed), daemon=True)
        watcher.start()
        worker.join()
        with lock:
            try:
                _send(conn, {"x": result.get("code", 1)})
            except OSError:
                pass

    @staticmethod
    def _watch(conn: socket.socket, worker: threading.Thread, gone: threading.Event,
               handed: list[duckdb.DuckDBPyConnection]) -> None:
        """When the caller goes away (Ctrl+C), interrupt the queries its command runs, until it ends."""
        try:
            conn.recv(1)
        except OSError:
            pass
        if worker.is_alive():
            gone.set()
        while worker.is_alive():
            for cur in list(handed):
                try:
                    cur.interrupt()
                except duckdb.Error:
                    pass
            worker.join(0.2)
