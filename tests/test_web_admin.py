"""Administration while the dashboard serves: admins add, disable, enable, remove and reset users,
and create, list and revoke API tokens, from the Users page and from the API; every change takes
effect on the next request, is audited with the admin's name, and no other role can make it."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from _web import PASSWORD, ROLE_USER, site, web_store  # noqa: F401

NEW_PASSWORD = "a brand new secret"


def _browser(site, name: str | None = None, password: str = PASSWORD) -> httpx.Client:
    c = httpx.Client(base_url=site["url"], follow_redirects=False, timeout=60, headers={"origin": site["url"]})
    if name:
        r = c.post("/login", data={"username": name, "password": password, "next": "/"})
        assert r.status_code == 303, (name, r.status_code)
    return c


def _form(c: httpx.Client, action: str, **fields) -> httpx.Response:
    """Submit a form of the Users page as a browser would: with the page's own token."""
    page = c.get("/users").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return c.post(action, data={**fields, "csrf_token": token})


def _audit(site, action: str, target: str) -> list[str | None]:
    from earful.store import connect

    con = connect(site["db"])
    try:
        return [u for (u,) in con.execute("SELECT user_name FROM web_audit WHERE action = ? AND target = ?",
                                         [action, target]).fetchall()]
    finally:
        con.close()


def test_an_admin_runs_the_life_of_a_user_from_the_users_page(site):
    admin = _browser(site, ROLE_USER["admin"])
    r = _form(admin, "/users", name="newbie", role="department", department="cards", password=PASSWORD)
    assert r.status_code == 303 and "added" in r.headers["location"]
    assert 'data-user="newbie"' in admin.get("/users").text
    newbie = _browser(site, "newbie")
    assert newbie.get("/api/v1/me").json() == {"name": "newbie", "role": "department", "department": "cards",
                                               "agent_id": None, "team": None, "csrf_token": newbie.get("/api/v1/me").json()["csrf_token"]}
    # disabled: the open session stops at once
    assert _form(admin, "/users/newbie/disable").status_code == 303
    assert newbie.get("/api/v1/me").status_code == 401
    assert _browser(site).post("/login", data={"username": "newbie", "password": PASSWORD}).status_code == 401
    assert _form(admin, "/users/newbie/enable").status_code == 303
    newbie = _browser(site, "newbie")
    # a new password: the old one and the old sessions stop working
    assert _form(admin, "/users/newbie/password", password=NEW_PASSWORD).status_code == 303
    assert newbie.get("/api/v1/me").status_code == 401
    assert _browser(site).post("/login", data={"username": "newbie", "password": PASSWORD}).status_code == 401
    _browser(site, "newbie", NEW_PASSWORD)
    # removed: gone from the list, cannot sign in
    assert _form(admin, "/users/newbie/remove", sure="on").status_code == 303
    assert 'data-user="newbie"' not in admin.get("/users").text
    assert _browser(site).post("/login", data={"username": "newbie", "password": NEW_PASSWORD}).status_code == 401
    for action in ("user.add", "user.disable", "user.enable", "user.password", "user.remove"):
        assert _audit(site, action, "newbie") == [ROLE_USER["admin"]], action


def test_an_admin_creates_shows_once_and_revokes_a_token_from_the_page(site):
    admin = _browser(site, ROLE_USER["admin"])
    r = _form(admin, "/tokens", name=ROLE_USER["executive"], label="board pack", days="30")
    assert r.status_code == 200
    secret = re.search(r'<code class="secret">(ef_[A-Za-z0-9_-]+)</code>', r.text).group(1)
    assert secret not in admin.get("/users").text, "the secret is shown once, on the answer that made it"
    api = httpx.Client(base_url=site["url"], headers={"authorization": f"Bearer {secret}"})
    assert api.get("/api/v1/me").json()["role"] == "executive"
    ident = re.search(r'data-token="([0-9a-f]{12})"><td><code>\1</code></td><td>eve</td><td>board pack', r.text).group(1)
    assert _form(admin, f"/tokens/{ident}/revoke").status_code == 303
    assert api.get("/api/v1/me").status_code == 401, "a revoked token stops at once"
    assert re.search(rf'data-token="{ident}">.*?<td>revoked</td>', admin.get("/users").text, flags=re.S)
    assert _audit(site, "token.revoke", "eve") == [ROLE_USER["admin"]]


def test_the_same_through_the_api_with_an_admin_token(site):
    from earful.store import connect
    from earful.web.auth import create_token

    con = connect(site["db"])
    bearer = create_token(con, ROLE_USER["admin"], "automation")
    con.close()
    api = httpx.Client(base_url=site["url"], headers={"authorization": f"Bearer {bearer}"}, timeout=60)
    r = api.post("/api/v1/users", json={"name": "robot", "role": "analyst", "password": PASSWORD})
    assert r.status_code == 201 and r.json()["role"] == "analyst" and "password" not in json.dumps(r.json())
    assert api.post("/api/v1/users", json={"name": "robot", "role": "analyst", "password": PASSWORD}).status_code == 400
    r = api.post("/api/v1/tokens", json={"user": "robot", "label": "etl", "days": 7})
    assert r.status_code == 201
    made = r.json()
    robot = httpx.Client(base_url=site["url"], headers={"authorization": f"Bearer {made['token']}"})
    assert robot.get("/api/v1/me").json()["name"] == "robot"
    listed = api.get("/api/v1/tokens", params={"name": "robot"}).json()["items"]
    assert [t["id"] for t in listed] == [made["id"]] and "token" not in listed[0]
    assert api.patch("/api/v1/users/robot", json={"disabled": True}).json()["disabled"] is True
    assert robot.get("/api/v1/me").status_code == 401, "a disabled user's token stops at once"
    assert api.patch("/api/v1/users/robot", json={"disabled": False}).status_code == 200
    assert robot.get("/api/v1/me").status_code == 200
    assert api.delete(f"/api/v1/tokens/{made['id']}").json()["user"] == "robot"
    assert robot.get("/api/v1/me").status_code == 401
    assert api.delete("/api/v1/users/robot").json() == {"removed": "robot"}
    assert api.delete("/api/v1/users/robot").status_code == 400
    assert api.delete("/api/v1/tokens/nothex").status_code == 400
    # a supervisor names their team, an agent their agent id; neither can be added without
    assert api.post("/api/v1/users", json={"name": "sue2", "role": "supervisor", "password": PASSWORD}).status_code == 400
    r = api.post("/api/v1/users", json={"name": "sue2", "role": "supervisor", "team": "voice-1", "password": PASSWORD})
    assert r.status_code == 201 and r.json()["team"] == "voice-1" and r.json()["agent_id"] is None
    r = api.post("/api/v1/users", json={"name": "al2", "role": "agent", "agent_id": "A007", "password": PASSWORD})
    assert r.status_code == 201 and r.json()["agent_id"] == "A007"
    for name in ("sue2", "al2"):
        assert api.delete(f"/api/v1/users/{name}").json() == {"removed": name}


def test_the_last_admin_cannot_be_locked_out_of_administration(site):
    from earful.store import connect

    admin = _browser(site, ROLE_USER["admin"])
    con = connect(site["db"])
    admins = [n for (n,) in con.execute("SELECT name FROM web_users WHERE role = 'admin' AND NOT disabled").fetchall()]
    con.close()
    assert admins == [ROLE_USER["admin"]]
    for action, fields in (("disable", {}), ("remove", {"sure": "on"})):
        r = _form(admin, f"/users/{ROLE_USER['admin']}/{action}", **fields)
        assert r.status_code == 400 and "last enabled admin" in r.text
    assert admin.get("/api/v1/me").status_code == 200


ADMIN_CALLS = [("POST", "/users", {"data": {"name": "x1", "role": "analyst", "password": PASSWORD}}),
               ("POST", "/users/ana/disable", {}), ("POST", "/users/ana/enable", {}),
               ("POST", "/users/ana/remove", {}), ("POST", "/users/ana/password", {"data": {"password": NEW_PASSWORD}}),
               ("POST", "/users/ana/unlock", {}), ("POST", "/tokens", {"data": {"name": "ana"}}),
               ("POST", "/tokens/0123456789ab/revoke", {}),
               ("POST", "/api/v1/users", {"json": {"name": "x2", "role": "analyst", "password": PASSWORD}}),
               ("PATCH", "/api/v1/users/ana", {"json": {"disabled": True}}), ("DELETE", "/api/v1/users/ana", {}),
               ("POST", "/api/v1/users/ana/unlock", {}), ("GET", "/api/v1/tokens", {}),
               ("POST", "/api/v1/tokens", {"json": {"user": "ana"}}), ("DELETE", "/api/v1/tokens/0123456789ab", {}),
               ("GET", "/users", {})]


@pytest.mark.parametrize("role", ["analyst", "department", "executive", None])
def test_no_other_role_can_administer(site, role):
    c = _browser(site, ROLE_USER[role] if role else None)
    token = c.get("/api/v1/me").json().get("csrf_token", "") if role else ""
    for method, path, kw in ADMIN_CALLS:
        r = c.request(method, path, headers={"x-csrf-token": token}, **kw)
        expected = (403,) if role else ((401,) if path.startswith("/api/") else (303,))
        assert r.status_code in expected, (role, method, path, r.status_code)
    from earful.store import connect

    con = connect(site["db"])
    try:
        ana = con.execute("SELECT disabled FROM web_users WHERE name = 'ana'").fetchone()
        assert ana == (False,), "nothing changed"
        assert not con.execute("SELECT count(*) FROM web_users WHERE name IN ('x1', 'x2')").fetchone()[0]
    finally:
        con.close()
