"""Webhook signatures carry a timestamp: a captured delivery replayed later is refused by a receiver
that follows docs/ledger.md (a real loopback receiver written from the docs), and one replayed at
once is recognised by its idempotency key and not acted on twice."""

from __future__ import annotations

import time

import httpx

from _ledger import SECRET, _free_port, _log, _start
from earful.ledger import deliver
from earful.ledger.notify import KEY_HEADER, SIGNATURE_HEADER, sign, verify
from test_ledger_notify import _setup, secret_env  # noqa: F401


def test_signature_covers_a_timestamp_and_expires():
    body = b'{"event": "insight.shared"}'
    t = 1_760_000_000
    header = sign("k", body, timestamp=t)
    assert header.startswith(f"t={t},v1=")
    assert verify("k", body, header, now=t + 10)
    assert verify("k", body, header, now=t - 10), "a receiver's clock a little behind still accepts"
    assert not verify("k", body, header, now=t + 301), "a capture replayed after five minutes is refused"
    assert verify("k", body, header, now=t + 3000, tolerance_s=3600)
    forged = header.replace(f"t={t}", f"t={t + 600}")  # a replayer cannot move the timestamp
    assert not verify("k", body, forged, now=t + 600)
    assert not verify("k", body + b" ", header, now=t)
    assert not verify("other", body, header, now=t)
    assert not verify("k", body, "sha256=" + header.split("v1=")[1], now=t), "the untimed form is gone"
    assert not verify("k", body, "", now=t) and not verify("k", body, "t=x,v1=00", now=t)


def test_a_captured_delivery_replayed_is_refused(con, tmp_path, secret_env):
    port, log = _free_port(), tmp_path / "received.jsonl"
    cfg = _setup(con, tmp_path, port, 2)
    proc = _start(port, log)
    try:
        assert deliver(con, cfg).delivered == 2
        got = _log(log)
        assert [g["answer"] for g in got] == [200, 200] and all(g["sig_ok"] for g in got)
        capture = got[0]
        t = int(capture["signature"].split(",")[0][2:])
        assert abs(t - time.time()) < 60, "signed when sent"
        replay = {SIGNATURE_HEADER: capture["signature"], KEY_HEADER: capture["key"],
                  "Content-Type": "application/json"}
        # at once: the signature is still fresh, the key tells the receiver it has done this already
        r = httpx.post(f"http://127.0.0.1:{port}/hook", content=capture["raw"].encode(), headers=replay)
        assert r.status_code == 200 and _log(log)[-1]["duplicate"] is True
    finally:
        proc.kill()
        proc.wait()
    # ten minutes later (a receiver whose clock is 600 s on): the same bytes are refused
    proc = _start(port, log, "--skew-s", "600")
    try:
        r = httpx.post(f"http://127.0.0.1:{port}/hook", content=capture["raw"].encode(), headers=replay)
        assert r.status_code == 401 and _log(log)[-1]["sig_ok"] is False
    finally:
        proc.kill()
        proc.wait()
