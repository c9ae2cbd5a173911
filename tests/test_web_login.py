"""Signing in resists guessing: back-off per account and per address, a lockout an admin lifts,
every failure in the audit trail, and password checks that cannot take the server's threads.
Real uvicorn servers on loopback; clients come from distinct 127.0.0.x addresses."""

from __future__ import annotations

import concurrent.futures as cf
import json
import re
import shutil
import time

import httpx
import pytest
from _web import PASSWORD, ROLE_USER, serve_copy, web_store  # noqa: F401


class FAST:
    """A sign-in policy with small numbers, so that the schedule shows within a test's time."""

    account_free, account_lock_after, address_free, address_lock_after = 2, 4, 6, 50
    # seconds long enough that two requests in a row fall inside a back-off even when a password
    # check takes seconds on a loaded machine
    base_delay_s, max_delay_s, lock_s = 3, 6, 600

    @classmethod
    def policy(cls):
        from earful.web.auth import LoginPolicy

        return LoginPolicy(**{k: v for k, v in vars(cls).items() if not k.startswith("_") and k != "policy"})

_next_address = iter(range(10, 250))


def _client(url: str, address: str | None = None) -> httpx.Client:
    """A browser-like client from its own loopback address (each test its own, so that the
    per-address counts of one test do not spill into another)."""
    address = address or f"127.0.0.{next(_next_address)}"
    return httpx.Client(base_url=url, follow_redirects=False, timeout=60, headers={"origin": url},
                        transport=httpx.HTTPTransport(local_address=address))


def _login(c: httpx.Client, name: str, password: str) -> httpx.Response:
    return c.post("/login", data={"username": name, "password": password, "next": "/"})


def _audit(db, action: str, target: str) -> list[dict]:
    from earful.store import connect

    con = connect(db)
    try:
        rows = con.execute("SELECT user_name, detail FROM web_audit WHERE action = ? AND target = ? ORDER BY happened_at",
                           [action, target]).fetchall()
    finally:
        con.close()
    return [{"by": u, **json.loads(d)} for u, d in rows]


@pytest.fixture(scope="module")
def default_site(tmp_path_factory, web_store):
    with serve_copy(tmp_path_factory, web_store) as running:
        yield running


@pytest.fixture(scope="module")
def fast_site(tmp_path_factory, web_store):
    with serve_copy(tmp_path_factory, web_store, login_policy=FAST.policy()) as running:
        yield running


def test_thirty_wrong_passwords_then_the_right_one_is_refused(default_site):
    url, db = default_site["url"], default_site["db"]
    c = _client(url)
    codes = [_login(c, "ana", f"guess number {i}").status_code for i in range(30)]
    assert set(codes) <= {401, 429} and codes[:5] == [401] * 5, codes
    assert 429 in codes, "guessing must be slowed down"
    r = _login(c, "ana", PASSWORD)
    assert r.status_code == 429 and "set-cookie" not in r.headers, "the right password must wait its turn"
    assert int(r.headers["retry-after"]) >= 1 and "Too many failed sign-ins" in r.text
    # every wrong password that was checked, and every refused attempt, is in the audit trail
    failed, refused = _audit(db, "login.failed", "ana"), _audit(db, "login.refused", "ana")
    assert len(failed) + len(refused) == 31 and len(failed) == codes.count(401)
    assert all(f["address"].startswith("127.0.0.") for f in failed)


def test_back_off_expires_and_a_success_starts_the_count_again(fast_site):
    url = fast_site["url"]
    c = _client(url)
    assert [_login(c, "eve", "wrong password").status_code for _ in range(3)] == [401, 401, 401]
    r = _login(c, "eve", PASSWORD)
    assert r.status_code == 429  # 3rd failure > 2 free: wait 3 s
    time.sleep(float(r.headers["retry-after"]) + 0.1)
    assert _login(c, "eve", PASSWORD).status_code == 303
    assert [_login(_client(url), "eve", "wrong again").status_code for _ in range(2)] == [401, 401], \
        "after a success the free attempts are back"


def test_lockout_holds_the_right_password_until_an_admin_lifts_it(fast_site):
    url, db = fast_site["url"], fast_site["db"]
    c = _client(url)
    for _ in range(FAST.account_lock_after):
        r = _login(c, "paul", "not his password")
        if r.status_code == 429:
            time.sleep(float(r.headers["retry-after"]) + 0.05)
            r = _login(c, "paul", "not his password")
        assert r.status_code == 401
    assert "now locked" in r.text
    time.sleep(FAST.max_delay_s + 0.2)  # past any back-off: only the lockout is left
    r = _login(_client(url), "paul", PASSWORD)
    assert r.status_code == 429 and "ask an admin" in r.text and int(r.headers["retry-after"]) > 500
    assert _audit(db, "login.locked", "paul")
    # the admin sees it on the Users page and lifts it there
    admin = _client(url)
    assert _login(admin, ROLE_USER["admin"], PASSWORD).status_code == 303
    page = admin.get("/users").text
    assert re.search(r'data-user="paul">.*?locked until', page, flags=re.S)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = admin.post("/users/paul/unlock", data={"csrf_token": token})
    assert r.status_code == 303, r.text
    assert _audit(db, "user.unlock", "paul")[-1]["by"] == ROLE_USER["admin"]
    assert _login(_client(url), "paul", PASSWORD).status_code == 303


def test_one_address_guessing_many_names_is_slowed(fast_site):
    url = fast_site["url"]
    guesser = _client(url)
    codes = [_login(guesser, f"name{i}", "password1").status_code for i in range(FAST.address_free + 1)]
    assert codes == [401] * (FAST.address_free + 1)
    assert _login(guesser, "ana", PASSWORD).status_code == 429, "the address waits, whatever the name"
    assert _login(_client(url), "ana", PASSWORD).status_code == 303, "other addresses are not held up"


def test_a_full_queue_of_password_checks_answers_429_at_once(fast_site):
    """60 sign-ins at the same moment from 60 addresses: one is checked at a time and 16 wait; the
    rest are told to come back at once instead of waiting for a thread."""
    url = fast_site["url"]

    def one(i: int) -> tuple[int, float, str]:
        c = _client(url, f"127.0.1.{i + 1}")
        t = time.perf_counter()
        r = _login(c, f"flood{i}", "wrong password")
        return r.status_code, time.perf_counter() - t, r.text

    with cf.ThreadPoolExecutor(60) as pool:
        results = list(pool.map(one, range(60)))
    busy = [dt for code, dt, text in results if code == 429 and "at this moment" in text]
    checked = [dt for code, dt, _ in results if code == 401]
    assert busy and checked, [r[:2] for r in results]
    assert len(checked) < len(results) / 2, "one check at a time and a short queue, not one per request"
    assert sorted(busy)[len(busy) // 2] < max(checked), "a refusal does not wait for the checks"


def test_a_flood_of_wrong_sign_ins_does_not_slow_an_api_call(tmp_path, web_store):
    """128 connections guessing as fast as they are answered, against a real `earful serve`;
    an ordinary API call with a token takes at most twice its time without the flood."""
    import statistics
    import subprocess
    import sys
    from pathlib import Path

    from _serve import earful_serve

    from earful.store import connect
    from earful.web.auth import create_token

    db = tmp_path / "earful.duckdb"
    shutil.copy(web_store[0], db)
    con = connect(db)
    bearer = create_token(con, ROLE_USER["analyst"], "flood test")
    con.close()
    flood_script = Path(__file__).resolve().parents[1] / "bench" / "login_flood.py"
    with earful_serve(db) as (url, _proc):
        api = httpx.Client(base_url=url, headers={"authorization": f"Bearer {bearer}"}, timeout=120)

        def call() -> float:
            t = time.perf_counter()
            r = api.get("/api/v1/interactions", params={"q": "card", "limit": 20})
            assert r.status_code == 200
            return time.perf_counter() - t

        for _ in range(3):
            call()
        before = [call() for _ in range(10)]
        flood = subprocess.Popen([sys.executable, str(flood_script), url, "8", "128"], stdout=subprocess.PIPE,
                                 text=True)
        time.sleep(2)  # the flood is at full strength
        during = []
        while flood.poll() is None and len(during) < 25:
            during.append(call())
        stats = json.loads(flood.communicate(timeout=120)[0])
        after = [call() for _ in range(10)]
    normal, flooded = statistics.median(before + after), statistics.median(during)
    print(f"\napi call median: {normal * 1000:.1f} ms normally, {flooded * 1000:.1f} ms under the flood "
          f"(x{flooded / normal:.2f}); flood answers: {stats}")
    assert flooded <= 2 * normal, f"{flooded:.3f} s under the flood vs {normal:.3f} s"
    assert len(during) >= 5
    assert stats.get("429", {}).get("n", 0) > stats.get("401", {}).get("n", 0), "most guesses are turned away"
