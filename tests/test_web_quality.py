"""Quality, agents and surveys on the dashboard and the API, served for real on loopback: who may see what,
the pages showing the API's own figures, and the pages in headless Chromium."""

from __future__ import annotations

import re
import shutil
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from _quality import PASSWORD, TEAM_1, copy_store, quality_store  # noqa: F401
from _web import browser, login, serve, sign_in_page  # noqa: F401 (browser: a fixture)

DOCS_IMG = Path(__file__).resolve().parents[1] / "docs" / "img"


@pytest.fixture(scope="module")
def site(quality_store, tmp_path_factory):
    db = copy_store(quality_store, tmp_path_factory.mktemp("web-quality"))
    with serve(db) as url:
        yield url


@contextmanager
def _client(site: str, name: str):
    """A httpx client signed in as ``name`` (redirects are not followed, so they can be checked)."""
    with httpx.Client(base_url=site, follow_redirects=False, timeout=60) as c:
        assert login(c, name, PASSWORD).status_code == 303
        yield c


ACCESS = {  # user: {path: status}
    "ana": {"/qa": 200, "/surveys": 200, "/agents/A007": 200, "/api/v1/qa/calibration": 404},
    "eve": {"/qa": 200, "/surveys": 200, "/agents": 403, "/api/v1/surveys/detractors": 403},
    "carla": {"/qa": 403, "/surveys": 403, "/api/v1/agents": 403},
    "sue": {"/qa": 200, "/agents/A007": 200, "/agents/A020": 403, "/surveys": 403},
    "al": {"/": 303, "/agents": 303, "/agents/A007": 200, "/agents/A001": 403, "/qa": 403,
           "/api/v1/agents/A001": 403, "/interactions": 403},
}


def test_who_may_see_what(site):
    for user, paths in ACCESS.items():
        with _client(site, user) as c:
            got = {p: c.get(p).status_code for p in paths}
        assert got == paths, user


def test_an_agent_lands_on_their_own_page_and_reads_only_their_own_words(site, quality_store):
    import duckdb

    con = duckdb.connect(str(quality_store["db"]), read_only=True)
    mine = con.execute("SELECT id FROM interactions WHERE agent_id = 'A007' LIMIT 1").fetchone()[0]
    other = con.execute("SELECT id FROM interactions WHERE agent_id = 'A001' LIMIT 1").fetchone()[0]
    con.close()
    with _client(site, "al") as c:
        assert c.get("/").headers["location"] == "/agents"
        assert c.get("/agents").headers["location"] == "/agents/A007"
        assert c.get(f"/interactions/{mine}").status_code == 200
        assert c.get(f"/api/v1/interactions/{mine}/qa").status_code == 200
        assert c.get(f"/interactions/{other}").status_code == 403
        assert c.get(f"/interactions/{mine}?raw=1").status_code == 403
    with _client(site, "sue") as c:  # a supervisor's list is their team
        agents = {r["agent"] for r in c.get("/api/v1/agents").json()["items"]}
        assert agents and agents <= set(TEAM_1)
        groups = {r["group"] for r in c.get("/api/v1/qa?by=agent").json()["rows"]}
        assert groups <= set(TEAM_1)


def test_the_pages_show_the_apis_figures(site):
    with _client(site, "ada") as c:
        qa = c.get("/api/v1/qa?by=agent").json()
        page = c.get("/qa?by=agent").text
        a007 = next(r for r in qa["rows"] if r["group"] == "A007")
        assert f"{a007['score']:,.1f}" in page and f"{a007['scored']:,}" in page
        rep = c.get("/api/v1/agents/A007").json()
        page = c.get("/agents/A007").text
        assert "courtesy" in rep["weak_items"] and f"{rep['measures']['csat']['agent']['value']:,.2f}" in page
        ex = next(it for it in rep["items"] if it["item"] == "courtesy")["coaching"][0]
        assert f"/interactions/{quote(ex['interaction_id'])}#turn-{ex['evidence_seq']}" in page
        s = c.get("/api/v1/surveys?by=channel").json()
        page = c.get("/surveys?by=channel").text
        overall = s["overall"][0]
        assert f"{overall['csat']['value']:,.2f}" in page and f"{overall['not_responded']:,}" in page
        drivers = c.get("/api/v1/surveys/drivers").json()
        assert drivers["drivers"] and drivers["drivers"][0]["words"].replace("'", "&#39;") in page
        model = c.get("/api/v1/surveys/model").json()
        assert f"{model['auc']:,.3f}" in page
        d = c.get("/api/v1/surveys/detractors?limit=5").json()
        assert d["total"] > 0 and len(d["items"]) == 5
        card = c.get(f"/api/v1/interactions/{ex['interaction_id']}/qa").json()
        assert next(i for i in card["items"] if i["item"] == "courtesy")["verdict"] == "fail"
        spec = c.get("/api/v1/openapi.json").json()["paths"]
        assert {"/api/v1/qa", "/api/v1/agents/{agent_id}", "/api/v1/surveys", "/api/v1/surveys/drivers"} <= set(spec)


def test_the_pages_in_chromium(browser, site, tmp_path):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(90_000)  # the shared test machine can be slow; nothing here waits for time to pass
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in_page(page, site, "ana")
    shots = {}
    for path, must in (("/qa", "Items failing most"), ("/surveys", "What moves CSAT"), ("/agents", "QA score by agent"),
                       ("/agents/A007", "Coaching list")):
        assert page.goto(site + path).status == 200
        assert page.get_by_text(must).first.is_visible(), path
        page.wait_for_function("[...document.querySelectorAll('div.chart[data-chart]')]"
                               ".every(d => d.querySelector('svg path'))", timeout=20_000)
        shots[path] = tmp_path / f"{path.strip('/').replace('/', '-')}.png"
        page.screenshot(path=str(shots[path]), full_page=True)
    # the coaching list opens the interaction at the turn that failed, and the scorecard names it
    page.goto(site + "/agents/A007")
    link = page.locator("#coaching a").first
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url(re.compile(r".*/interactions/.*#turn-\d+"))
    seq = href.split("#turn-")[1]
    assert page.locator(f"#turn-{seq}").is_visible()
    row = page.locator("tr[data-item=courtesy]")
    assert "failed" in row.inner_text() and row.locator(f"a[href='#turn-{seq}']").count() == 1
    assert not errors, errors
    ctx.close()
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    for path, name in (("/qa", "web-quality.png"), ("/surveys", "web-surveys.png"), ("/agents/A007", "web-agent.png")):
        shutil.copy(shots[path], DOCS_IMG / name)
