"""Survey import (linking, quarantine, idempotence, any number of questions) and the figures, checked by hand."""

from __future__ import annotations

import json
import math

import pytest

from earful.errors import ConfigError, InputError
from earful.ingest import ingest_file
from earful.surveys import import_surveys, parse_mapping
from earful.surveys.analysis import detractors, summary, verbatims

MAPPING = """\
survey: After your call
kind: post_contact
source: pulse
id: response
answered_at: answered
customer: customer
contact: contact
contact_source: crm
link_window_h: 48
comment: comment
questions:
  q_csat: {scale: csat, label: "How satisfied were you?"}
  q_nps: {scale: nps}
  q_ces: {scale: ces}
  q_clear: {scale: other, min: 1, max: 10, label: "How clear was the answer?"}
"""


def _contacts(con, tmp_path):
    """Six answered calls of the CRM: customers C1..C6 on 1 August, agent X1 or X2."""
    recs = [{"source": "crm", "source_id": f"call{i}", "channel": "voice", "queue": "cards", "customer_id": f"C{i}",
             "agent_id": "X1" if i <= 3 else "X2", "offered_at": f"2025-08-01T09:0{i}:00", "answered_at": f"2025-08-01T09:0{i}:10",
             "wait_s": 10, "talk_s": 100, "abandoned": False} for i in range(1, 7)]
    path = tmp_path / "calls.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in recs) + "\n", encoding="utf-8")
    ingest_file(con, path, "earful")


CSV = """\
response,answered,customer,contact,q_csat,q_nps,q_ces,q_clear,comment
r1,2025-08-01T12:00:00,C1,call1,5,10,7,9,Lovely agent
r2,2025-08-01T12:05:00,C2,call2,1,0,2,3,"Awful, call me on 07700 900123"
r3,2025-08-01T13:00:00,C3,,4,9,6,,
r4,2025-08-01T14:00:00,C4,,2,6,,5,Took ages
r5,2025-08-05T14:00:00,C5,,3,7,4,5,
r6,2025-08-01T15:00:00,C6,call6,9,8,5,5,bad score
r7,not a time,C6,call6,4,8,5,5,
r8,2025-08-01T15:00:00,C6,call6,,,,,
r1,2025-08-01T12:00:00,C1,call1,5,10,7,9,twice
"""


def test_mapping_mistakes_name_their_line():
    with pytest.raises(ConfigError, match=r"survey.yaml:14: question 'q_ces': scale must be"):
        parse_mapping(MAPPING.replace("q_ces: {scale: ces}", "q_ces: {scale: cess}"), "survey.yaml")
    with pytest.raises(ConfigError, match=r"survey.yaml:15: question 'q_clear': an 'other' scale needs min and max"):
        parse_mapping(MAPPING.replace('{scale: other, min: 1, max: 10, label: "How clear was the answer?"}', "{scale: other}"),
                      "survey.yaml")
    with pytest.raises(ConfigError, match=r"survey.yaml:1: 'source' is missing"):
        parse_mapping(MAPPING.replace("source: pulse\n", ""), "survey.yaml")


def test_import_links_by_id_and_by_customer_quarantines_and_is_idempotent(con, tmp_path):
    _contacts(con, tmp_path)
    path = tmp_path / "pulse.csv"
    path.write_text(CSV, encoding="utf-8")
    m = parse_mapping(MAPPING)
    r = import_surveys(con, path, m)
    assert (r.rows_read, r.loaded, r.quarantined) == (9, 5, 4)
    assert (r.linked_by_id, r.linked_by_customer, r.unlinked) == (2, 2, 1)  # r5 came 4 days later: outside 48 h
    links = dict(con.execute("SELECT source_id, related_id FROM interactions WHERE channel = 'survey'").fetchall())
    assert links == {"r1": "crm:call1", "r2": "crm:call2", "r3": "crm:call3", "r4": "crm:call4", "r5": None}
    reasons = [q[0] for q in con.execute("SELECT reason FROM quarantine WHERE import_id = ? ORDER BY row_number",
                                         [r.import_id]).fetchall()]
    assert reasons[0].startswith("q_csat: 9 is outside the csat scale 1-5")
    assert "is not a time" in reasons[1] and reasons[2] == "no answer and no comment" and "duplicate response" in reasons[3]
    answers = con.execute("SELECT question, scale, value FROM survey_answers WHERE interaction_id = 'pulse:r1' "
                          "ORDER BY question").fetchall()
    assert answers == [("q_ces", "ces", 7.0), ("q_clear", "other", 9.0), ("q_csat", "csat", 5.0), ("q_nps", "nps", 10.0)]
    again = import_surveys(con, path, m)
    assert again.loaded == 0 and again.skipped == 5
    assert con.execute("SELECT count(*) FROM interactions WHERE channel = 'survey'").fetchone()[0] == 5
    with pytest.raises(InputError, match="has no column 'q_clear'"):
        bad = tmp_path / "bad.csv"
        bad.write_text(CSV.replace("q_clear", "q_clarity"), encoding="utf-8")
        import_surveys(con, bad, m)


def test_figures_by_hand(con, tmp_path):
    _contacts(con, tmp_path)
    path = tmp_path / "pulse.csv"
    path.write_text(CSV, encoding="utf-8")
    import_surveys(con, path, parse_mapping(MAPPING))
    rows = {r["group"]: r for r in summary(con, by="agent")}
    x1 = rows["X1"]  # r1 (5, 10), r2 (1, 0), r3 (4, 9): linked to X1's calls
    assert x1["responses"] == 3 and x1["csat"]["value"] is None and "only 3 answers" in x1["csat"]["why"]
    everyone = summary(con)[0]
    # CSAT 5, 1, 4, 2, 3: mean 3, s = 1.5811, t(0.975, 4) = 2.7764 → 3 ± 1.963
    assert everyone["csat"]["value"] == pytest.approx(3.0)
    assert everyone["csat"]["high"] - 3.0 == pytest.approx(2.7764 * 1.5811 / math.sqrt(5), rel=1e-3)
    assert everyone["csat_distribution"] == {1: 1, 2: 1, 3: 1, 4: 1, 5: 1}
    # NPS 10, 0, 9, 6, 7: promoters 2/5, detractors 2/5 → 0; se = 100·√((0.4 + 0.4 − 0)/5) = 40
    assert everyone["nps"]["value"] == pytest.approx(0.0)
    assert everyone["nps"]["high"] == pytest.approx(1.96 * 40, rel=1e-3)
    assert everyone["nps_distribution"] == {"detractors": 2, "passives": 1, "promoters": 2}
    # six answered calls, four with a linked answer (r5 is unlinked, its contact counts as not answered)
    assert (everyone["eligible"], everyone["responded"], everyone["not_responded"]) == (6, 4, 2)
    bands = {b["band"]: b for b in verbatims(con, "csat")}
    low = bands["dissatisfied (1–2)"]
    assert low["comments"] == 2 and "07700 900123" not in json.dumps(low) and "[PHONE]" in json.dumps(low)
    d = detractors(con)
    assert d["total"] == 2 and {x["response_id"] for x in d["items"]} == {"pulse:r2", "pulse:r4"}
    assert all("07700" not in (x["comment"] or "") for x in d["items"])
