"""Request plumbing shared by pages and API: the store cursor, the signed-in user, access checks, caching."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import duckdb
from fastapi import Depends, HTTPException, Request

from earful.web import _queries as q
from earful.web._access import allowed
from earful.web.auth import User, user_for_session, user_for_token

COOKIE = "earful_session"


class AppState:
    """The one store connection of the server (a cursor per request) and a cache of aggregates.

    Cached results are keyed by the store's data version, which is re-read at most every
    ``version_ttl_s`` seconds, so a new import shows within that time.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, version_ttl_s: float = 2.0, size: int = 2048) -> None:
        self.con = con
        self.version_ttl_s = version_ttl_s
        self._size = size
        self._cache: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._version: tuple | None = None
        self._version_at = 0.0
        self._computing: dict[tuple, threading.Lock] = {}
        self._generation = 0
        self._users: dict[str, tuple[float, User | None]] = {}
        self.user_ttl_s = 5.0
        self._warming: threading.Thread | None = None

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self.con.cursor()

    def write(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(cursor, *args)`` on a cursor of its own (for code that is not a request's route)."""
        cur = self.cursor()
        try:
            return fn(cur, *args)
        finally:
            cur.close()

    def version(self, cur: duckdb.DuckDBPyConnection) -> tuple:
        now = time.monotonic()
        if self._version is None or now - self._version_at > self.version_ttl_s:
            self._version = q.data_version(cur)
            self._version_at = now
        return self._version

    def cached(self, cur: duckdb.DuckDBPyConnection, name: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """``fn(cur, *args, **kw)`` computed once per data version (one thread computes, others wait)."""
        key = (name, args, tuple(sorted(kw.items())), self.version(cur), self._generation)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                if key in self._cache:
                    return self._cache[key]
            value = fn(cur, *args, **kw)
            with self._lock:
                self._cache[key] = value
                self._computing.pop(key, None)
                while len(self._cache) > self._size:
                    self._cache.popitem(last=False)
        return value

    def close(self) -> None:
        """Stop what runs on the store (the warm-up included) and close it: called once, at shutdown."""
        if self._warming is not None:
            try:
                self._warm_cursor.interrupt()
            except duckdb.Error:
                pass
            self._warming.join(10)
        self.con.close()

    def warm(self) -> threading.Thread:
        """Compute the overview's aggregates in a background thread (the first visit is then fast)."""

        cur = self._warm_cursor = self.cursor()

        def run() -> None:
            try:
                from earful.web.service import warm as warm_overview

                warm_overview(self, cur)
                self.cached(cur, "reasons", q.reasons)
            except Exception:  # warming is best effort: the page computes what is missing
                pass
            finally:
                cur.close()

        t = threading.Thread(target=run, name="earful-warm", daemon=True)
        t.start()
        self._warming = t
        return t

    def forget(self) -> None:
        """Drop cached results (after a write made from the dashboard: the server holds the
        store's write lock, so its own writes are the only ones that can happen meanwhile)."""
        with self._lock:
            self._generation += 1
            self._cache.clear()
            self._version = None

    def user(self, secret: str | None, lookup: Callable[[str | None], User | None]) -> User | None:
        """The user behind a credential, remembered for ``user_ttl_s`` seconds (logout forgets at once)."""
        if not secret:
            return None
        now = time.monotonic()
        hit = self._users.get(secret)
        if hit and now - hit[0] < self.user_ttl_s:
            return hit[1]
        user = lookup(secret)
        if len(self._users) > 10_000:
            self._users.clear()
        self._users[secret] = (now, user)
        return user

    def forget_user(self, secret: str | None) -> None:
        self._users.pop(secret or "", None)

    def forget_all(self) -> None:
        """After a change made outside a request (a command the server ran): figures and who is who."""
        self.forget()
        self._users.clear()


def state(request: Request) -> AppState:
    return request.app.state.earful


def get_cursor(request: Request) -> Iterator[duckdb.DuckDBPyConnection]:
    cur = state(request).cursor()
    try:
        yield cur
    finally:
        cur.close()


class LoginRequired(Exception):
    """No (valid) credentials: pages send people to the login form, the API answers 401."""


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization") or ""
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return None


def current_user(request: Request, cur: duckdb.DuckDBPyConnection = Depends(get_cursor)) -> User | None:
    token = _bearer(request)
    st = state(request)
    if token is not None:
        user = st.user(token, lambda t: user_for_token(cur, t))
    else:
        user = st.user(request.cookies.get(COOKIE), lambda t: user_for_session(cur, t))
    request.state.user = user
    return user


def need(area: str) -> Callable[..., User]:
    """A dependency: the signed-in user, when their role may enter ``area`` (401 / 403 otherwise)."""

    def dep(user: User | None = Depends(current_user)) -> User:
        if user is None:
            raise LoginRequired()
        if not allowed(user.role, area):
            raise HTTPException(status_code=403, detail=f"the {user.role} role cannot open {area.replace('_', ' ')}")
        return user

    dep.__name__ = f"need_{area}"
    return dep


def department_scope(user: User, requested: str | None = None) -> str | None:
    """The department a listing is limited to: a department user's own, else what was asked."""
    if user.role == "department":
        return user.department or ""
    return requested or None


def check_insight(cur: duckdb.DuckDBPyConnection, user: User, insight_id: str) -> None:
    """404 for an unknown insight, 403 for another department's."""
    exists, depts = q.insight_departments(cur, insight_id)
    if not exists:
        raise HTTPException(status_code=404, detail=f"no insight {insight_id!r}")
    if user.role == "department" and user.department not in depts:
        raise HTTPException(status_code=403, detail="this insight belongs to another department")


def action_department(cur: duckdb.DuckDBPyConnection, user: User, insight_id: str, requested: str | None) -> str:
    """The department whose route an action moves: a department user's own; for the centre the one
    asked for, or the only one the insight has."""
    if user.role == "department":
        return user.department or ""
    if requested:
        return requested
    _, depts = q.insight_departments(cur, insight_id)
    if len(depts) != 1:
        raise HTTPException(status_code=400, detail="say which department's route to move (department)")
    return depts[0]


def agent_scope(cur: duckdb.DuckDBPyConnection, user: User) -> list[str] | None:
    """The agents a user may see: a supervisor their team's, an agent only themselves; None means all."""
    if user.role == "agent":
        return [user.agent_id or ""]
    if user.role == "supervisor":
        from earful.quality.coaching import team_agents

        return team_agents(cur, user.team or "")
    return None


def check_agent(cur: duckdb.DuckDBPyConnection, user: User, agent_id: str) -> None:
    """403 for an agent outside the user's scope (another team, or another agent)."""
    scope = agent_scope(cur, user)
    if scope is not None and agent_id not in scope:
        raise HTTPException(status_code=403, detail="this agent is not in your team" if user.role == "supervisor"
                            else "agents may open only their own page")


def check_interaction(cur: duckdb.DuckDBPyConnection, user: User, interaction_id: str) -> None:
    """Departments may read only interactions their own insights cite; supervisors their team's and agents
    their own."""
    if user.role in ("agent", "supervisor"):
        row = cur.execute("SELECT agent_id FROM interactions WHERE id = ?", [interaction_id]).fetchall()
        if not row:
            raise HTTPException(status_code=404, detail=f"no interaction {interaction_id!r}")
        scope = agent_scope(cur, user) or []
        if row[0][0] not in scope:
            raise HTTPException(status_code=403, detail="you may read only your own (or your team's) interactions")
        return
    if user.role == "department" and not q.interaction_in_department(cur, interaction_id, user.department or ""):
        exists = cur.execute("SELECT count(*) FROM interactions WHERE id = ?", [interaction_id]).fetchone()[0]
        if not exists:
            raise HTTPException(status_code=404, detail=f"no interaction {interaction_id!r}")
        raise HTTPException(status_code=403, detail="departments can read only interactions their insights cite")


def readable_interaction(cur: duckdb.DuckDBPyConnection, user: User, interaction_id: str, raw: bool) -> dict:
    """One interaction as ``user`` may read it: redacted unless ``raw`` and the role may see raw text."""
    check_interaction(cur, user, interaction_id)
    if raw and not allowed(user.role, "raw_text"):
        raise HTTPException(status_code=403, detail="only admins and analysts may read unredacted text")
    item = q.interaction_get(cur, interaction_id, redacted=not raw)
    if item is None:
        raise HTTPException(status_code=404, detail=f"no interaction {interaction_id!r}")
    return item


def safe_path(target: str | None, default: str = "/") -> str:
    """A same-site path to go to after a form (no open redirect); ``default`` otherwise."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
