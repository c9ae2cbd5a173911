"""The competitor review page in a real headless Chromium over a real server: an analyst sees the
names customers set against the centre with redacted quotes, confirms one and sees it counted; an
executive reads the list without buttons; a department user is refused."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from _web import CHROMIUM, PASSWORD, browser, login, serve, sign_in_page  # noqa: F401  (a fixture)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
DOCS_IMG = Path(__file__).resolve().parents[1] / "docs" / "img"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A generated month with customers moving their money to Northwind Bank (some giving a card
    number or e-mail in the same words), the name proposed for review; one user per role."""
    from _insights import write_month

    from earful.ingest import ingest_file
    from earful.insights.competitors import propose
    from earful.store import connect
    from earful.web.auth import add_user

    d = tmp_path_factory.mktemp("competitors-web")
    truth = write_month(d / "month.jsonl")
    db = d / "earful.duckdb"
    con = connect(db)
    ingest_file(con, d / "month.jsonl", "earful")
    assert [n.name for n in propose(con)] == ["Northwind Bank"]
    # the examples kept for the name start with the conversations whose customer also gave personal data
    ids = [r[0] for r in con.execute(
        "SELECT interaction_id FROM turns WHERE speaker = 'customer' AND text LIKE '%Northwind%' "
        "AND (text LIKE '%@example.com%' OR text LIKE '%card number%') ORDER BY interaction_id").fetchall()]
    assert ids
    con.execute("UPDATE competitor_names SET example_ids = ? WHERE name = 'Northwind Bank'", [json.dumps(ids[:3])])
    for name, role, dept in (("ada", "admin", None), ("ana", "analyst", None), ("eve", "executive", None), ("carla", "department", "cards")):
        add_user(con, name, PASSWORD, role, dept)
    con.close()
    with serve(db) as url:
        yield {"url": url, "pii": truth["pii"]}


def test_an_analyst_confirms_a_name_and_sees_it_counted(browser, site, tmp_path):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in_page(page, site["url"], "ana")
    page.click("nav >> text=Competitors")
    expect(page.locator("h1")).to_have_text("Competitors customers name")
    row = page.locator("#competitor-list tr[data-name='Northwind Bank']")
    expect(row).to_have_attribute("data-status", "proposed")
    expect(page.locator("#count-proposed")).to_have_text("1")
    expect(page.locator("#count-confirmed")).to_have_text("0")
    quotes = row.locator("blockquote")
    assert quotes.count() >= 1
    shown = " ".join(quotes.all_inner_texts())
    assert "Northwind Bank" in shown
    assert not any(p in shown for p in site["pii"]) and not re.search(r"[\w.]+@example\.com", shown), shown
    page.screenshot(path=str(tmp_path / "competitors.png"), full_page=True)
    row.get_by_role("button", name="Confirm").click()
    expect(page.locator("#done")).to_contain_text("Northwind Bank confirmed")
    expect(page.locator("#count-confirmed")).to_have_text("1")
    expect(page.locator("#count-proposed")).to_have_text("0")
    row = page.locator("#competitor-list tr[data-name='Northwind Bank']")
    expect(row).to_have_attribute("data-status", "confirmed")
    expect(row).to_contain_text("by ana")
    expect(row.get_by_role("button", name="Confirm")).to_have_count(0)
    assert not errors, errors
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "competitors.png", DOCS_IMG / "web-competitors.png")
    ctx.close()


def test_who_may_read_and_who_may_decide(site):
    import httpx

    with httpx.Client(base_url=site["url"]) as eve, httpx.Client(base_url=site["url"]) as carla, \
            httpx.Client(base_url=site["url"]) as ada, httpx.Client(base_url=site["url"]) as nobody:
        assert nobody.get("/api/v1/competitors").status_code == 401
        login(eve, "eve")
        page = eve.get("/competitors")
        assert page.status_code == 200 and "Northwind Bank" in page.text and 'action="/competitors"' not in page.text
        names = eve.get("/api/v1/competitors").json()["names"]
        assert [n["name"] for n in names] == ["Northwind Bank"] and names[0]["quotes"]
        r = eve.post("/competitors", data={"name": "Northwind Bank", "decision": "rejected"})
        assert r.status_code == 403
        login(carla, "carla")
        assert carla.get("/competitors").status_code == 403
        assert carla.get("/api/v1/competitors").status_code == 403
        assert carla.post("/competitors", data={"name": "Northwind Bank", "decision": "rejected"}).status_code == 403
        assert "/competitors" not in carla.get("/").text
        # an admin may decide too, also on a name nobody proposed (the centre's own product)
        login(ada, "ada")
        r = ada.post("/competitors", data={"name": "Northwind Savings Pot", "decision": "rejected"})
        assert r.status_code == 303 and "done=" in r.headers["location"]
        assert ada.post("/competitors", data={"name": "Northwind Bank", "decision": "maybe"}).status_code == 422
        listed = {n["name"]: n["status"] for n in ada.get("/api/v1/competitors").json()["names"]}
        assert listed["Northwind Savings Pot"] == "rejected"
