"""Insights as the centre and the departments work them, over a store the insight engine filled: the
inbox (one card per insight, by value, newest or confidence, searched), an insight in plain words with
its value, plan and comments, and no customer identifier for a department or an executive anywhere."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from _web import DEPT_USERS, browser, insight_site, login, sign_in_page  # noqa: F401

CUSTOMER_ID = re.compile(r"\bC\d{5}\b")   # the generated month's customer ids


def _client(site, name: str) -> httpx.Client:
    c = httpx.Client(base_url=site["url"], follow_redirects=False, timeout=60)
    assert login(c, name).status_code == 303
    return c


def test_departments_and_executives_never_see_customer_ids(insight_site):
    """Churn risk, competitor and testimonial insights (and every other) carry customer ids in their
    evidence for the centre; pages, API and briefing show none to a department or an executive."""
    site = insight_site
    assert site["customers"], "the month should have named customers at risk, praising, naming a competitor"
    voc = [site["ids"][k] for k in site["ids"] if k[0] in ("churn_risk", "competitor", "testimonial")]
    assert len(voc) >= 3
    admin = _client(site, "ada")
    assert any(CUSTOMER_ID.search(admin.get(f"/api/v1/insights/{i}").text) for i in voc)  # the centre has them
    readers = {"eve": None, **{u: d for u, d in DEPT_USERS.items()}}
    checked = 0
    for user, dept in readers.items():
        c = _client(site, user)
        texts = [c.get("/insights").text, c.get("/api/v1/insights", params={"limit": 1000}).text]
        for iid in site["ids"].values():
            page = c.get(f"/insights/{iid}")
            if page.status_code == 403:
                continue
            checked += 1
            texts += [page.text, c.get(f"/api/v1/insights/{iid}").text, c.get(f"/api/v1/insights/{iid}/comments").text]
        if dept is None:
            texts.append(c.get("/briefing", params={"period": "2025-08"}).text)
        for t in texts:
            found = CUSTOMER_ID.findall(t)
            assert not found, f"{user} sees customer ids {found[:3]}"
    assert checked >= len(voc)
    # and the notification that leaves the centre carries none either
    import json

    from earful.ledger.notify import _insight_payload

    for iid in voc:
        full = admin.get(f"/api/v1/insights/{iid}").json()
        assert not CUSTOMER_ID.search(json.dumps(_insight_payload(full, "sales", "insight.shared")))


def test_inbox_sorts_searches_and_shows_value_and_age(insight_site):
    c = _client(insight_site, "ana")
    by_value = c.get("/api/v1/insights", params={"limit": 100}).json()
    values = [Decimal(i["value"]) if i["value"] else Decimal(-1) for i in by_value["items"]]
    assert by_value["sort"] == "value" and values == sorted(values, reverse=True) and values[0] > 0
    ids = [i["id"] for i in by_value["items"]]
    assert len(ids) == len(set(ids)) == by_value["total"]            # one card per insight
    shared = [i for i in by_value["items"] if len(i["departments"]) > 1]
    assert shared and all({d["department"] for d in i["departments"]} for i in shared)
    assert all("age_days" in i and i["age_days"] >= 0 for i in by_value["items"])
    conf = [i["confidence"] for i in c.get("/api/v1/insights", params={"sort": "confidence"}).json()["items"]]
    known = [x for x in conf if x is not None]
    assert known == sorted(known, reverse=True) and conf[:len(known)] == known
    fees = c.get("/api/v1/insights", params={"q": "FEE"}).json()["items"]
    assert fees and all("fee" in i["title"].lower() for i in fees) and len(fees) < len(ids)
    page = c.get("/insights", params={"q": "fee"}).text
    assert page.count('class="card insight"') == len(fees)
    assert re.search(r"EUR [\d,]+</b>", page) and re.search(r"found (today|yesterday|\d+ (days|weeks|months) ago)", page)
    assert c.get("/api/v1/insights", params={"sort": "biggest"}).status_code == 422


def test_insight_in_plain_words_with_plan_comments_and_value(insight_site):
    site = insight_site
    spike = site["ids"][("emerging_issue", "fees")]
    bill = _client(site, "bill")
    page = bill.get(f"/insights/{spike}").text
    assert "Fees: 5× the usual volume since 5 Aug" in page or re.search(r"Fees: \d× the usual volume since 5 Aug", page)
    assert "p = " not in page.split("Why we think this is real")[0]          # statistics one click away
    assert "Why we think this is real" in page and "Benjamini" in page
    assert not re.search(r"\d\.\d{2,}\b(?!\s*×)", re.sub(r"<[^>]+>|data-chart='[^']*'", " ", page.split("Why we")[0]))
    assert "5 Aug 2025" in page                                              # dates as dates
    assert "Find what changed" in page and "Due" in page                     # the ask and its due date
    r = bill.post(f"/insights/{spike}/plan", data={"owner": "Bea Lopez", "due_date": "2025-08-29", "back": "/insights"})
    assert r.status_code == 303 and r.headers["location"] == "/insights?done=plan"
    r = bill.post(f"/insights/{spike}/comment", data={"text": "Fee table changed on 4 Aug; rolling back."})
    assert r.status_code == 303 and "done=comment" in r.headers["location"]
    item = bill.get(f"/api/v1/insights/{spike}").json()
    assert item["routes"][0]["owner"] == "Bea Lopez" and item["routes"][0]["due_date"] == "2025-08-29"
    assert [c["text"] for c in item["comments"]] == ["Fee table changed on 4 Aug; rolling back."]
    assert item["value"]["basis"] == "per period" and "episode_contacts" in item["value"]["inputs"]
    assert Decimal(item["value"]["amount"]) > 0 and item["value"]["working"].endswith("EUR")
    assert any(h["note"] and h["note"].startswith("plan: owner: Bea Lopez") for h in item["history"])
    series = item["evidence"]["series"]
    assert {"day", "count", "expected", "low", "high"} <= set(series[0])
    spike_day = next(p for p in series if p["day"] == "2025-08-05")
    assert spike_day["count"] > spike_day["high"] >= spike_day["expected"] >= spike_day["low"]
    r = bill.post(f"/api/v1/insights/{spike}/plan", json={"due_date": "not a date"})
    assert r.status_code == 422
    r = bill.post(f"/api/v1/insights/{spike}/comments", json={"text": ""})
    assert r.status_code == 422
    eve = _client(site, "eve")
    assert eve.post(f"/insights/{spike}/comment", data={"text": "hi"}).status_code == 403


def _sign_in(browser, url: str, name: str):
    """A fresh browser context signed in as ``name``, on the overview, and the errors its pages log."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in_page(page, url, name)
    return page, errors


def test_browser_inbox_by_value_insight_band_and_acknowledge(browser, insight_site, tmp_path):
    """In Chromium, as the operations department: the inbox sorted by value, the fee spike opened, its
    figures in plain words and the expected band drawn, acknowledged, and the confirmation shown."""
    from playwright.sync_api import expect

    site = insight_site
    page, errors = _sign_in(browser, site["url"], "olga")
    page.click("nav a:has-text('Insights')")
    expect(page.locator("#sort")).to_have_value("value")
    cards = page.locator("li.insight")
    assert cards.count() >= 4
    values = [Decimal(v or "-1") for v in cards.evaluate_all("els => els.map(e => e.dataset.value)")]
    assert values == sorted(values, reverse=True)
    for k in range(cards.count()):
        expect(cards.nth(k).locator(".value")).to_contain_text(re.compile(r"EUR [\d,]+|no value"))
        expect(cards.nth(k).locator(".age")).to_contain_text("found")
    page.screenshot(path=str(tmp_path / "inbox.png"), full_page=True)
    page.click("li.insight h2 a:has-text('usual volume')")
    expect(page.locator("h1")).to_contain_text("the usual volume since 5 Aug")
    figures = page.locator("dl.figures")
    expect(figures).to_contain_text("Contacts in the episode")
    expect(figures).to_contain_text("5 Aug 2025")
    assert not re.search(r"[{}\[\]]|\d\.\d{3,}", figures.inner_text())     # no dicts, lists or raw floats
    expect(page.locator("details.why")).not_to_have_attribute("open", "")
    chart = page.locator("#series")
    expect(chart).to_have_attribute("data-drawn", "1")
    names = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('series'))"
                          ".getOption().series.map(s => s.name)")
    assert "expected range" in names and "expected" in names and "contacts" in names
    assert chart.locator("svg path").count() >= 3
    page.screenshot(path=str(tmp_path / "insight.png"), full_page=True)
    page.click("button[value=acknowledge]")
    expect(page.locator("#done")).to_contain_text("Acknowledged")
    expect(page.locator("#state")).to_have_text("acknowledged")
    page.screenshot(path=str(tmp_path / "acknowledged.png"), full_page=True)
    assert not errors, errors
    # an executive opens the month's briefing from the dashboard
    exec_page, exec_errors = _sign_in(browser, site["url"], "eve")
    exec_page.click("#open-briefing")
    expect(exec_page.locator("h1")).to_contain_text("What our customers told us — August 2025")
    expect(exec_page.locator("[data-figure=estimated]")).to_contain_text("EUR")
    exec_page.screenshot(path=str(tmp_path / "briefing.png"), full_page=True)
    assert not exec_errors, exec_errors
    docs = Path(__file__).resolve().parents[1] / "docs" / "img"
    docs.mkdir(parents=True, exist_ok=True)
    for name, doc in (("insight", "insight"), ("inbox", "insights"), ("briefing", "briefing")):
        (docs / f"web-{doc}.png").write_bytes((tmp_path / f"{name}.png").read_bytes())
