"""The planning page in a real headless Chromium and its API: the bank's week-4 forecast with its
range, the requirement and the schedule's coverage and simulated service level, a what-if that
moves them, the CSV exports, and who may see it."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import httpx
import pytest
from _web import PASSWORD, browser, login, serve, sign_in_page  # noqa: F401 (browser: a fixture)
from _wfm import bank_store  # noqa: F401
from playwright.sync_api import expect

DOCS_IMG = Path(__file__).resolve().parents[1] / "docs" / "img"


@pytest.fixture(scope="module")
def plan_site(tmp_path_factory, bank_store):
    from earful.store import connect
    from earful.web.auth import add_user
    from earful.wfm.plan import PlanConfig, forecast_run, schedule_run

    db = tmp_path_factory.mktemp("wfm-web") / "earful.duckdb"
    shutil.copy(bank_store, db)
    con = connect(db)
    forecast_run(con, PlanConfig(), queues=["NW", "PS"], history_end=date(2010, 8, 22))
    schedule_run(con, PlanConfig(), queue="NW", replications=3, rounds=1, check_replications=4)
    for name, role, dept in (("ada", "admin", None), ("eve", "executive", None), ("carla", "department", "cards")):
        add_user(con, name, PASSWORD, role, dept)
    con.close()
    with serve(db) as url:
        yield url


def test_api_and_access(plan_site):
    routes = ("/planning", "/api/v1/planning", "/planning/shifts.csv", "/planning/roster.csv")
    for name, allowed in (("ada", True), ("eve", True), ("carla", False)):
        with httpx.Client(base_url=plan_site) as c:
            login(c, name)
            assert [c.get(r).status_code for r in routes] == [200 if allowed else 403] * 4, name
    with httpx.Client(base_url=plan_site) as c:
        assert c.get("/api/v1/planning").status_code == 401
        login(c, "carla")
        assert c.get("/api/v1/planning").status_code == 403
        assert c.get("/planning").status_code == 403
    with httpx.Client(base_url=plan_site) as c:
        login(c, "eve")
        base = c.get("/api/v1/planning", params={"queue": "NW"}).json()
        assert base["queue"] == "NW" and base["schedule"]["agents"] > 5
        more = c.get("/api/v1/planning", params={"queue": "NW", "volume_pct": 20, "intervals": True}).json()
        assert more["whatif_volume"] == pytest.approx(1.2 * base["volume"])
        assert more["whatif_position_hours"] > base["position_hours"]
        assert more["schedule"]["whatif_service_level"] < base["schedule"]["service_level"]
        assert len(more["intervals"]) == 7 * 48 and more["intervals"][20]["scheduled"] is not None
        r = c.get("/api/v1/planning", params={"volume_pct": 1000})
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input"
        r = c.get("/api/v1/planning", params={"queue": "nope"})
        assert r.status_code == 400 and "no queue" in r.json()["error"]["message"]
        roster = c.get("/planning/roster.csv").text.splitlines()
        assert roster[0].startswith("agent,") and len(roster) == base["schedule"]["agents"] + 1


def test_planning_page_in_a_browser(browser, plan_site, tmp_path):
    page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in_page(page, plan_site, "ada")
    page.click("nav >> text=Planning")
    page.select_option("select[name=queue]", "NW")
    page.click("text=What if")
    page.wait_for_url(re.compile(r".*/planning\?queue=NW.*"))
    charts = page.locator("div.chart[data-chart]")
    expect(charts).to_have_count(3)
    for i in range(3):
        expect(charts.nth(i)).to_have_attribute("data-drawn", "1")
        assert charts.nth(i).locator("svg path").count() >= 1
    peak = int(page.locator("#peak").inner_text())
    assert "agents" in page.locator("#agents").inner_text()
    page.screenshot(path=str(tmp_path / "planning.png"), full_page=True)
    page.fill("input[name=volume_pct]", "25")
    page.click("text=What if")
    page.wait_for_url(re.compile(r".*volume_pct=25.*"))
    expect(page.locator("#positions-chart")).to_have_attribute("data-drawn", "1")
    assert int(page.locator("#peak").inner_text()) > peak
    assert "what-if required" in page.locator("#positions-chart").get_attribute("data-chart")
    assert page.get_by_text("forecast", exact=False).first.is_visible()
    with page.expect_download() as dl:
        page.click("text=Shifts (CSV)")
    assert Path(dl.value.path()).read_text().startswith("agent,pattern,day")
    page.screenshot(path=str(tmp_path / "planning-whatif.png"), full_page=True)
    assert not errors, errors
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "planning-whatif.png", DOCS_IMG / "web-planning.png")
