"""The assessment page on a real server: who may see it and take a snapshot, the JSON API, and the
page in a real headless Chromium (charts drawn, answers taken in the form, what moved)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx
import pytest
from _web import PASSWORD, USERS, browser, login, serve, sign_in_page  # noqa: F401 (browser: a fixture)

from earful.store import connect


@pytest.fixture(scope="module")
def centre(tmp_path_factory) -> Path:
    """Two weeks of the simulated bank, loaded, with one user per role."""
    from earful.ingest import ingest_file
    from earful.sim import simulate, write_simulation
    from earful.web.auth import add_user

    folder = tmp_path_factory.mktemp("assess-web")
    write_simulation(simulate(days=14, seed=11, start=date(2025, 8, 1), scale=0.2), folder / "sim")
    con = connect(folder / "earful.duckdb")
    ingest_file(con, folder / "sim" / "interactions.jsonl", "earful")
    for name, (role, dept) in USERS.items():
        add_user(con, name, PASSWORD, role, dept)
    con.close()
    return folder / "earful.duckdb"


def test_roles_and_the_api(centre, tmp_path):
    import shutil

    db = tmp_path / "earful.duckdb"
    shutil.copy(centre, db)
    with serve(db) as url:
        with httpx.Client(base_url=url) as anon:
            assert anon.get("/api/v1/assessment").status_code == 401
            assert anon.get("/assess", follow_redirects=False).status_code in (302, 303)
        for name, (role, _) in USERS.items():
            with httpx.Client(base_url=url, follow_redirects=False, headers={"origin": url}) as web:
                login(web, name)
                page = web.get("/assess")
                if role == "department":
                    assert page.status_code == 403
                    assert web.get("/api/v1/assessment").status_code == 403
                    continue
                assert page.status_code == 200 and "Strategic assessment" in page.text
                assert ('href="/assess"' in web.get("/").text)
                taken = web.post("/assess", data={})
                assert taken.status_code == (303 if role in ("admin", "analyst") else 403), role
        with httpx.Client(base_url=url) as web:
            login(web, "eve")
            body = web.get("/api/v1/assessment").json()
            assert body["snapshot"] == 2  # the admin's and the analyst's
            assert [d["key"] for d in body["assessment"]["dimensions"]] == [
                "operations", "loyalty", "learning", "partnership", "enablers"]
            assert body["moved"]["comparable"] and body["moved"]["practices"] == []


def test_the_page_in_a_browser(browser, centre, tmp_path):
    import shutil

    from playwright.sync_api import expect

    db = tmp_path / "earful.duckdb"
    shutil.copy(centre, db)
    with serve(db) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        sign_in_page(page, url, "ana", next_path="/assess")
        expect(page.get_by_text("No assessment taken yet")).to_be_visible()
        page.click("button:has-text(\"Take an assessment\")")
        page.wait_for_url(url + "/assess")
        expect(page.locator("#assess-levels .kpi")).to_have_count(6)
        # the dimension chart and one per dimension, each drawn by ECharts as SVG
        charts = page.locator("div.chart[data-chart]")
        assert charts.count() == 6
        for i in range(charts.count()):
            expect(charts.nth(i)).to_have_attribute("data-drawn", "1")
            assert charts.nth(i).locator("svg path").count() >= 1
        expect(page.locator("#recommendations li").first).to_contain_text("First step: earful ")
        # the director answers one open question in the form; the next snapshot says what moved
        page.select_option("select[name=answer_planning]", "4")
        page.click("button:has-text(\"Take a new snapshot\")")
        page.wait_for_url(url + "/assess")
        expect(page.locator("#moved")).to_contain_text("Forecasting and schedule fit: level — → 4")
        expect(page.locator("#moved")).to_contain_text("now self-reported")
        expect(page.locator("#dim-operations")).to_contain_text("self-reported")
        page.screenshot(path=str(tmp_path / "assess.png"), full_page=True)
        assert not errors, errors
