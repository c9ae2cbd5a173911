"""A small webhook receiver for the ledger tests (run as a script on loopback).

    python _ledger_receiver.py PORT LOG SECRET [--fail-every N] [--die-after K] [--skew-s S]

Checks each request the way docs/ledger.md tells receivers to (written here from the docs, not
with earful's own helper): the HMAC over "<t>.<body>", a timestamp within 5 minutes of its clock
(``--skew-s S`` sets that clock S seconds ahead), and a key already processed is not processed
again. Appends one JSON line per request to LOG (idempotency key, signature valid, duplicate,
answer).
``--fail-every N`` answers 503 to every Nth request on purpose; ``--die-after K`` reads the
Kth request, logs it, then exits without answering (a crash mid-delivery); ``--delay-s S``
answers each request S seconds late.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

PORT, LOG, SECRET = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
FAIL_EVERY = int(sys.argv[sys.argv.index("--fail-every") + 1]) if "--fail-every" in sys.argv else 0
DELAY_S = float(sys.argv[sys.argv.index("--delay-s") + 1]) if "--delay-s" in sys.argv else 0.0
DIE_AFTER = int(sys.argv[sys.argv.index("--die-after") + 1]) if "--die-after" in sys.argv else 0
SKEW_S = float(sys.argv[sys.argv.index("--skew-s") + 1]) if "--skew-s" in sys.argv else 0.0
TOLERANCE_S = 300
seen = 0
processed: set[str] = set()


def signature_ok(header: str, body: bytes) -> bool:
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        t = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() + SKEW_S - t) > TOLERANCE_S:
        return False
    expected = hmac.new(SECRET, f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def do_POST(self):
        global seen
        seen += 1
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        sig_ok = signature_ok(self.headers.get("X-Earful-Signature", ""), body)
        key = self.headers.get("X-Earful-Idempotency-Key")
        duplicate = sig_ok and key in processed
        if not sig_ok:
            answer = 401
        elif duplicate:
            answer = 200   # already processed: acknowledged, not acted on again
        elif FAIL_EVERY and seen % FAIL_EVERY == 0:
            answer = 503
        elif DIE_AFTER and seen == DIE_AFTER:
            answer = -1
        else:
            answer = 200
        with open(LOG, "a", encoding="utf-8") as f:
            f.write(json.dumps({"key": key, "sig_ok": sig_ok, "duplicate": duplicate, "answer": answer,
                                "signature": self.headers.get("X-Earful-Signature"), "raw": body.decode(),
                                "body_key": json.loads(body).get("idempotency_key"),
                                "event": json.loads(body).get("event")}) + "\n")
            f.flush()
            os.fsync(f.fileno())
        if DELAY_S:
            time.sleep(DELAY_S)
        if answer == -1:
            os._exit(3)  # killed mid-delivery: the request arrived but was never answered
        if answer == 200:
            processed.add(key)
        self.send_response(answer)
        self.send_header("Content-Length", "0")
        self.end_headers()


HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
