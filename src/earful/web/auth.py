"""People, roles, sessions and API tokens for the dashboard and the REST API.

Passwords are argon2id hashes (argon2-cffi). Session cookies and API tokens are random
256-bit secrets; the store keeps only their SHA-256, so a copied store file opens nothing.

Signing in is guarded three ways:

- **back-off**: after ``free`` consecutive wrong passwords for an account name (whether or not
  the account exists) or from a client address, each further attempt must wait
  ``base_delay_s × 2^(n − free − 1)`` seconds (capped at ``max_delay_s``) after the last one;
  attempts made sooner are refused unchecked (429, ``Retry-After``);
- **lockout**: at ``lock_after`` failures the account (or address) is locked for ``lock_s``
  seconds, the right password included, until it expires or an admin lifts it
  (:func:`unlock`: the Users page, ``earful users unlock``); a success clears the account's
  count; failures are forgotten ``lock_s`` seconds after the last one;
- **bounded hashing**: argon2 checks run on a small pool of low-priority threads with a short
  queue (:class:`PasswordChecks`); when the queue is full a sign-in is answered 429 at once,
  so a flood of guesses cannot take the threads or the CPU that other requests need.

Every wrong password, every refused attempt and every lockout is written to the audit trail.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from earful.errors import InputError

ROLES = ("admin", "analyst", "department", "executive", "supervisor", "agent")
SESSION_HOURS = 12
TOKEN_PREFIX = "ef_"
_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("earful: a password nobody has")


class Busy(Exception):
    """Too many password checks are running or waiting: answer 429 now rather than queue."""


def _lower_priority() -> None:
    """Run this worker thread (and the threads argon2 starts from it) at a lower CPU priority."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):  # not Linux, or not allowed: same priority as the rest
        pass


class PasswordChecks:
    """argon2 work, bounded: ``workers`` checks at once, ``queue`` more waiting, the rest ``Busy``.

    argon2id is slow and memory-hard on purpose (about 0.1 s of CPU and 64 MiB a check). The
    workers run at a lower priority (nice 10), so requests that need no password keep the CPU.
    """

    def __init__(self, workers: int = 1, queue: int = 16) -> None:
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="earful-argon2", initializer=_lower_priority)
        self._slots = threading.BoundedSemaphore(workers + queue)

    def full(self) -> bool:
        """Whether a check asked for now would be refused (a hint: ``submit`` decides)."""
        return self._slots._value == 0  # noqa: SLF001 - BoundedSemaphore has no public reading

    def submit(self, fn, *args) -> Future:
        if not self._slots.acquire(blocking=False):
            raise Busy()
        try:
            future = self._pool.submit(fn, *args)
        except BaseException:
            self._slots.release()
            raise
        future.add_done_callback(lambda _f: self._slots.release())
        return future

    def verify(self, pw_hash: str | None, password: str) -> Future:
        """A future of whether ``password`` matches ``pw_hash`` (a dummy hash when there is none,
        so that an unknown name costs the same as a known one)."""
        return self.submit(_verify, pw_hash or _DUMMY_HASH, password, pw_hash is not None)

    @staticmethod
    def hash(password: str) -> str:
        """A new argon2id hash, made in the calling thread: only admins and a signed-in user's
        rehash ask for one, never an anonymous request, so it needs no queue."""
        return _HASHER.hash(password)


def _verify(pw_hash: str, password: str, real: bool) -> bool:
    try:
        _HASHER.verify(pw_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return real


CHECKS = PasswordChecks()


@dataclass(frozen=True)
class LoginPolicy:
    """How sign-in failures slow down and lock out an account name and a client address."""

    account_free: int = 5
    account_lock_after: int = 10
    address_free: int = 20
    address_lock_after: int = 100
    base_delay_s: float = 1.0
    max_delay_s: float = 300.0
    lock_s: float = 3600.0

    def _limits(self, scope: str) -> tuple[int, int]:
        if scope == "account":
            return self.account_free, self.account_lock_after
        return self.address_free, self.address_lock_after

    def delay_s(self, scope: str, failures: int) -> float:
        """The wait after the ``failures``-th consecutive failure before the next attempt is checked."""
        free, _ = self._limits(scope)
        if failures <= free:
            return 0.0
        return min(self.base_delay_s * 2 ** (failures - free - 1), self.max_delay_s)


@dataclass(frozen=True)
class User:
    """Someone signed in: their name, role and (for the department role) department."""

    name: str
    role: str
    department: str | None = None
    agent_id: str | None = None      # the agent an agent user is
    team: str | None = None          # the team a supervisor leads

    def as_dict(self) -> dict:
        return {"name": self.name, "role": self.role, "department": self.department, "agent_id": self.agent_id,
                "team": self.team}


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def _check_name(name: str) -> None:
    if not _NAME.match(name or ""):
        raise InputError(f"user name {name!r} is not allowed: use 1-64 letters, digits, _ . @ -")


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise InputError("the password must have at least 8 characters")
    if len(password) > 1024:
        raise InputError("the password must have at most 1,024 characters")


def _existing(con: duckdb.DuckDBPyConnection, name: str) -> tuple:
    row = con.execute("SELECT role, department, disabled FROM web_users WHERE name = ?", [name]).fetchone()
    if row is None:
        raise InputError(f"no user {name!r}")
    return row


# ---- users --------------------------------------------------------------------------------------

def add_user(con: duckdb.DuckDBPyConnection, name: str, password: str, role: str,
             department: str | None = None, *, replace: bool = False, by: User | None = None,
             agent_id: str | None = None, team: str | None = None) -> User:
    """Create (or with ``replace`` reset) a user; department users must name their department, agent
    users their agent id, supervisors their team."""
    _check_name(name)
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    if role == "department" and not (department or "").strip():
        raise InputError("a department user needs --department")
    if role == "agent" and not (agent_id or "").strip():
        raise InputError("an agent user needs --agent (their agent id)")
    if role == "supervisor" and not (team or "").strip():
        raise InputError("a supervisor needs --team")
    agent_id = agent_id.strip() if role == "agent" and agent_id else None
    team = team.strip() if role == "supervisor" and team else None
    _check_password(password)
    exists = con.execute("SELECT 1 FROM web_users WHERE name = ?", [name]).fetchone()
    if exists and not replace:
        raise InputError(f"user {name!r} already exists")
    department = department.strip() if department and role == "department" else None
    pw_hash = CHECKS.hash(password)
    if exists:
        _keep_an_admin(con, name, role=role)
        con.execute("UPDATE web_users SET password_hash = ?, role = ?, department = ?, agent_id = ?, team = ?, "
                    "disabled = false WHERE name = ?", [pw_hash, role, department, agent_id, team, name])
        con.execute("DELETE FROM web_sessions WHERE user_name = ?", [name])
    else:
        con.execute("INSERT INTO web_users (name, password_hash, role, department, agent_id, team) VALUES (?, ?, ?, ?, ?, ?)",
                    [name, pw_hash, role, department, agent_id, team])
    audit(con, by, "user.add" if not exists else "user.reset", name,
          {"role": role, "department": department, "agent_id": agent_id, "team": team})
    return User(name, role, department, agent_id, team)


def set_password(con: duckdb.DuckDBPyConnection, name: str, password: str, *, by: User | None = None) -> None:
    """A new password for ``name``: their sessions end, their lockout is lifted."""
    _existing(con, name)
    _check_password(password)
    con.execute("UPDATE web_users SET password_hash = ? WHERE name = ?", [CHECKS.hash(password), name])
    con.execute("DELETE FROM web_sessions WHERE user_name = ?", [name])
    con.execute("DELETE FROM web_login_failures WHERE scope = 'account' AND key = ?", [name])
    audit(con, by, "user.password", name)


def set_disabled(con: duckdb.DuckDBPyConnection, name: str, disabled: bool, *, by: User | None = None) -> None:
    """Disable (sessions end, tokens stop working) or enable a user."""
    _existing(con, name)
    if disabled:
        _keep_an_admin(con, name)
        con.execute("DELETE FROM web_sessions WHERE user_name = ?", [name])
    con.execute("UPDATE web_users SET disabled = ? WHERE name = ?", [disabled, name])
    audit(con, by, "user.disable" if disabled else "user.enable", name)


def remove_user(con: duckdb.DuckDBPyConnection, name: str, *, by: User | None = None) -> None:
    """Remove a user with their sessions and tokens (the audit trail keeps what they did)."""
    _existing(con, name)
    _keep_an_admin(con, name)
    con.execute("DELETE FROM web_sessions WHERE user_name = ?", [name])
    con.execute("DELETE FROM web_tokens WHERE user_name = ?", [name])
    con.execute("DELETE FROM web_login_failures WHERE scope = 'account' AND key = ?", [name])
    con.execute("DELETE FROM web_users WHERE name = ?", [name])
    audit(con, by, "user.remove", name)


def _keep_an_admin(con: duckdb.DuckDBPyConnection, name: str, role: str | None = None) -> None:
    """Refuse the change that would leave nobody able to administer earful."""
    row = con.execute("SELECT role, disabled FROM web_users WHERE name = ?", [name]).fetchone()
    if not row or row[0] != "admin" or row[1] or role == "admin":
        return
    others = con.execute("SELECT count(*) FROM web_users WHERE role = 'admin' AND NOT disabled AND name <> ?",
                         [name]).fetchone()[0]
    if not others:
        raise InputError(f"{name!r} is the last enabled admin: add or enable another admin first")


def list_users(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every user with role, department, whether disabled, and a lockout in force (never the hash)."""
    rows = con.execute(
        "SELECT u.name, u.role, u.department, u.disabled, u.created_at, f.failures, f.locked_until, u.agent_id, u.team "
        "FROM web_users u LEFT JOIN web_login_failures f ON f.scope = 'account' AND f.key = u.name "
        "ORDER BY u.name").fetchall()
    now = _now()
    return [{"name": n, "role": r, "department": d, "disabled": bool(x), "created_at": str(c),
             "failed_logins": int(nf or 0), "locked_until": str(lu) if lu and lu > now else None,
             "agent_id": a, "team": t}
            for n, r, d, x, c, nf, lu, a, t in rows]


# ---- signing in ---------------------------------------------------------------------------------

def login_wait(con: duckdb.DuckDBPyConnection, name: str, address: str | None,
               policy: LoginPolicy = LoginPolicy()) -> tuple[float, str | None]:
    """Seconds to wait before a sign-in as ``name`` from ``address`` may be checked, and why
    ("locked" or "back-off"); (0, None) when it may be checked now."""
    keys = [("account", name)] + ([("address", address)] if address else [])
    now = datetime.now()
    wait, why = 0.0, None
    for scope, key in keys:
        row = con.execute("SELECT failures, last_failed_at, locked_until FROM web_login_failures "
                          "WHERE scope = ? AND key = ?", [scope, key]).fetchone()
        if not row:
            continue
        failures, last, locked = row
        if locked is not None and locked > now:
            w, reason = (locked - now).total_seconds(), "locked"
        elif last is not None:
            w, reason = policy.delay_s(scope, failures) - (now - last).total_seconds(), "back-off"
        else:
            continue
        if w > wait:
            wait, why = w, reason
    return (wait, why) if wait > 0 else (0.0, None)


def login_failed(con: duckdb.DuckDBPyConnection, name: str, address: str | None,
                 policy: LoginPolicy = LoginPolicy()) -> bool:
    """Count a wrong password for ``name`` and ``address``; True when this failure locked either."""
    now = datetime.now()
    locked_any = False
    forget_before = now - timedelta(seconds=policy.lock_s)
    for scope, key in [("account", name)] + ([("address", address)] if address else []):
        row = con.execute("SELECT failures, last_failed_at FROM web_login_failures WHERE scope = ? AND key = ?",
                          [scope, key]).fetchone()
        # failures are forgotten when none came for as long as a lockout lasts
        failures = (row[0] if row and row[1] is not None and row[1] >= forget_before else 0) + 1
        _, lock_after = policy._limits(scope)
        locked = now + timedelta(seconds=policy.lock_s) if failures >= lock_after else None
        locked_any = locked_any or (locked is not None and failures == lock_after)
        con.execute("INSERT INTO web_login_failures (scope, key, failures, last_failed_at, locked_until) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (scope, key) DO UPDATE SET failures = excluded.failures, "
                    "last_failed_at = excluded.last_failed_at, locked_until = excluded.locked_until",
                    [scope, key, failures, now, locked])
    return locked_any


def login_succeeded(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """A right password: the account's count starts again. The address's does not (one good
    account must not reset the guessing at others from the same place); it is forgotten an
    hour (``lock_s``) after its last failure."""
    con.execute("DELETE FROM web_login_failures WHERE scope = 'account' AND key = ?", [name])


def unlock(con: duckdb.DuckDBPyConnection, name: str, *, by: User | None = None) -> bool:
    """Lift the lockout and back-off of account ``name`` (an admin's action); True if there was one."""
    had = con.execute("SELECT count(*) FROM web_login_failures WHERE scope = 'account' AND key = ?", [name]).fetchone()[0]
    con.execute("DELETE FROM web_login_failures WHERE scope = 'account' AND key = ?", [name])
    audit(con, by, "user.unlock", name, {"had_failures": bool(had)})
    return bool(had)


def password_hash(con: duckdb.DuckDBPyConnection, name: str) -> tuple[str | None, User | None]:
    """The stored hash and the user behind ``name`` (None, None for unknown or disabled users)."""
    row = con.execute("SELECT password_hash, role, department, disabled, agent_id, team FROM web_users WHERE name = ?",
                      [name]).fetchone()
    if not row or row[3]:
        return None, None
    return row[0], User(name, row[1], row[2], row[4], row[5])


def authenticate(con: duckdb.DuckDBPyConnection, name: str, password: str) -> User | None:
    """The user when name and password match an enabled account, else None (same cost either way).

    Waits its turn for a password check; ``Busy`` when too many are waiting. Sign-in limits are
    applied by the caller (:func:`login_wait`, :func:`login_failed`).
    """
    pw_hash, user = password_hash(con, name)
    ok = CHECKS.verify(pw_hash, password).result()
    if not ok or user is None:
        return None
    rehash(con, name, pw_hash, password)
    return user


def rehash(con: duckdb.DuckDBPyConnection, name: str, pw_hash: str | None, password: str) -> None:
    """Store a fresh hash when the stored one was made with weaker parameters than today's."""
    if pw_hash and _HASHER.check_needs_rehash(pw_hash):
        con.execute("UPDATE web_users SET password_hash = ? WHERE name = ?", [CHECKS.hash(password), name])


# ---- sessions -----------------------------------------------------------------------------------

def create_session(con: duckdb.DuckDBPyConnection, user: User, hours: float = SESSION_HOURS) -> str:
    """A new session secret for the cookie; expired sessions are swept on the way."""
    secret = secrets.token_urlsafe(32)
    now = _now()
    con.execute("DELETE FROM web_sessions WHERE expires_at < ?", [now])
    con.execute("INSERT INTO web_sessions (token_sha256, user_name, created_at, expires_at) VALUES (?, ?, ?, ?)",
                [_sha256(secret), user.name, now, now + timedelta(hours=hours)])
    return secret


def end_session(con: duckdb.DuckDBPyConnection, secret: str) -> None:
    con.execute("DELETE FROM web_sessions WHERE token_sha256 = ?", [_sha256(secret)])


def user_for_session(con: duckdb.DuckDBPyConnection, secret: str | None) -> User | None:
    """The user behind a live session cookie, else None."""
    if not secret or len(secret) > 200:
        return None
    row = con.execute(
        "SELECT u.name, u.role, u.department, u.agent_id, u.team FROM web_sessions s JOIN web_users u ON u.name = s.user_name "
        "WHERE s.token_sha256 = ? AND s.expires_at > ? AND NOT u.disabled", [_sha256(secret), _now()]).fetchone()
    return User(*row) if row else None


# ---- API tokens ---------------------------------------------------------------------------------

def token_id(token_sha256: str) -> str:
    """The short name of a token in listings: the first 12 hex digits of its SHA-256 (not a secret)."""
    return token_sha256[:12]


def token_id_of(secret: str) -> str:
    """The listing id of the token ``secret``."""
    return token_id(_sha256(secret))


def create_token(con: duckdb.DuckDBPyConnection, name: str, label: str | None = None,
                 days: int | None = 90, *, by: User | None = None) -> str:
    """A new API token for user ``name`` (shown once; only its hash is kept)."""
    if not con.execute("SELECT 1 FROM web_users WHERE name = ?", [name]).fetchone():
        raise InputError(f"no user {name!r}: add it first with `earful users add`")
    if label is not None and len(label) > 200:
        raise InputError("a token label has at most 200 characters")
    if days is not None and not 0 < days <= 3650:
        raise InputError("a token lasts 1 to 3,650 days (or never)")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = _now()
    expires = now + timedelta(days=days) if days else None
    digest = _sha256(secret)
    con.execute("INSERT INTO web_tokens (token_sha256, user_name, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                [digest, name, label, now, expires])
    audit(con, by, "token.create", name, {"token": token_id(digest), "label": label,
                                          "expires_at": str(expires) if expires else None})
    return secret


def list_tokens(con: duckdb.DuckDBPyConnection, name: str | None = None) -> list[dict]:
    """API tokens (never the secret): id, user, label, created, expires, and whether in force."""
    sql = ("SELECT token_sha256, user_name, label, created_at, expires_at, revoked FROM web_tokens"
           + (" WHERE user_name = ?" if name else "") + " ORDER BY created_at DESC, token_sha256")
    now = _now()
    out = []
    for digest, user, label, created, expires, revoked in con.execute(sql, [name] if name else []).fetchall():
        state = "revoked" if revoked else "expired" if expires is not None and expires <= now else "active"
        out.append({"id": token_id(digest), "user": user, "label": label, "created_at": str(created),
                    "expires_at": str(expires) if expires else None, "state": state})
    return out


def revoke_token(con: duckdb.DuckDBPyConnection, ident: str, *, by: User | None = None) -> dict:
    """Revoke the token whose id (see :func:`token_id`) is ``ident``; it stops working at once."""
    if not re.fullmatch(r"[0-9a-f]{12}", ident or ""):
        raise InputError(f"{ident!r} is not a token id: use the 12-character id `earful token list` shows")
    rows = con.execute("SELECT token_sha256, user_name, revoked FROM web_tokens WHERE starts_with(token_sha256, ?)",
                       [ident]).fetchall()
    if len(rows) != 1:
        raise InputError(f"no token {ident!r}" if not rows else f"two tokens start with {ident!r}: revoke by user")
    row = rows[0]
    con.execute("UPDATE web_tokens SET revoked = true WHERE token_sha256 = ?", [row[0]])
    audit(con, by, "token.revoke", row[1], {"token": ident})
    return {"id": ident, "user": row[1], "already_revoked": bool(row[2])}


def user_for_token(con: duckdb.DuckDBPyConnection, secret: str | None) -> User | None:
    """The user behind a live, unrevoked API token, else None."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    row = con.execute(
        "SELECT u.name, u.role, u.department, u.agent_id, u.team FROM web_tokens t JOIN web_users u ON u.name = t.user_name "
        "WHERE t.token_sha256 = ? AND NOT t.revoked AND (t.expires_at IS NULL OR t.expires_at > ?) AND NOT u.disabled",
        [_sha256(secret), _now()]).fetchone()
    return User(*row) if row else None


def audit(con: duckdb.DuckDBPyConnection, user: User | None, action: str, target: str | None,
          detail: dict | None = None) -> None:
    """Append one line to the audit trail."""
    con.execute("INSERT INTO web_audit (happened_at, user_name, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                [_now(), user.name if user else None, action, target, json.dumps(detail or {}, default=str)])
