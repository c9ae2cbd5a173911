"""The framed overview in a real headless Chromium, over a simulated month with the example service
definitions: change the date range, read targets, the previous period and the change, follow a
figure to the contacts behind it and export them; an admin edits the definitions on the page."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from _service import sim_month  # noqa: F401  (a fixture)
from _web import CHROMIUM, browser, sign_in_page  # noqa: F401  (a fixture)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
DOCS_IMG = Path(__file__).resolve().parents[1] / "docs" / "img"


@pytest.fixture(scope="module")
def server(sim_month, tmp_path_factory):
    from _web import serve

    db = tmp_path_factory.mktemp("service-web") / "earful.duckdb"
    shutil.copy(sim_month[0], db)
    with serve(db) as url:
        yield url


def _page(browser, url: str, name: str):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in_page(page, url, name)
    return ctx, page, errors


def test_overview_date_range_targets_deltas_and_drill_down(browser, server, tmp_path):
    ctx, page, errors = _page(browser, server, "eve")
    # the default range is the last 28 days: the whole simulated month, with nothing before to compare with
    expect(page.locator("#period")).to_contain_text("no data for the 28 days before")
    page.fill("#range input[name=start]", "2025-08-15")
    page.fill("#range input[name=end]", "2025-08-28")
    page.click("#range button[type=submit]")
    page.wait_for_url("**/?start=2025-08-15&end=2025-08-28")
    expect(page.locator("#period")).to_contain_text("compared with 2025-08-01 to 2025-08-14")
    sl = page.locator("#kpi-service_level")
    expect(sl.locator(".target")).to_contain_text("target")
    expect(sl.locator(".prev")).to_contain_text("before")
    expect(sl.locator(".delta")).to_contain_text("pts")
    assert "rag-" in (sl.get_attribute("class") or "")
    # every channel against its own standard, with its own ASA
    rows = page.locator("#by-channel tbody tr")
    assert rows.count() == 5
    voice = page.locator("#by-channel tr[data-channel=voice]")
    expect(voice).to_contain_text("80 % within 20 s")
    expect(page.locator("#by-channel tr[data-channel=email]")).to_contain_text("90 % within 24 h (business hours)")
    # the service-level line is drawn with its target
    page.wait_for_function("document.querySelectorAll('div.chart[data-drawn]').length >= 8")
    page.screenshot(path=str(tmp_path / "overview-range.png"), full_page=True)
    shutil.copy(tmp_path / "overview-range.png", DOCS_IMG / "web-overview-service.png")
    # drill down: the voice contacts that missed their target, with the same dates
    voice.get_by_role("link", name="late").click()
    page.wait_for_url("**/contacts?**")
    assert "kind=late" in page.url and "start=2025-08-15" in page.url and "channel=voice" in page.url
    total = int(page.locator("#contacts-total").inner_text().split()[0].replace(",", ""))
    assert total > 0 and page.locator("#contacts tbody tr").count() == min(total, 50)
    for row in page.locator("#contacts tbody tr").all()[:10]:  # answered late, or hung up after waiting
        cells = row.locator("td")
        assert cells.nth(7).inner_text().startswith("no") or cells.nth(4).inner_text() == "abandoned"
    with page.expect_download() as dl:
        page.click("text=Export CSV")
    exported = list(csv.DictReader(io.StringIO(Path(dl.value.path()).read_text())))
    assert len(exported) == total and {r["channel"] for r in exported} == {"voice"}
    assert all(r["on_time"] == "false" or r["outcome"] == "abandoned" for r in exported)
    assert "customer_id" not in exported[0]
    page.screenshot(path=str(tmp_path / "contacts.png"), full_page=True)
    assert not errors, errors
    ctx.close()


def test_an_admin_edits_the_definitions_and_the_figures_follow(browser, server):
    ctx, page, errors = _page(browser, server, "ada")
    page.goto(server + "/?start=2025-08-15&end=2025-08-28")
    before = page.locator("#by-channel tr[data-channel=voice] td").nth(3).inner_text()
    page.goto(server + "/settings/service")
    text = page.locator("textarea[name=text]").input_value()
    page.fill("textarea[name=text]", text.replace("voice:  {target: 80%, within: 20s", "voice:  {target: 85%, within: 120s"))
    page.click("text=Check and save")
    expect(page.locator("#saved")).to_be_visible()
    expect(page.locator("#definitions")).to_contain_text("85 % within 120 s")
    page.goto(server + "/?start=2025-08-15&end=2025-08-28")
    voice = page.locator("#by-channel tr[data-channel=voice]")
    expect(voice).to_contain_text("85 % within 120 s")
    assert voice.locator("td").nth(3).inner_text() != before
    # a mistake is refused with its line, and nothing changes
    page.goto(server + "/settings/service")
    page.fill("textarea[name=text]", "channels:\n  voice: {target: 180%}\n")
    page.click("text=Check and save")
    expect(page.locator("#error")).to_contain_text("service definitions:2:")
    expect(page.locator("#definitions")).to_contain_text("85 % within 120 s")
    assert errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"], errors
    ctx.close()
