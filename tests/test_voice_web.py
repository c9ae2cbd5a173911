"""Recordings in the dashboard, over the session's heard calls: who may hear what (checked on
every request, ranges included), seeking with HTTP ranges, the timed transcript, quotes that play
from where they were said; and the reader in a real headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import httpx
import pytest
from _voice import pytestmark, voice_run  # noqa: F401
from _web import PASSWORD, login, serve, sign_in_page

CHROMIUM = "/usr/bin/chromium"
CALL = "pbx:CALL-1"
USERS = {"ada": ("admin", None), "ana": ("analyst", None), "eve": ("executive", None),
         "carla": ("department", "cards"), "paul": ("department", "payments")}


@pytest.fixture(scope="module")
def voice_site(voice_run, tmp_path_factory):
    from earful.store import connect
    from earful.web.auth import add_user

    db = tmp_path_factory.mktemp("voice-web") / "earful.duckdb"
    shutil.copy(voice_run["db"], db)
    con = connect(db)
    quote = con.execute("SELECT redacted_text FROM voice_turns WHERE interaction_id = ? AND speaker = 'customer' "
                        "ORDER BY seq LIMIT 1", [CALL]).fetchone()[0]
    con.execute("INSERT INTO insights (id, kind, title, summary, evidence, suggested_department, confidence) "
                "VALUES ('ins-voice', 'driver', 'Card payments', 'Customers call about card payments.', ?, 'cards', 0.8)",
                [json.dumps({"quotes": [{"interaction_id": CALL, "text": quote}]})])
    first_customer = con.execute("SELECT min(start_s) FROM voice_turns WHERE interaction_id = ? AND speaker = 'customer'",
                                 [CALL]).fetchone()[0]
    for name, (role, dept) in USERS.items():
        add_user(con, name, PASSWORD, role, dept)
    con.close()
    with serve(db) as url:
        yield {"url": url, "db": db, "quote": quote, "first_customer": first_customer}


def _client(site, name: str) -> httpx.Client:
    c = httpx.Client(base_url=site["url"], follow_redirects=False, timeout=30)
    assert login(c, name).status_code == 303
    return c


def test_who_hears_what(voice_site):
    anon = httpx.Client(base_url=voice_site["url"], timeout=30)
    assert anon.get(f"/voice/{CALL}/audio").status_code == 303  # to the sign-in form
    assert anon.get(f"/api/v1/voice/{CALL}").status_code == 401
    expect = {  # (redacted audio, original audio, raw words)
        "ada": (200, 200, 200), "ana": (200, 200, 200), "eve": (200, 403, 403),
        "carla": (200, 403, 403),  # cited by an insight in her department's inbox
        "paul": (403, 403, 403),   # not cited in payments' insights
    }
    for name, (red, orig, raw) in expect.items():
        c = _client(voice_site, name)
        r = c.get(f"/voice/{CALL}/audio", headers={"range": "bytes=100-199"})
        assert (r.status_code if r.status_code != 206 else 200) == red, name
        assert c.get(f"/voice/{CALL}/original", headers={"range": "bytes=0-9"}).status_code in ((orig,) if orig != 200 else (206,)), name
        assert c.get(f"/api/v1/voice/{CALL}?raw=true").status_code == raw, name
    c = _client(voice_site, "eve")
    assert c.get("/voice/pbx:CALL-404/audio").status_code == 404
    assert c.get("/api/v1/voice/pbx:CALL-404").json()["error"]["code"] == "not_found"


def test_range_requests_let_the_player_seek(voice_site):
    c = _client(voice_site, "eve")
    whole = c.get(f"/voice/{CALL}/audio")
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-type"] == "audio/ogg" and whole.content[:4] == b"OggS"
    size = len(whole.content)
    part = c.get(f"/voice/{CALL}/audio", headers={"range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.headers["content-range"] == f"bytes 1000-1999/{size}"
    assert part.content == whole.content[1000:2000]
    tail = c.get(f"/voice/{CALL}/audio", headers={"range": "bytes=-500"})
    assert tail.content == whole.content[-500:]
    assert c.get(f"/voice/{CALL}/audio", headers={"range": f"bytes={size}-"}).status_code == 416
    orig = _client(voice_site, "ana").get(f"/voice/{CALL}/original")
    assert orig.status_code == 200 and orig.content[:4] == b"RIFF"


def test_transcript_is_redacted_except_for_admins(voice_site):
    red = _client(voice_site, "eve").get(f"/api/v1/voice/{CALL}").json()
    words = " ".join(w["word"] for t in red["turns"] for w in t["words"])
    assert not re.search(r"\d{4}", words) and re.search(r"\[(CARD|NUMBER)\]", words)
    assert red["original"] is None and red["speech"]["overtalk_s"] > 0 and red["speakers_by"] == "channel"
    raw = _client(voice_site, "ada").get(f"/api/v1/voice/{CALL}?raw=true").json()
    assert re.search(r"\d", " ".join(w["word"] for t in raw["turns"] for w in t["words"]))
    page = _client(voice_site, "eve").get(f"/interactions/{CALL}")
    assert page.status_code == 200 and 'id="voice"' in page.text and "/static/voice.js" in page.text
    assert not re.search(r"\d{4}", page.text.split('id="voice"')[1].split("</section>")[1])  # the plain turns too


def test_speech_analytics_api(voice_site):
    rows = _client(voice_site, "ana").get("/api/v1/speech", params={"by": "queue"}).json()["items"]
    assert {r["queue"]: r["calls"] for r in rows} == {"cards": 6, "loans": 1}
    assert _client(voice_site, "carla").get("/api/v1/speech").status_code == 403


def test_quote_plays_from_where_it_was_said(voice_site):
    m = _client(voice_site, "carla").get(f"/api/v1/voice/{CALL}/moment", params={"quote": voice_site["quote"]}).json()
    assert m["start_s"] == pytest.approx(voice_site["first_customer"]) and m["audio"] == f"/voice/{CALL}/audio"


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
def test_reader_and_insight_in_a_browser(voice_site, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                    "--autoplay-policy=no-user-gesture-required"])
        page = b.new_context(viewport={"width": 1280, "height": 900}).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        sign_in_page(page, voice_site["url"], "eve")
        page.goto(voice_site["url"] + f"/interactions/{CALL}")
        page.wait_for_selector("#voice .voice-transcript .w")
        assert page.eval_on_selector("#voice audio", "a => a.src").endswith(f"/voice/{CALL.replace(':', '%3A')}/audio") or \
            page.eval_on_selector("#voice audio", "a => a.src").endswith(f"/voice/{CALL}/audio")
        page.wait_for_function("document.querySelector('#voice audio').duration > 10", timeout=15000)
        assert page.is_visible(".voice-side .speech") and page.is_hidden("section.conversation")
        assert page.locator("#voice .w.pii").count() >= 1
        word = page.locator("#voice .turn.customer .w").nth(2)
        at = float(word.get_attribute("data-s"))
        word.click()
        page.wait_for_function(f"Math.abs(document.querySelector('#voice audio').currentTime - {at}) < 1.5", timeout=10000)
        page.wait_for_selector("#voice .w.now", timeout=10000)
        page.screenshot(path=str(tmp_path / "reader.png"), full_page=True)
        page.goto(voice_site["url"] + "/insights/ins-voice")
        page.wait_for_selector(".voice-quote audio", timeout=10000)
        src = page.eval_on_selector(".voice-quote audio", "a => a.src")
        assert "#t=" in src and "/audio" in src
        assert not errors, errors
        b.close()
