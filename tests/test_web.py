"""The dashboard and API over HTTP: a real uvicorn server on loopback, every route as every role."""

from __future__ import annotations

import csv
import io
import re

import httpx
import pytest
from _web import PASSWORD, PII_CARD, PII_EMAIL, ROLE_USER, login, site, web_store  # noqa: F401

ROLES = ("admin", "analyst", "department", "executive")
EVERYONE = set(ROLES)
ADMIN_ANALYST = {"admin", "analyst"}
NOT_DEPT = {"admin", "analyst", "executive"}

# The access policy as the issue states it, written out independently of the app's own table.
# (method, path template) -> roles that may use it. {ins_own}: an insight of the department user's
# department; {ins_other}: another department's; {ix_own}/{ix_other}: interactions they cite.
POLICY = {
    ("GET", "/"): EVERYONE,
    ("GET", "/metrics"): ADMIN_ANALYST,
    ("GET", "/metrics.csv"): ADMIN_ANALYST,
    ("GET", "/staffing"): NOT_DEPT,
    ("GET", "/reasons"): NOT_DEPT,
    ("GET", "/insights"): EVERYONE,
    ("GET", "/insights/{ins_own}"): EVERYONE,
    ("GET", "/insights/{ins_other}"): NOT_DEPT,
    ("POST", "/insights/{ins_own}/act"): {"admin", "analyst", "department"},
    ("POST", "/insights/{ins_other}/act"): ADMIN_ANALYST,
    ("GET", "/interactions"): NOT_DEPT,
    ("GET", "/interactions/{ix_own}"): EVERYONE,
    ("GET", "/interactions/{ix_other}"): NOT_DEPT,
    ("GET", "/interactions/{ix_own}?raw=1"): ADMIN_ANALYST,
    ("GET", "/ledger"): EVERYONE,
    ("GET", "/users"): {"admin"},
    ("POST", "/insights/{ins_own}/plan"): {"admin", "analyst", "department"},
    ("POST", "/insights/{ins_other}/plan"): ADMIN_ANALYST,
    ("POST", "/insights/{ins_own}/comment"): {"admin", "analyst", "department"},
    ("POST", "/insights/{ins_other}/comment"): ADMIN_ANALYST,
    ("GET", "/briefing"): NOT_DEPT,
    ("GET", "/briefing.pdf"): NOT_DEPT,
    ("GET", "/load"): {"admin"},
    ("GET", "/assess"): NOT_DEPT,
    ("GET", "/api/v1/assessment"): NOT_DEPT,
    ("GET", "/competitors"): NOT_DEPT,
    ("GET", "/api/v1/competitors"): NOT_DEPT,
    ("GET", "/api/v1/me"): EVERYONE,
    ("GET", "/api/v1/overview"): EVERYONE,
    ("GET", "/api/v1/metrics"): ADMIN_ANALYST,
    ("GET", "/api/v1/staffing"): NOT_DEPT,
    ("GET", "/api/v1/reasons"): NOT_DEPT,
    ("GET", "/api/v1/insights"): EVERYONE,
    ("GET", "/api/v1/insights/{ins_own}"): EVERYONE,
    ("GET", "/api/v1/insights/{ins_other}"): NOT_DEPT,
    ("POST", "/api/v1/insights/{ins_own}/actions"): {"admin", "analyst", "department"},
    ("POST", "/api/v1/insights/{ins_other}/actions"): ADMIN_ANALYST,
    ("GET", "/api/v1/interactions"): NOT_DEPT,
    ("GET", "/api/v1/interactions/{ix_own}"): EVERYONE,
    ("GET", "/api/v1/interactions/{ix_other}"): NOT_DEPT,
    ("GET", "/api/v1/interactions/{ix_own}?raw=true"): ADMIN_ANALYST,
    ("GET", "/api/v1/ledger"): EVERYONE,
    ("GET", "/api/v1/users"): {"admin"},
    ("GET", "/contacts?kind=late"): NOT_DEPT,
    ("GET", "/contacts.csv?kind=abandoned&start=2010-08-02&end=2010-08-02"): NOT_DEPT,
    ("GET", "/api/v1/contacts?kind=sl_base"): NOT_DEPT,
    ("GET", "/settings/service"): {"admin"},
    ("POST", "/settings/service"): {"admin"},
    ("GET", "/api/v1/service/definitions"): EVERYONE,
    ("PUT", "/api/v1/service/definitions"): {"admin"},
    ("GET", "/api/v1/staffing/intraday?channel=voice"): NOT_DEPT,
    ("POST", "/api/v1/insights/{ins_own}/plan"): {"admin", "analyst", "department"},
    ("POST", "/api/v1/insights/{ins_other}/plan"): ADMIN_ANALYST,
    ("GET", "/api/v1/insights/{ins_own}/comments"): EVERYONE,
    ("GET", "/api/v1/insights/{ins_other}/comments"): NOT_DEPT,
    ("POST", "/api/v1/insights/{ins_own}/comments"): {"admin", "analyst", "department"},
    ("POST", "/api/v1/insights/{ins_other}/comments"): ADMIN_ANALYST,
    ("GET", "/planning"): NOT_DEPT,
}
# Administration writes (admins only): test_web_admin.py walks each of them as every role.
ADMIN_WRITES = {("POST", "/users"), ("POST", "/users/{}/{}"), ("POST", "/tokens"), ("POST", "/tokens/{}/revoke"),
                ("POST", "/api/v1/users"), ("PATCH", "/api/v1/users/{}"), ("DELETE", "/api/v1/users/{}"),
                ("POST", "/api/v1/users/{}/unlock"), ("GET", "/api/v1/tokens"), ("POST", "/api/v1/tokens"),
                ("DELETE", "/api/v1/tokens/{}")}
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("POST", "/logout"), ("GET", "/favicon.ico"),
          ("GET", "/api/v1/openapi.json")}
# A recorded call's routes: who may hear what is walked per role in test_voice_web.py (it needs a recording).
VOICE = {("GET", "/voice/{}/audio"), ("GET", "/voice/{}/original"), ("GET", "/api/v1/voice/{}"),
         ("GET", "/api/v1/voice/{}/moment"), ("GET", "/api/v1/speech")}
# Quality, surveys and agents: walked per role, supervisors and agents included, in test_web_quality.py
# (it needs QA scores, surveys and teams).
QUALITY = {("GET", "/qa"), ("GET", "/surveys"), ("GET", "/agents"), ("GET", "/agents/{}"), ("GET", "/api/v1/qa"),
           ("GET", "/api/v1/qa/calibration"), ("GET", "/api/v1/interactions/{}/qa"), ("GET", "/api/v1/agents"),
           ("GET", "/api/v1/agents/{}"), ("GET", "/api/v1/surveys"), ("GET", "/api/v1/surveys/drivers"),
           ("GET", "/api/v1/surveys/verbatims"), ("GET", "/api/v1/surveys/detractors"), ("GET", "/api/v1/surveys/model")}
#: A forecast's and a schedule's routes: this store has none (they answer 400); tests/test_wfm_web.py
#: walks their access per role on a store that has.
PLANNING_ROUTES = {("GET", "/api/v1/planning"), ("GET", "/planning/shifts.csv"), ("GET", "/planning/roster.csv")}
# Load data: admins only; the ids in these paths come from an upload, so tests/test_web_load.py walks them.
# Taking an assessment writes a snapshot: who may is walked per role in tests/test_assess_web.py.
ASSESS_WRITES = {("POST", "/assess")}
# Deciding on a competitor name: walked per role in tests/test_web_competitors.py (it needs proposed names).
COMPETITOR_WRITES = {("POST", "/competitors")}
ADMIN_ONLY = {("POST", "/load"), ("GET", "/load/{}"), ("POST", "/load/{}/preview"), ("POST", "/load/{}/start"),
              ("GET", "/load/jobs/{}")}


def _client(site, role: str | None) -> httpx.Client:
    c = httpx.Client(base_url=site["url"], follow_redirects=False, timeout=30)
    if role:
        r = login(c, ROLE_USER[role])
        assert r.status_code == 303, r.text
    return c


def _fill(site, template: str) -> str:
    return template.format(ins_own=site["by_department"]["cards"][1], ins_other=site["by_department"]["payments"][0],
                           ix_own="webtest:pii0", ix_other="webtest:pii1")


def _call(c: httpx.Client, method: str, path: str) -> httpx.Response:
    from earful.metrics.definitions import DEFAULT_YAML

    if method == "GET":
        return c.get(path)
    if path.endswith("/service/definitions"):
        return c.put(path, content=DEFAULT_YAML, headers={"content-type": "text/plain"})
    if path == "/settings/service":
        return c.post(path, data={"text": DEFAULT_YAML})
    if path.startswith("/api/"):
        return c.post(path, json={"action": "acknowledge", "text": "seen", "owner": "Carla"})
    return c.post(path, data={"action": "acknowledge", "text": "seen", "owner": "Carla"})


def test_every_route_is_in_the_policy(site):
    """No route can be added without saying who may use it (the matrix below walks them all)."""
    from earful.web import create_app

    app = create_app(site["db"].parent / "other.duckdb")
    seen = set()

    def walk(routes):  # included routers may be kept as one entry that holds their routes
        for r in routes:
            inner = getattr(r, "original_router", None)
            yield from walk(inner.routes) if inner is not None else [r]

    for route in walk(app.routes):
        for method in sorted(getattr(route, "methods", None) or ()):
            if method == "HEAD":
                continue
            path = re.sub(r"\{[^}]+\}", "{}", route.path)
            seen.add((method, path))
    assert ("GET", "/api/v1/metrics") in seen and ("GET", "/contacts") in seen
    app.state.earful.con.close()
    declared = ({(m, re.sub(r"\{[^}]+\}", "{}", p.split("?")[0])) for m, p in POLICY}
                | PUBLIC | ADMIN_WRITES | VOICE | ADMIN_ONLY | ASSESS_WRITES | PLANNING_ROUTES | QUALITY
                | COMPETITOR_WRITES)
    seen.discard(("GET", "/static"))
    missing = {s for s in seen if s not in declared and not s[1].startswith("/static")}
    assert not missing, f"routes without an access rule in the test policy: {sorted(missing)}"


@pytest.mark.parametrize("role", ROLES)
def test_role_route_matrix(site, role):
    """Every route as every role: allowed gives 2xx/303, forbidden 403, and the body says why."""
    c = _client(site, role)
    failures = []
    for (method, template), roles in POLICY.items():
        r = _call(c, method, _fill(site, template))
        # a lifecycle move the ledger refuses (already acknowledged by another role) passed the access check
        refused_move = method == "POST" and r.status_code == 400 and "cannot move" in r.text
        ok = r.status_code in (200, 303) or refused_move
        if (role in roles) != ok or (not ok and r.status_code != 403):
            failures.append(f"{role} {method} {template}: {r.status_code}")
        if template.startswith("/api/") and not ok:
            assert set(r.json()) == {"error"} and set(r.json()["error"]) == {"code", "message"}
    assert not failures, failures


def test_anonymous_is_sent_to_login(site):
    c = _client(site, None)
    for (method, template) in POLICY:
        r = _call(c, method, _fill(site, template))
        if template.startswith("/api/"):
            assert r.status_code == 401, template
            assert r.json()["error"]["code"] == "unauthorized"
        else:
            assert r.status_code == 303 and r.headers["location"].startswith("/login"), template
    assert c.get("/login").status_code == 200


def test_login_cookie_flags_and_logout(site):
    c = httpx.Client(base_url=site["url"], follow_redirects=False, timeout=60)
    bad = login(c, "ada", "wrong password!")
    assert bad.status_code == 401 and "set-cookie" not in bad.headers
    assert login(c, "nobody", PASSWORD).status_code == 401
    r = login(c, "ada")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    secret = c.cookies.get("earful_session")
    assert c.get("/api/v1/me").json()["role"] == "admin"
    c.post("/logout")
    stale = httpx.Client(base_url=site["url"], cookies={"earful_session": secret}, timeout=60)
    assert stale.get("/api/v1/me").status_code == 401, "a session must end at logout"


def test_no_open_redirect_and_no_cross_site_writes(site):
    c = httpx.Client(base_url=site["url"], follow_redirects=False, headers={"origin": site["url"]}, timeout=60)
    r = c.post("/login", data={"username": "ada", "password": PASSWORD, "next": "//evil.example/x"})
    assert r.headers["location"] == "/"
    ins = site["by_department"]["cards"][0]
    r = c.post(f"/insights/{ins}/act", data={"action": "acknowledge"}, headers={"origin": "http://evil.example"})
    assert r.status_code == 403


def test_department_sees_only_redacted_text_of_its_own(site):
    c = _client(site, "department")
    items = c.get("/api/v1/insights?limit=100").json()["items"]
    assert items and {i["department"] for i in items} == {"cards"}
    own = site["by_department"]["cards"][1]
    page = c.get(f"/insights/{own}").text + c.get(f"/api/v1/insights/{own}").text
    page += c.get("/interactions/webtest:pii0").text + c.get("/api/v1/interactions/webtest:pii0").text
    assert PII_EMAIL not in page and PII_CARD not in page
    assert "[EMAIL]" in page
    # the admin can ask for the original words
    a = _client(site, "admin")
    assert PII_EMAIL in a.get("/api/v1/interactions/webtest:pii0?raw=true").text


def test_api_token_and_cli(site, tmp_path):
    from typer.testing import CliRunner

    from earful.cli import app

    db = tmp_path / "cli.duckdb"
    runner = CliRunner()
    r = runner.invoke(app, ["users", "add", "bob", "--role", "department", "--password", PASSWORD, "--db", str(db)])
    assert r.exit_code == 2 and "department" in r.output  # a department user needs its department
    r = runner.invoke(app, ["users", "add", "bob", "--role", "analyst", "--password", PASSWORD, "--db", str(db)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["token", "create", "bob", "--db", str(db)])
    assert r.exit_code == 0, r.output
    token = r.output.strip().splitlines()[-1]
    assert token.startswith("ef_")
    from earful.web.auth import user_for_token
    from earful.store import connect

    con = connect(db)
    assert user_for_token(con, token).role == "analyst"
    assert user_for_token(con, token + "x") is None
    assert con.execute("SELECT count(*) FROM web_tokens WHERE token_sha256 = ?", [token]).fetchone()[0] == 0
    assert con.execute("SELECT password_hash FROM web_users").fetchone()[0].startswith("$argon2id$")
    con.close()
    r = runner.invoke(app, ["token", "create", "ghost", "--db", str(db)])
    assert r.exit_code == 2 and "ghost" in r.output
    # a token made by the CLI on the live store is a Bearer credential for the API, with the user's role
    r = runner.invoke(app, ["token", "create", ROLE_USER["executive"], "--db", str(site["db"])])
    assert r.exit_code == 0, r.output
    live = r.output.strip().splitlines()[-1]
    srv = site["url"]
    me = httpx.get(f"{srv}/api/v1/me", headers={"authorization": f"Bearer {live}"})
    assert me.status_code == 200 and me.json()["role"] == "executive"
    assert httpx.get(f"{srv}/api/v1/metrics", headers={"authorization": f"Bearer {live}"}).status_code == 403
    bad = httpx.get(f"{srv}/api/v1/me", headers={"authorization": "Bearer ef_nonsense"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "unauthorized"


def test_overview_agrees_with_metrics_and_the_store(site):
    c = _client(site, "analyst")
    ov = c.get("/api/v1/overview").json()
    rows = c.get("/api/v1/metrics", params={"by": "queue", "start": ov["start"], "end": ov["end"]}).json()["items"]
    assert sum(r["offered"] for r in rows) == ov["totals"]["offered"]
    assert sum(d["offered"] for d in ov["daily"]) == ov["totals"]["offered"]
    assert 0 <= ov["totals"]["service_level"] <= 1 and 0 <= ov["totals"]["abandon_rate"] <= 1
    t = ov["totals"]
    assert t["answered"] + t["abandoned"] <= t["offered"]
    assert t["short_abandoned"] <= t["abandoned"]


def test_metrics_csv_export_matches_json(site):
    c = _client(site, "analyst")
    body = c.get("/metrics.csv", params={"by": ["queue", "channel"]})
    assert body.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body.text)))
    j = c.get("/api/v1/metrics", params={"by": ["queue", "channel"], "limit": 1000}).json()
    assert len(rows) == j["total"] > 3
    assert {r["queue"] for r in rows} == {r["queue"] or "" for r in j["items"]}


def test_pagination_walks_without_repeats(site):
    c = _client(site, "analyst")
    seen, offset, pages = [], 0, 0
    while offset is not None and pages < 4:
        p = c.get("/api/v1/interactions", params={"limit": 25, "offset": offset}).json()
        assert len(p["items"]) <= 25
        seen += [i["id"] for i in p["items"]]
        offset, pages = p["next_offset"], pages + 1
    assert len(seen) == len(set(seen)) == 100
    assert p["total"] > 10_000  # BANKING77 chats and ABCD dialogues have words


def test_staffing_grows_with_the_target_and_rejects_nonsense(site):
    c = _client(site, "executive")
    body = c.get("/api/v1/staffing", params={"calls": 120, "aht_s": 240, "target": [0.6, 0.7, 0.8, 0.9, 0.95]}).json()
    agents = [r["agents"] for r in body["items"]]
    assert agents == sorted(agents) and agents[-1] > agents[0]
    assert all(r["service_level"] >= r["target_sl"] for r in body["items"])
    assert all(r["occupancy"] < 1 for r in body["items"])
    # 120 calls x 240 s in 30 min = 16 erlangs: at least 17 agents for any target
    assert agents[0] >= 17
    for bad in ({"calls": -1}, {"aht_s": 0}, {"target": 1.5}, {"interval_s": "x"}, {"calls": 1e6, "aht_s": 86400}):
        r = c.get("/api/v1/staffing", params=bad)
        assert 400 <= r.status_code < 500, (bad, r.status_code)
        assert set(r.json()["error"]) == {"code", "message"}


def test_lifecycle_acknowledge_via_api_shows_in_ledger(site):
    c = _client(site, "department")
    own = site["by_department"]["cards"][0]
    r = c.post(f"/api/v1/insights/{own}/actions", json={"action": "acknowledge"})
    assert r.status_code == 200 and r.json()["state"] == "acknowledged"
    r = c.post(f"/api/v1/insights/{own}/actions", json={"action": "teleport"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input"
    r = c.post(f"/api/v1/insights/{own}/actions", json={"action": "confirm", "amount": "10"})
    assert r.status_code == 400 and "actioned" in r.json()["error"]["message"]  # not actioned yet
    r = c.post(f"/api/v1/insights/{own}/actions", json={"action": "share"})
    assert r.status_code == 400  # sharing is the centre's move
    assert c.post(f"/api/v1/insights/{own}/actions", json={"action": "action"}).json()["state"] == "actioned"
    r = c.post(f"/api/v1/insights/{own}/actions", json={"action": "confirm", "amount": "1250.50"})
    assert r.status_code == 200 and r.json()["state"] == "value_confirmed"
    led = c.get("/api/v1/ledger").json()
    assert [d["department"] for d in led["departments"]] == ["cards"]
    row = led["departments"][0]
    assert row["value_confirmed"] == 1 and float(row["confirmed"]) == 1250.50
    moves = [(x["from_state"], x["to_state"]) for x in led["recent"] if x["insight_id"] == own][::-1]
    assert moves == [(None, "new"), ("new", "shared"), ("shared", "acknowledged"), ("acknowledged", "actioned"),
                     ("actioned", "value_confirmed")]
    # a dismissal needs a reason, and an unknown insight is a 404
    other = site["by_department"]["digital"][0]
    a = _client(site, "analyst")
    r = a.post(f"/api/v1/insights/{other}/actions", json={"action": "dismiss"})
    assert r.status_code == 400 and "reason" in r.json()["error"]["message"]
    r = a.post(f"/api/v1/insights/{other}/actions", json={"action": "dismiss", "note": "known, fixed in release 4.2"})
    assert r.json()["state"] == "dismissed"
    assert c.get("/api/v1/insights/nope").status_code == 404


def test_pages_are_self_contained(site):
    """No script, style or font from another host: everything the page loads is served by the app."""
    c = _client(site, "admin")
    for path in ("/", "/metrics", "/staffing", "/reasons", "/insights", "/interactions", "/ledger", "/users"):
        html = c.get(path).text
        for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert not re.match(r"^(https?:)?//", ref), f"{path} loads {ref}"
        assert "content-security-policy" in c.get(path).headers
    assert c.get("/static/earful.js").status_code == 200
    # the charts' library is bundled (Apache ECharts, unmodified) and every page with a chart loads it from here
    lib = c.get("/static/vendor/echarts.min.js")
    assert lib.status_code == 200 and "javascript" in lib.headers["content-type"] and "Apache" in lib.text[:400]
    assert '<script src="/static/vendor/echarts.min.js" defer>' in c.get("/").text
    spec = c.get("/api/v1/openapi.json").json()
    assert "/api/v1/insights/{insight_id}/actions" in spec["paths"]
    assert not any(p.startswith("/insights") for p in spec["paths"])


def test_chart_option_is_escaped_for_its_attribute():
    """A label with quotes and markup reaches the page only as JSON inside data-chart='...'."""
    import json
    from html import unescape

    from earful.web import _charts
    from earful.web.app import templates

    evil = "x' onmouseover='alert(1)' <script>alert(2)</script> & \""
    macro = templates.env.from_string('{% from "_chart.html" import chart %}{{ chart(c) }}')
    html = macro.render(c=_charts.bars([evil, "b"], [3, 1], x_name="contacts", label="contacts by reason"))
    assert "<script>" not in html and "onmouseover='" not in html
    attr = html.split("data-chart='", 1)[1].split("'", 1)[0]
    option = json.loads(unescape(attr))
    assert option["yAxis"]["data"][0] == evil and option["series"][0]["data"] == [3.0, 1.0]
    assert "<noscript>" in html and "&lt;script&gt;" in html  # the fallback table, escaped
    # no data, no chart; a sparkline with no data says nothing at all
    assert "No data" in macro.render(c=_charts.line([], {"a": []}, y_name="contacts"))
    assert macro.render(c=_charts.spark([None, 1], name="x")).strip() == ""
