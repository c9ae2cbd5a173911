"""The dashboard in a real headless Chromium (Playwright): sign in, open every page, move the
what-if slider, acknowledge an insight as a department user, and be refused another's."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect
from _web import CHROMIUM, PII_EMAIL, ROLE_USER, browser, sign_in_page, site, submit_login, web_store  # noqa: F401

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
DOCS_IMG = Path(__file__).resolve().parents[1] / "docs" / "img"


def _sign_in(browser, site, name: str):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(site["url"]) else None)
    page.goto(site["url"] + "/")
    assert "/login" in page.url
    submit_login(page, site["url"], name)
    return ctx, page, errors, outside


def test_every_page_as_admin(browser, site, tmp_path):
    ctx, page, errors, outside = _sign_in(browser, site, ROLE_USER["admin"])
    shots = {}
    for path, must_see in [("/", "Service level"), ("/metrics?by=queue", "Export CSV"), ("/staffing", "Agents needed"),
                           ("/reasons", "Contact reasons"), ("/insights", "Insights"), ("/interactions", "Interaction reader"),
                           ("/interactions/webtest:pii0", "customer"), ("/ledger", "Ledger"), ("/users", "Users")]:
        resp = page.goto(site["url"] + path)
        assert resp.status == 200, path
        assert page.get_by_text(must_see).first.is_visible(), (path, must_see)
        name = path.strip("/").split("?")[0].replace("/", "_").replace(":", "_") or "overview"
        shots[name] = tmp_path / f"{name}.png"
        page.screenshot(path=str(shots[name]), full_page=True)
    # the overview shows six headline figures with their trend lines, drawn by ECharts as SVG
    page.goto(site["url"] + "/")
    assert page.locator(".kpi").count() == 6 and page.locator(".kpi div.chart.spark svg path").count() >= 4
    # CSV export downloads
    page.goto(site["url"] + "/metrics?by=queue")
    with page.expect_download() as dl:
        page.click("text=Export CSV")
    assert Path(dl.value.path()).read_text().startswith("queue,")
    assert not errors, errors
    assert not outside, f"requests left the server: {outside[:3]}"
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    for name in ("overview", "staffing", "reasons", "interactions_webtest_pii0"):  # the inbox: test_web_insights
        shutil.copy(shots[name], DOCS_IMG / f"web-{name.split('_')[0]}.png")
    ctx.close()


def _charts_drawn(page) -> int:
    """Wait for every chart div on the page to hold an ECharts SVG with drawn paths; how many."""
    page.wait_for_load_state("load")
    charts = page.locator("div.chart[data-chart]")
    n = charts.count()
    for i in range(n):
        el = charts.nth(i)
        expect(el).to_have_attribute("data-drawn", "1")
        expect(el.locator("svg").first).to_be_attached()
        assert el.locator("svg path").count() >= 1, (page.url, i)
        box = el.bounding_box()
        assert box and box["width"] > 20 and box["height"] > 20, (page.url, i, box)
    return n


def test_every_chart_is_drawn(browser, site, tmp_path):
    ctx, page, errors, outside = _sign_in(browser, site, ROLE_USER["admin"])
    insight = site["by_department"]["cards"][0]
    for path, at_least in [("/", 6), ("/metrics?by=day", 1), ("/metrics?by=interval60", 1), ("/staffing", 1),
                           ("/reasons", 2), (f"/insights/{insight}", 1)]:
        resp = page.goto(site["url"] + path)
        assert resp.status == 200, path
        assert _charts_drawn(page) >= at_least, path
        name = re.sub(r"[^a-z0-9]+", "_", path.strip("/")) or "overview"
        page.screenshot(path=str(tmp_path / f"chart-{name}.png"), full_page=True)
    # the script is ours: no page loads anything from elsewhere, and nothing is written to the console
    assert page.evaluate("typeof echarts.init") == "function"
    # tooltips: hovering the daily chart shows a tooltip with the day and the counts
    page.goto(site["url"] + "/")
    _charts_drawn(page)
    big = page.locator("section.card div.chart[aria-label^='contacts offered']")
    box = big.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(big).to_contain_text("offered")
    assert not errors, errors
    assert not outside, f"requests left the server: {outside[:3]}"
    ctx.close()


def test_charts_fall_back_without_script(browser, site):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    page = ctx.new_page()
    sign_in_page(page, site["url"], ROLE_USER["admin"])
    assert page.locator("div.chart svg").count() == 0
    assert page.locator("table.fallback tbody tr").count() >= 2  # the daily numbers, as a table
    page.goto(site["url"] + "/staffing")
    assert page.locator("#whatif-table tbody tr").count() == 10
    ctx.close()


def test_what_if_slider_moves_agents(browser, site, tmp_path):
    ctx, page, errors, _ = _sign_in(browser, site, ROLE_USER["executive"])
    page.goto(site["url"] + "/staffing?calls=200&aht_s=240")
    agents = lambda: int(page.locator("#agents").inner_text().replace(",", ""))  # noqa: E731
    start = agents()
    slider = page.locator("#target")
    form = page.locator("#whatif")
    chart = page.locator("#whatif-chart")
    _charts_drawn(page)
    before = chart.locator("svg").inner_html()
    slider.fill("0.95")  # sets the value and fires input; the page asks the API
    expect(form).to_have_attribute("data-agents", re.compile(r"^\d+$"))
    high = agents()
    slider.fill("0.6")
    expect(form).not_to_have_attribute("data-agents", str(high))
    low = agents()
    assert low < start < high, (low, start, high)
    assert page.locator("#target-out").inner_text() == "60%"
    # the chart's marked target moved with the slider: the point and its line were redrawn
    expect(chart).to_have_attribute("data-target", "60.0")
    assert chart.locator("svg").inner_html() != before
    target = page.evaluate("""() => echarts.getInstanceByDom(document.getElementById('whatif-chart'))
                                  .getOption().series.find(s => s.id === 'target').data[0]""")
    assert target == [60, low], target
    occ = float(page.locator("#occupancy").inner_text().rstrip("%"))
    assert 0 < occ < 100
    page.screenshot(path=str(tmp_path / "staffing-slider.png"), full_page=True)
    assert not errors, errors
    ctx.close()


def test_department_acknowledges_and_is_refused_another(browser, site, tmp_path):
    ctx, page, errors, _ = _sign_in(browser, site, ROLE_USER["department"])
    own = site["by_department"]["cards"][1]
    other = site["by_department"]["payments"][0]
    page.goto(site["url"] + "/insights")
    cards = page.locator("li.insight")
    assert cards.count() == len(site["by_department"]["cards"])
    page.goto(site["url"] + f"/insights/{own}")
    assert page.locator("#state").inner_text() == "new"
    assert PII_EMAIL not in page.content() and "[EMAIL]" in page.content()
    page.click("button[value=acknowledge]")
    page.wait_for_load_state()
    assert page.locator("#state").inner_text() == "acknowledged"
    page.screenshot(path=str(tmp_path / "department-ack.png"), full_page=True)
    resp = page.goto(site["url"] + f"/insights/{other}")
    assert resp.status == 403
    assert "another department" in page.content()
    page.screenshot(path=str(tmp_path / "department-refused.png"), full_page=True)
    assert page.locator("nav a", has_text="Metrics").count() == 0
    ctx.close()
