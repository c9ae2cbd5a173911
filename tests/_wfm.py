"""Shared pieces of the workforce-planning tests: the real bank month loaded once per session, and
interval reports written from it the way an ACD would export them (to a temporary folder: the bank's
data is never copied into the project)."""

from __future__ import annotations

from pathlib import Path

import pytest

_BUILT: dict = {}


def hms(s) -> str:
    if s is None:
        return ""
    s = round(s)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def write_report(con, path: Path, *, minutes: int = 30, sep: str = ";", daily: bool = False,
                 agents: bool = False, by_queue: bool = True) -> int:
    """An interval (or daily) report of the store's calls: per queue and interval offered, answered,
    abandoned, AHT, ASA, time to abandon (H:MM:SS), service level in 20 s ("43,5%" in a ; file) and,
    with ``agents``, the distinct agents who answered; ``by_queue=False``: one queue "all"."""
    bucket = "CAST(offered_at AS DATE)" if daily else f"time_bucket(INTERVAL {minutes} MINUTE, offered_at)"
    rows = con.execute(f"""
        SELECT {"queue" if by_queue else "'all'"}, {bucket} AS b, count(*), count(*) FILTER (WHERE NOT abandoned),
               count(*) FILTER (WHERE abandoned), avg(talk_s) FILTER (WHERE NOT abandoned),
               avg(wait_s) FILTER (WHERE NOT abandoned), avg(wait_s) FILTER (WHERE abandoned),
               count(*) FILTER (WHERE NOT abandoned AND wait_s <= 20) / count(*),
               count(DISTINCT agent_id) FILTER (WHERE NOT abandoned)
        FROM interactions WHERE offered_at IS NOT NULL GROUP BY ALL ORDER BY 1, 2""").fetchall()
    dec = (lambda x: x.replace(".", ",")) if sep == ";" else (lambda x: x)
    head = ["Queue", "Date"] + ([] if daily else ["Interval"]) + ["Offered", "Answered", "Abandoned", "AHT", "ASA",
                                                                  "Abandon time", "SL 20s"] + (["Agents"] if agents else [])
    lines = [sep.join(head)]
    for q, b, off, ans, ab, aht, asa, abt, sl, ag in rows:
        cells = [q, b.strftime("%d.%m.%Y")]
        if not daily:
            end = b.replace(minute=(b.minute + minutes) % 60, hour=(b.hour + (b.minute + minutes) // 60) % 24)
            cells.append(f"{b:%H:%M}-{end:%H:%M}")
        cells += [str(off), str(ans), str(ab), hms(aht), hms(asa), hms(abt), dec(f"{sl * 100:.1f}%")]
        if agents:
            cells.append(str(ag))
        lines.append(sep.join(cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(rows)


def report_mapping(*, daily: bool = False, agents: bool = False, minutes: int = 30) -> str:
    return "\n".join([
        "source: bank_acd",
        f"interval: {'day' if daily else f'{minutes}m'}",
        "sl_threshold: 20s",
        "fields:",
        "  queue: Queue",
        '  date: {column: Date, format: "%d.%m.%Y"}',
        *([] if daily else ["  time: Interval"]),
        "  offered: Offered", "  answered: Answered", "  abandoned: Abandoned", "  aht: AHT", "  asa: ASA",
        "  abandon_time: Abandon time", "  service_level: SL 20s",
        *(["  agents: Agents"] if agents else []),
    ]) + "\n"


@pytest.fixture(scope="session")
def bank_store(tmp_path_factory, shared_data):
    """The Anonymous Bank month in a store (contacts), built once per session."""
    if "bank" not in _BUILT:
        from earful.ingest import ingest_file
        from earful.store import connect

        db = tmp_path_factory.mktemp("wfm-bank") / "bank.duckdb"
        con = connect(db)
        ingest_file(con, shared_data / "anonymous_bank" / "august_calls.csv", "technion")
        con.close()
        _BUILT["bank"] = db
    return _BUILT["bank"]


@pytest.fixture(scope="session")
def bank_reports(tmp_path_factory, bank_store):
    """A store holding only the bank month's 30-minute reports (with agents), and the report's path."""
    if "reports" not in _BUILT:
        from earful.ingest import ingest_file
        from earful.store import connect

        d = tmp_path_factory.mktemp("wfm-reports")
        src = connect(bank_store, read_only=True)
        write_report(src, d / "report.csv", agents=True)
        src.close()
        (d / "report.yaml").write_text(report_mapping(agents=True), encoding="utf-8")
        con = connect(d / "reports.duckdb")
        ingest_file(con, d / "report.csv", "intervals", d / "report.yaml")
        con.close()
        _BUILT["reports"] = (d / "reports.duckdb", d / "report.csv", d / "report.yaml")
    return _BUILT["reports"]
