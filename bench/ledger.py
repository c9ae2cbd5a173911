"""Ledger throughput: routing, sharing (outbox), estimating, webhook delivery, SLA scoring.

    PYTHONPATH=src python bench/ledger.py [N_INSIGHTS] [N_WEBHOOKS]

Prints one line per step. Synthetic insights (kinds/reasons cycled), example configs, a local
threaded HTTP receiver on loopback.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from earful.ledger import deliver, load_routing, load_value_model, record_estimates, route_insights, share_new
from earful.ledger.sla import load_contract, score
from earful.store import connect

EX = Path(__file__).resolve().parents[1] / "src" / "earful" / "ledger" / "examples"
KINDS = ["driver", "emerging_issue", "competitor", "churn_risk", "product_feedback", "testimonial"]
REASONS = ["card_payment_fee_charged", "card_arrival", "passcode_forgotten", "exchange_rate", None]


class _Ok(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


def main(n: int = 5000, hooks: int = 1000) -> None:
    tmp = Path(tempfile.mkdtemp())
    con = connect(tmp / "b.duckdb")
    rows = [(f"i{i}", KINDS[i % 6], f"t{i}", REASONS[i % 5], json.dumps({"contacts": 100 + i % 50, "leads": 3,
                                                                          "churn_threats": 5}))
            for i in range(n)]
    con.executemany("INSERT INTO insights (id, kind, title, reason, metrics) VALUES (?, ?, ?, ?, ?)", rows)
    cfg = load_routing(EX / "routing.yaml")
    t = time.perf_counter()
    routed = route_insights(con, cfg)
    dt = time.perf_counter() - t
    print(f"route: {n:,} insights -> {len(routed):,} routes in {dt:.2f} s ({n / dt:,.0f} insights/s)")
    t = time.perf_counter()
    shared = share_new(con, cfg)
    dt = time.perf_counter() - t
    queued = con.execute("SELECT count(*) FROM ledger_outbox").fetchone()[0]
    print(f"share: {shared:,} routes, {queued:,} messages queued in {dt:.2f} s ({shared / dt:,.0f} routes/s)")
    t = time.perf_counter()
    est = record_estimates(con, load_value_model(EX / "value.yaml"))
    dt = time.perf_counter() - t
    print(f"estimate: {len(est):,} insights in {dt:.2f} s ({len(est) / dt:,.0f}/s)")
    # the reconciliation (each insight counted once, shares by the split rule) against its peer,
    # one SQL sum of the same latest estimates, in the same process; CPU seconds
    from earful.ledger.value import _LATEST_ESTIMATE, reconcile

    t = time.process_time()
    rec = reconcile(con)
    dt = time.process_time() - t
    t = time.process_time()
    peer = con.execute(f"SELECT sum(amount) FROM ({_LATEST_ESTIMATE})").fetchone()[0]
    dp = time.process_time() - t
    assert rec["totals"][0]["estimated"] == peer
    print(f"reconcile: {n:,} insights, {len(rec['rows'])} departments in {dt:.2f} CPU s "
          f"(one SQL sum of the same estimates: {dp:.3f} CPU s; totals agree)")
    # webhook delivery to a local receiver: only `hooks` messages kept pending
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    con.execute("DELETE FROM ledger_outbox")
    os.environ.setdefault("EARFUL_WEBHOOK_SECRET", "bench")
    url = f"http://127.0.0.1:{srv.server_address[1]}/hook"
    now = datetime.now()
    con.executemany("INSERT INTO ledger_outbox (idempotency_key, channel, department, target, payload, status,"
                    " attempts, next_attempt_at, created_at) VALUES (?, 'webhook', 'billing', ?, ?, 'pending', 0, ?, ?)",
                    [(f"k{i}", url, json.dumps({"event": "insight.shared", "insight": {"id": f"i{i}"}}), now, now)
                     for i in range(hooks)])
    t = time.perf_counter()
    rep = deliver(con, cfg)
    dt = time.perf_counter() - t
    print(f"deliver: {rep.delivered:,} signed webhooks in {dt:.2f} s ({rep.delivered / dt:,.0f}/s, sequential)")
    srv.shutdown()
    c = load_contract(EX / "contract.yaml")
    act = {"service_level": 0.86, "abandon_rate": 0.053, "aht_s": 351.2, "fcr_rate": 0.742, "csat_avg": 4.47,
           "qa_score": 88.5}
    t = time.perf_counter()
    for _ in range(2000):
        score(c, act)
    dt = time.perf_counter() - t
    print(f"sla score: {dt / 2000 * 1e6:,.0f} µs per scorecard (6 metrics)")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
