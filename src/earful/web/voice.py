"""Call recordings in the dashboard: the redacted audio (every role that may read the call),
the original (admins and analysts), the timed transcript, and where a quote starts.

Audio answers HTTP range requests (206 with Content-Range) so the player can seek; access is
checked on every request, ranges included.
"""

from __future__ import annotations

import re
from typing import Annotated

import duckdb
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from earful.voice import reader
from earful.web._access import allowed
from earful.web._deps import check_interaction, get_cursor, need
from earful.web.auth import User, audit

router = APIRouter()
Cur = Annotated[duckdb.DuckDBPyConnection, Depends(get_cursor)]
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def ranged(request: Request, data: bytes, media_type: str) -> Response:
    """The bytes, or the part a ``Range: bytes=a-b`` header asks for (416 when it cannot be served)."""
    headers = {"accept-ranges": "bytes", "cache-control": "private, max-age=300"}
    spec = request.headers.get("range")
    size = len(data)
    if not spec:
        return Response(data, media_type=media_type, headers=headers)
    m = _RANGE.match(spec.strip())
    if not m or (not m.group(1) and not m.group(2)):
        return Response(status_code=416, headers={**headers, "content-range": f"bytes */{size}"})
    if m.group(1):
        start = int(m.group(1))
        end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
    else:  # the last N bytes
        start, end = max(0, size - int(m.group(2))), size - 1
    if start >= size or start > end:
        return Response(status_code=416, headers={**headers, "content-range": f"bytes */{size}"})
    headers["content-range"] = f"bytes {start}-{end}/{size}"
    return Response(data[start:end + 1], status_code=206, media_type=media_type, headers=headers)


def _readable(cur: duckdb.DuckDBPyConnection, user: User, interaction_id: str) -> None:
    check_interaction(cur, user, interaction_id)


@router.get("/voice/{interaction_id}/audio", include_in_schema=False)
def redacted_audio(request: Request, cur: Cur, user: Annotated[User, Depends(need("interaction"))],
                   interaction_id: str) -> Response:
    _readable(cur, user, interaction_id)
    found = reader.redacted_audio(cur, interaction_id)
    if found is None:
        raise HTTPException(status_code=404, detail=f"no recording for {interaction_id!r}")
    return ranged(request, found[1], found[0])


@router.get("/voice/{interaction_id}/original", include_in_schema=False)
def original_audio(request: Request, cur: Cur, user: Annotated[User, Depends(need("original_audio"))],
                   interaction_id: str) -> Response:
    found = reader.original_file(cur, interaction_id)
    if found is None:
        raise HTTPException(status_code=404, detail=f"no recording for {interaction_id!r}")
    path, media = found
    try:
        data = path.read_bytes()
    except OSError:
        raise HTTPException(status_code=404, detail=f"the original recording is no longer at {path}") from None
    if not request.headers.get("range", "").startswith("bytes=") or request.headers.get("range") == "bytes=0-":
        audit(cur, user, "play_original", interaction_id)
    return ranged(request, data, media)


@router.get("/api/v1/voice/{interaction_id}", summary="A call's recording: timed transcript (redacted) and speech analytics",
            tags=["voice"])
def transcript(cur: Cur, user: Annotated[User, Depends(need("interaction"))], interaction_id: str,
               raw: Annotated[bool, Query(description="unredacted words (admins and analysts)")] = False) -> dict:
    _readable(cur, user, interaction_id)
    if raw and not allowed(user.role, "original_audio"):
        raise HTTPException(status_code=403, detail="only admins and analysts may read unredacted words")
    rec = reader.recording(cur, interaction_id, raw=raw)
    if rec is None:
        raise HTTPException(status_code=404, detail=f"no recording for {interaction_id!r}")
    rec["audio"] = f"/voice/{interaction_id}/audio"
    rec["original"] = f"/voice/{interaction_id}/original" if allowed(user.role, "original_audio") else None
    return rec


@router.get("/api/v1/speech", summary="Speech analytics of recorded calls grouped by day, queue, agent, reason …",
            tags=["voice"])
def speech(cur: Cur, user: Annotated[User, Depends(need("metrics"))],
           by: Annotated[list[str], Query(max_length=4, description="grouping keys, as for /metrics")] = ["agent"]) -> dict:  # noqa: B006
    from earful.voice.metrics import speech_table

    rows = speech_table(cur, [b for b in by if b] or ["agent"])
    return {"items": rows, "total": len(rows)}


@router.get("/api/v1/voice/{interaction_id}/moment", summary="Where in the recording a quoted passage starts",
            tags=["voice"])
def moment(cur: Cur, user: Annotated[User, Depends(need("interaction"))], interaction_id: str,
           quote: Annotated[str, Query(max_length=2000)] = "") -> dict:
    _readable(cur, user, interaction_id)
    at = reader.quote_moment(cur, interaction_id, quote)
    if at is None:
        raise HTTPException(status_code=404, detail=f"no recording for {interaction_id!r}")
    return {"interaction_id": interaction_id, "start_s": at, "audio": f"/voice/{interaction_id}/audio"}
