"""People, roles, sessions and API tokens for the dashboard and the REST API.

Passwords are argon2id hashes (argon2-cffi). Session cookies and API tokens are random
256-bit secrets; the store keeps only their SHA-256, so a copied store file opens nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
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
# argon2 is slow and memory-hard on purpose (64 MiB a check): at most this many at once.
_CHECKS = threading.BoundedSemaphore(4)


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


def add_user(con: duckdb.DuckDBPyConnection, name: str, password: str, role: str,
             department: str | None = None, *, replace: bool = False, agent_id: str | None = None,
             team: str | None = None) -> User:
    """Create (or with ``replace`` reset) a user; department users must name their department, agent
    users their agent id, supervisors their team."""
    if not _NAME.match(name or ""):
        raise InputError(f"user name {name!r} is not allowed: use 1-64 letters, digits, _ . @ -")
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
    if len(password) < 8:
        raise InputError("the password must have at least 8 characters")
    exists = con.execute("SELECT 1 FROM web_users WHERE name = ?", [name]).fetchone()
    if exists and not replace:
        raise InputError(f"user {name!r} already exists")
    department = department.strip() if department else None
    pw_hash = _HASHER.hash(password)
    if exists:
        con.execute("UPDATE web_users SET password_hash = ?, role = ?, department = ?, agent_id = ?, team = ?, "
                    "disabled = false WHERE name = ?", [pw_hash, role, department, agent_id, team, name])
        con.execute("DELETE FROM web_sessions WHERE user_name = ?", [name])
    else:
        con.execute("INSERT INTO web_users (name, password_hash, role, department, agent_id, team) VALUES (?, ?, ?, ?, ?, ?)",
                    [name, pw_hash, role, department, agent_id, team])
    audit(con, None, "user.add" if not exists else "user.reset", name,
          {"role": role, "department": department, "agent_id": agent_id, "team": team})
    return User(name, role, department, agent_id, team)


def list_users(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every user with role, department and whether disabled (never the hash)."""
    rows = con.execute("SELECT name, role, department, disabled, created_at, agent_id, team FROM web_users ORDER BY name").fetchall()
    return [{"name": n, "role": r, "department": d, "disabled": bool(x), "created_at": str(c), "agent_id": a, "team": t}
            for n, r, d, x, c, a, t in rows]


def authenticate(con: duckdb.DuckDBPyConnection, name: str, password: str) -> User | None:
    """The user when name and password match an enabled account, else None (same cost either way)."""
    row = con.execute("SELECT password_hash, role, department, disabled, agent_id, team FROM web_users WHERE name = ?",
                      [name]).fetchone()
    try:
        with _CHECKS:
            _HASHER.verify(row[0] if row else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if not row or row[3]:
        return None
    if _HASHER.check_needs_rehash(row[0]):
        con.execute("UPDATE web_users SET password_hash = ? WHERE name = ?", [_HASHER.hash(password), name])
    return User(name, row[1], row[2], row[4], row[5])


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


def create_token(con: duckdb.DuckDBPyConnection, name: str, label: str | None = None,
                 days: int | None = 90) -> str:
    """A new API token for user ``name`` (shown once; only its hash is kept)."""
    if not con.execute("SELECT 1 FROM web_users WHERE name = ?", [name]).fetchone():
        raise InputError(f"no user {name!r}: add it first with `earful users add`")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = _now()
    expires = now + timedelta(days=days) if days else None
    con.execute("INSERT INTO web_tokens (token_sha256, user_name, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                [_sha256(secret), name, label, now, expires])
    audit(con, None, "token.create", name, {"label": label, "expires_at": str(expires) if expires else None})
    return secret


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
