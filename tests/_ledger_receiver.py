"""A small webhook receiver for the ledger tests (run as a script on loopback).

    python _ledger_receiver.py PORT LOG SECRET [--fail-every N] [--die-after K]

Appends one JSON line per request to LOG (idempotency key, signature valid, answer).
``--fail-every N`` answers 503 to every Nth request on purpose; ``--die-after K`` reads the
Kth request, logs it, then exits without answering (a crash mid-delivery).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

PORT, LOG, SECRET = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
FAIL_EVERY = int(sys.argv[sys.argv.index("--fail-every") + 1]) if "--fail-every" in sys.argv else 0
DIE_AFTER = int(sys.argv[sys.argv.index("--die-after") + 1]) if "--die-after" in sys.argv else 0
seen = 0


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def do_POST(self):
        global seen
        seen += 1
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        sig_ok = hmac.compare_digest(expected, self.headers.get("X-Earful-Signature", ""))
        key = self.headers.get("X-Earful-Idempotency-Key")
        if not sig_ok:
            answer = 401
        elif FAIL_EVERY and seen % FAIL_EVERY == 0:
            answer = 503
        elif DIE_AFTER and seen == DIE_AFTER:
            answer = -1
        else:
            answer = 200
        with open(LOG, "a", encoding="utf-8") as f:
            f.write(json.dumps({"key": key, "sig_ok": sig_ok, "answer": answer, "body_key": json.loads(body).get(
                "idempotency_key"), "event": json.loads(body).get("event")}) + "\n")
            f.flush()
            os.fsync(f.fileno())
        if answer == -1:
            os._exit(3)  # killed mid-delivery: the request arrived but was never answered
        self.send_response(answer)
        self.send_header("Content-Length", "0")
        self.end_headers()


HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
