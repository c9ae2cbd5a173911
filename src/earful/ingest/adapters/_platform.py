"""What the platforms' adapters share: reading their JSON exports, and turning their values into canonical ones.

A platform adapter is a function from one of the platform's records (as its API or export
documents it) to an earful canonical record; ``ingest_platform`` reads the file (an array,
an API page wrapping one, JSON Lines or objects one after another), shapes every record and
stages them. A record the function cannot shape is quarantined with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

from earful.ingest.generic import stage_batches
from earful.ingest.load import ImportBatch, Progress
from earful.ingest.mapping import Mapping
from earful.ingest.readers import iter_json_records


def ingest_platform(shape: Callable[[dict, str], dict]) -> Callable[..., None]:
    """A reader for `earful ingest --format NAME` from a record-shaping function."""

    def read(batch: ImportBatch, path: Path, mapping: Mapping | None = None, *, source: str,
             encoding: str | None = None, progress: Progress | None = None, **_: object) -> None:
        stage_batches(batch, path, iter_json_records(path, encoding=encoding), None, source=source,
                      progress=progress, shape=lambda rec: shape(rec, source))

    read.__doc__ = shape.__doc__
    return read


def get(obj: object, *path: str) -> object:
    """obj[path[0]][path[1]]…, None where anything on the way is missing or not an object."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def seconds(ms: object) -> float | None:
    """Milliseconds (a number or numeric text) as seconds."""
    return None if ms is None or ms == "" else float(ms) / 1000.0


def number(v: object) -> float | None:
    return None if v is None or v == "" else float(v)


def rfc2822(text: object) -> str | None:
    """'Tue, 31 Aug 2010 20:36:28 +0000' (Twilio's dates) as ISO 8601 with its offset."""
    if not text:
        return None
    return parsedate_to_datetime(str(text)).isoformat()


def address(text: object) -> str | None:
    """A phone or SIP address without its scheme ('tel:+1555…' → '+1555…')."""
    if not text:
        return None
    s = str(text)
    for scheme in ("tel:", "sip:", "sips:"):
        if s.lower().startswith(scheme):
            s = s[len(scheme):].split("@")[0] if scheme != "tel:" else s[len(scheme):]
    return s.split(";")[0]


def iso_between(start: object, end: object) -> float | None:
    """Seconds from one ISO time to another (None when either is missing)."""
    if not start or not end:
        return None
    a, b = (datetime.fromisoformat(str(t).replace("Z", "+00:00")) for t in (start, end))
    if a.tzinfo is None:
        a = a.replace(tzinfo=timezone.utc)
    if b.tzinfo is None:
        b = b.replace(tzinfo=timezone.utc)
    return (b - a).total_seconds()
