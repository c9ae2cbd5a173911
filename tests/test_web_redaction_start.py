"""A freshly started server shows redacted words at once: the NER model loads in the background."""

from __future__ import annotations

import shutil
import threading
import time

import httpx
from _web import PII_CARD, PII_EMAIL, ROLE_USER, login, serve, web_store  # noqa: F401

from earful.nlp import redact as redact_module


def _loading() -> bool:
    return any(t.name == "earful-redactor-load" and t.is_alive() for t in threading.enumerate())


def test_first_page_is_redacted_without_waiting_for_the_ner_model(web_store, tmp_path, monkeypatch):
    template, _ = web_store
    db = tmp_path / "earful.duckdb"
    shutil.copy(template, db)
    monkeypatch.delitem(redact_module._DEFAULTS, False, raising=False)  # as in a new server process
    # the model's load is held at its start until the first page has been answered, so "while it loads"
    # does not depend on how fast the model loads on this machine (or whether its files are cached)
    gate = threading.Lock()
    gate.acquire()
    monkeypatch.setitem(redact_module._DEFAULT_LOCKS, False, gate)
    with serve(db, lifespan="on") as url:
        c = httpx.Client(base_url=url, timeout=60)
        assert login(c, ROLE_USER["department"]).status_code == 303
        first = c.get("/interactions/webtest:pii0")
        assert first.status_code == 200, "the page waited for the NER model"
        assert not redact_module.ready(False) and _loading()
        assert PII_EMAIL not in first.text and PII_CARD not in first.text and "[EMAIL]" in first.text
        gate.release()
        deadline = time.monotonic() + 300
        while not redact_module.ready(False) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert redact_module.ready(False), "the NER model never finished loading in the background"
        later = c.get("/api/v1/interactions/webtest:pii0").text
        assert PII_EMAIL not in later and PII_CARD not in later and "[EMAIL]" in later
