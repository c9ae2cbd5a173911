"""The "Load data" page in a real Chromium: upload an export with bad rows, read the inferred mapping,
its preview and the rows that would be quarantined, edit the mapping, load with progress; and who may."""

from __future__ import annotations


import duckdb
import httpx
import pytest
from playwright.sync_api import expect
from _exports import crm_call_log
from _web import ROLE_USER, browser, login, sign_in_page, site, web_store  # noqa: F401

def _count(text: str) -> int:
    return int(text.replace(",", "").strip())


def test_upload_preview_edit_and_load(browser, site, tmp_path):
    export = crm_call_log(tmp_path, n=1200, bad=4)
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in_page(page, site["url"], ROLE_USER["admin"])
    page.click("nav a:has-text('Load data')")
    page.set_input_files("#upload-form input[type=file]", str(export.path))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(f"{site['url']}/load/*")
    mapping = page.locator("#mapping").input_value()
    # the inference: date and time combined, H:MM:SS durations, every outcome code, the phone hashed
    assert '["Date", "Time"]' in mapping and "format: hms" in mapping and '"PHANTOM": null' in mapping
    assert '{column: "Phone", hash: true}' in mapping
    assert page.locator("#proposals tbody tr").count() >= 8
    # 50 rows as they would load, the bad ones' reasons, the counts, and nothing written yet
    assert page.locator("#preview tbody tr").count() == 50
    assert _count(page.locator("#n-quarantine").inner_text()) == export.bad_rows
    assert _count(page.locator("#n-load").inner_text()) == export.rows
    reasons = page.locator("#would-quarantine").inner_text()
    assert "wait_s" in reasons and "offered_at" in reasons and "not a duration" in reasons
    page.screenshot(path=str(tmp_path / "load-review.png"), full_page=True)
    # a mapping with a mistake: the line and the fix, and Load is off
    page.fill("#mapping", mapping.replace("format: hms", "format: hhmm", 1))
    page.click("#preview-again")
    expect(page.locator("#mapping-error")).to_contain_text("line")
    expect(page.locator("#mapping-error")).to_contain_text("hms")
    assert page.locator("#load-now").is_disabled()
    # the one edit: name the source system
    page.fill("#mapping", mapping.replace("source: crm_calls", "source: acme_crm"))
    page.click("#preview-again")
    expect(page.locator("#n-load")).to_have_text(f"{export.rows:,}")
    page.click("#load-now")
    expect(page.locator("#load-job")).to_have_attribute("data-done", "1", timeout=60_000)
    assert _count(page.locator("#r-loaded").inner_text()) == export.rows
    assert _count(page.locator("#r-quarantined").inner_text()) == export.bad_rows
    expect(page.locator("#load-quarantine tbody tr")).to_have_count(2)
    page.screenshot(path=str(tmp_path / "load-done.png"), full_page=True)
    assert not errors, errors
    ctx.close()
    # the store holds the rows, with customer phones nowhere in the clear
    con = duckdb.connect(str(site["db"]))
    try:
        n, raw_phones = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE CAST(metadata AS VARCHAR) LIKE '%+44%') FROM interactions "
            "WHERE source = 'acme_crm'").fetchall()[0]
        audit = con.execute("SELECT count(*) FROM web_audit WHERE action IN ('upload', 'load')").fetchall()[0][0]
    finally:
        con.close()
    assert (n, raw_phones, audit) == (export.rows, 0, 2)


@pytest.mark.parametrize("role", ["analyst", "executive", "department", "admin"])
def test_only_admins_load(site, tmp_path, role):
    from test_web import ADMIN_ONLY

    export = crm_call_log(tmp_path, n=20)
    with httpx.Client(base_url=site["url"], headers={"origin": site["url"]}, timeout=60) as c:
        login(c, ROLE_USER[role])
        token = c.get("/api/v1/me").json().get("csrf_token")  # the session's form token, where writes need one
        if token:
            c.headers["x-csrf-token"] = token
        statuses = {}
        for method, path in sorted(ADMIN_ONLY | {("GET", "/load")}):
            url = path.replace("{}", "0123456789abcdef", 1).replace("{}", "x")
            if method == "GET":
                statuses[(method, path)] = c.get(url).status_code
            else:
                statuses[(method, path)] = c.post(url, files={"file": ("x.csv", export.path.read_bytes())},
                                                  data={"mapping": "x"}).status_code
    if role == "admin":  # allowed in: unknown uploads and jobs are 404, the rest answers
        assert 403 not in statuses.values(), statuses
    else:
        assert set(statuses.values()) == {403}, statuses


def test_signed_out_is_sent_to_login(site):
    with httpx.Client(base_url=site["url"]) as c:
        assert c.get("/load").status_code in (302, 303, 307)
