"""Administration while the dashboard serves: users and API tokens, as pages and as API routes.

Admins only (the ``users`` area of ``_access``). Every change is written to the audit trail
with the admin's name, and forgets the server's cached sign-ins at once, so a disabled or
removed user, or a revoked token, stops working on the next request.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

import duckdb
from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from earful.web._access import AREAS
from earful.web._deps import get_cursor, need, state
from earful.web.auth import (
    ROLES,
    User,
    add_user,
    create_token,
    list_tokens,
    list_users,
    remove_user,
    revoke_token,
    set_disabled,
    set_password,
    token_id_of,
    unlock,
)

router = APIRouter()
Cur = Annotated[duckdb.DuckDBPyConnection, Depends(get_cursor)]
Admin = Annotated[User, Depends(need("users"))]
Name = Annotated[str, Form(max_length=64)]
_PAGE = {"include_in_schema": False, "response_class": HTMLResponse}
_DONE = {"added": "added", "disabled": "disabled", "enabled": "enabled", "removed": "removed",
         "password": "has a new password", "unlocked": "can sign in again", "revoked": "token revoked"}


def _changed(request: Request) -> None:
    state(request).forget_all()


def _back(done: str, who: str) -> RedirectResponse:
    return RedirectResponse(f"/users?done={quote(done)}&who={quote(who)}", status_code=303)


# ---- pages ----------------------------------------------------------------------------------------

def _page(request: Request, cur: duckdb.DuckDBPyConnection, user: User, *, new_token: dict | None = None,
          done: str | None = None, who: str | None = None) -> HTMLResponse:
    from earful.web.app import render

    note = f"{who}: {_DONE[done]}" if done in _DONE and who else None
    return render(request, "users.html", user, users=list_users(cur), tokens=list_tokens(cur), areas=AREAS,
                  roles=ROLES, new_token=new_token, note=note)


@router.get("/users", **_PAGE)
def users_page(request: Request, cur: Cur, user: Admin, done: str | None = None, who: str | None = None):
    return _page(request, cur, user, done=done, who=(who or "")[:64] or None)


@router.post("/users", **_PAGE)
def users_add_page(request: Request, cur: Cur, user: Admin, name: Name, role: Annotated[str, Form(max_length=20)],
                   password: Annotated[str, Form(max_length=1024)],
                   department: Annotated[str, Form(max_length=200)] = "",
                   agent_id: Annotated[str, Form(max_length=200)] = "", team: Annotated[str, Form(max_length=200)] = ""):
    add_user(cur, name, password, role, department or None, by=user, agent_id=agent_id or None, team=team or None)
    _changed(request)
    return _back("added", name)


_CHANGES = {  # what a button on a user's row does: (change, the note on the page afterwards)
    "disable": (lambda cur, name, by, _pw: set_disabled(cur, name, True, by=by), "disabled"),
    "enable": (lambda cur, name, by, _pw: set_disabled(cur, name, False, by=by), "enabled"),
    "remove": (lambda cur, name, by, _pw: remove_user(cur, name, by=by), "removed"),
    "password": (lambda cur, name, by, pw: set_password(cur, name, pw, by=by), "password"),
    "unlock": (lambda cur, name, by, _pw: unlock(cur, name, by=by), "unlocked"),
}


@router.post("/users/{name}/{change}", **_PAGE)
def users_change_page(request: Request, cur: Cur, user: Admin, name: str,
                      change: Literal["disable", "enable", "remove", "password", "unlock"],
                      password: Annotated[str, Form(max_length=1024)] = ""):
    fn, done = _CHANGES[change]
    fn(cur, name, user, password)
    _changed(request)
    return _back(done, name)


@router.post("/tokens", **_PAGE)
def tokens_create_page(request: Request, cur: Cur, user: Admin, name: Name,
                       label: Annotated[str, Form(max_length=200)] = "",
                       days: Annotated[int, Form(ge=0, le=3650)] = 90):
    secret = create_token(cur, name, label or None, days or None, by=user)
    # shown on this answer only (never in an address, never stored)
    return _page(request, cur, user, new_token={"user": name, "label": label, "secret": secret})


@router.post("/tokens/{ident}/revoke", **_PAGE)
def tokens_revoke_page(request: Request, cur: Cur, user: Admin, ident: str):
    out = revoke_token(cur, ident, by=user)
    _changed(request)
    return _back("revoked", f"{out['user']} {ident}")


# ---- API ------------------------------------------------------------------------------------------

class UserIn(BaseModel):
    name: str = Field(max_length=64, description="sign-in name: letters, digits, _ . @ -")
    role: str = Field(max_length=20, description="one of the roles on the Users page (admin, analyst, department, ...)")
    department: str | None = Field(None, max_length=200, description="the department (department role)")
    agent_id: str | None = Field(None, max_length=200, description="the agent id (agent role)")
    team: str | None = Field(None, max_length=200, description="the team (supervisor role)")
    password: str = Field(min_length=8, max_length=1024)


class UserChange(BaseModel):
    disabled: bool | None = Field(None, description="true disables (sessions end, tokens stop), false enables")
    password: str | None = Field(None, min_length=8, max_length=1024, description="a new password")


class TokenIn(BaseModel):
    user: str = Field(max_length=64)
    label: str | None = Field(None, max_length=200)
    days: int | None = Field(90, ge=1, le=3650, description="days until it expires (null: never)")


api = APIRouter(prefix="/api/v1", tags=["administration"])


def _user(cur: duckdb.DuckDBPyConnection, name: str) -> dict:
    found = [u for u in list_users(cur) if u["name"] == name]
    if not found:
        raise HTTPException(status_code=404, detail=f"no user {name!r}")
    return found[0]


@api.post("/users", summary="Add a user (admins only)", status_code=201)
def api_user_add(request: Request, cur: Cur, user: Admin, body: UserIn) -> dict:
    add_user(cur, body.name, body.password, body.role, body.department, by=user, agent_id=body.agent_id, team=body.team)
    _changed(request)
    return _user(cur, body.name)


@api.patch("/users/{name}", summary="Disable, enable or set the password of a user (admins only)")
def api_user_change(request: Request, cur: Cur, user: Admin, name: str, body: UserChange) -> dict:
    _user(cur, name)
    if body.disabled is not None:
        set_disabled(cur, name, body.disabled, by=user)
    if body.password is not None:
        set_password(cur, name, body.password, by=user)
    _changed(request)
    return _user(cur, name)


@api.delete("/users/{name}", summary="Remove a user, their sessions and tokens (admins only)")
def api_user_remove(request: Request, cur: Cur, user: Admin, name: str) -> dict:
    remove_user(cur, name, by=user)
    _changed(request)
    return {"removed": name}


@api.post("/users/{name}/unlock", summary="Lift a sign-in lockout (admins only)")
def api_user_unlock(request: Request, cur: Cur, user: Admin, name: str) -> dict:
    had = unlock(cur, name, by=user)
    return {"name": name, "was_locked": had}


@api.get("/tokens", summary="API tokens, never their secrets (admins only)")
def api_tokens(cur: Cur, user: Admin, name: Annotated[str | None, Query(max_length=64)] = None) -> dict:
    items = list_tokens(cur, name)
    return {"items": items, "total": len(items)}


@api.post("/tokens", summary="Create an API token: the secret is in this answer only (admins only)",
          status_code=201)
def api_token_create(cur: Cur, user: Admin, body: TokenIn) -> dict:
    secret = create_token(cur, body.user, body.label, body.days, by=user)
    ident = token_id_of(secret)
    return {**next(t for t in list_tokens(cur, body.user) if t["id"] == ident), "token": secret}


@api.delete("/tokens/{ident}", summary="Revoke an API token at once (admins only)")
def api_token_revoke(request: Request, cur: Cur, user: Admin, ident: str) -> dict:
    out = revoke_token(cur, ident, by=user)
    _changed(request)
    return out
