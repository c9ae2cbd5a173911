"""The "Load data" pages: an admin uploads a file, checks the inferred mapping on a preview, loads it.

The upload is kept beside the store (``earful-uploads/<id>/``). Its mapping is inferred
(``earful.ingest.infer``) and tried in a dry run — the very import the CLI runs, in one
transaction that is then rolled back — which gives the first 50 rows as mapped, the rows that
would be quarantined by reason and the counts. The admin edits the mapping and tries again,
then loads: the import runs in a thread of the server on its own cursor (the server is the
store's one writer), and the page follows its progress. Every step is in the audit trail.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from earful.errors import EarfulError
from earful.ingest import FORMATS, MAPPED_FORMATS, ImportResult, ingest_file
from earful.ingest.infer import infer
from earful.ingest.mapping import parse_mapping
from earful.web._deps import get_cursor, need, state
from earful.web.auth import User, audit

router = APIRouter(include_in_schema=False)
Cur = Annotated[duckdb.DuckDBPyConnection, Depends(get_cursor)]
Admin = Annotated[User, Depends(need("load"))]
MAX_UPLOAD_BYTES = 512 << 20
_ID = re.compile(r"^[0-9a-f]{16}$")
_SUFFIX = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
           ".parquet": "parquet", ".pq": "parquet"}


@dataclass
class Job:
    """An import running in the server for the page to follow."""

    id: str
    upload: str
    user: str
    started: float = field(default_factory=time.monotonic)
    fraction: float = 0.0
    message: str = "starting"
    done: bool = False
    error: str | None = None
    result: dict | None = None

    def as_dict(self) -> dict:
        elapsed = time.monotonic() - self.started
        left = elapsed * (1 - self.fraction) / self.fraction if 0.05 < self.fraction < 1 and not self.done else None
        return {"id": self.id, "fraction": round(self.fraction, 3), "message": self.message, "done": self.done,
                "error": self.error, "elapsed_s": round(elapsed, 1), "left_s": round(left, 1) if left else None,
                "result": self.result}


_JOBS: dict[str, Job] = {}
_JOBS_LOCK = threading.Lock()


def upload_root(cur: duckdb.DuckDBPyConnection) -> Path:
    """The folder beside the store where uploads are kept."""
    path = cur.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    base = Path(path[0][0]).resolve().parent if path and path[0][0] else Path.cwd()
    return base / "earful-uploads"


def _upload_dir(cur: duckdb.DuckDBPyConnection, upload: str) -> Path:
    if not _ID.match(upload):
        raise HTTPException(status_code=404, detail="no such upload")
    folder = upload_root(cur) / upload
    if not (folder / "upload.json").is_file():
        raise HTTPException(status_code=404, detail="no such upload (it may have been loaded and cleared)")
    return folder


def _meta(folder: Path) -> dict:
    return json.loads((folder / "upload.json").read_text(encoding="utf-8"))


def _render(request: Request, name: str, user: User, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    from earful.web.app import render

    return render(request, name, user, status_code=status_code, **ctx)


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


@router.get("/load", response_class=HTMLResponse)
def load_page(request: Request, cur: Cur, user: Admin):
    imports = cur.execute(
        "SELECT import_id, file, format, rows_loaded, rows_quarantined, rows_skipped, CAST(finished_at AS VARCHAR) "
        "FROM imports ORDER BY import_id DESC LIMIT 10").fetchall()
    return _render(request, "load.html", user, formats=FORMATS, imports=imports, max_mb=MAX_UPLOAD_BYTES >> 20)


@router.post("/load", response_class=HTMLResponse)
async def upload(request: Request, cur: Cur, user: Admin, file: Annotated[UploadFile, File()],
                 format: Annotated[str, Form(max_length=20)] = "auto"):
    name = Path(file.filename or "upload").name
    fmt = _SUFFIX.get(Path(name).suffix.lower()) if format == "auto" else format
    if fmt not in FORMATS:
        raise HTTPException(status_code=400, detail=f"cannot tell the format of {name}: choose one")
    upload_id = secrets.token_hex(8)
    folder = upload_root(cur) / upload_id
    folder.mkdir(parents=True, exist_ok=False)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).lstrip(".") or "upload"
    target, size = folder / safe, 0
    try:
        with target.open("wb") as out:
            while chunk := await file.read(1 << 20):
                size += len(chunk)
                if size > MAX_UPLOAD_BYTES:
                    raise HTTPException(status_code=413, detail=f"the file is larger than {MAX_UPLOAD_BYTES >> 20} MiB: "
                                                                "load it with `earful ingest` instead")
                out.write(chunk)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if size == 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise HTTPException(status_code=400, detail=f"{name} is empty")
    mapping_text, proposals = None, []
    if fmt in MAPPED_FORMATS:
        try:  # seconds of work: off the event loop
            inferred = await run_in_threadpool(infer, target, fmt)
        except EarfulError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise HTTPException(status_code=400, detail=str(exc)) from None
        mapping_text = inferred.yaml()
        proposals = [{"field": p.field, "confidence": p.confidence, "why": p.why} for p in inferred.proposals]
    (folder / "upload.json").write_text(json.dumps(
        {"name": name, "file": safe, "format": fmt, "size": size, "by": user.name, "at": datetime.now().isoformat(),
         "mapping": mapping_text, "inferred": mapping_text, "proposals": proposals}), encoding="utf-8")
    await run_in_threadpool(audit, cur, user, "upload", name, {"upload": upload_id, "format": fmt, "bytes": size})
    return RedirectResponse(f"/load/{upload_id}", status_code=303)


@router.get("/load/jobs/{job_id}")
def job_status(job_id: str, user: Admin):
    job = _JOBS.get(job_id)
    if job is None:
        raise HTTPException(status_code=404, detail="no such import job")
    return JSONResponse(job.as_dict())


@router.get("/load/{upload}", response_class=HTMLResponse)
def review_page(request: Request, cur: Cur, user: Admin, upload: str):
    folder = _upload_dir(cur, upload)
    meta = _meta(folder)
    return _review(request, cur, user, upload, folder, meta, meta.get("mapping"))


@router.post("/load/{upload}/preview", response_class=HTMLResponse)
def preview(request: Request, cur: Cur, user: Admin, upload: str,
            mapping: Annotated[str, Form(max_length=200_000)] = ""):
    folder = _upload_dir(cur, upload)
    meta = _meta(folder)
    if meta["format"] in MAPPED_FORMATS:
        meta["mapping"] = mapping
        (folder / "upload.json").write_text(json.dumps(meta), encoding="utf-8")
    return _review(request, cur, user, upload, folder, meta, mapping or None)


def _review(request: Request, cur: duckdb.DuckDBPyConnection, user: User, upload: str, folder: Path, meta: dict,
            mapping_text: str | None) -> HTMLResponse:
    """The mapping, its dry run (first rows, would-be quarantine, counts) and the buttons."""
    fmt, error, result, mapping = meta["format"], None, None, None
    try:
        if fmt in MAPPED_FORMATS:
            mapping = parse_mapping(mapping_text or "", origin="mapping")
        result = ingest_file(cur, folder / meta["file"], fmt, mapping, dry_run=True)
    except EarfulError as exc:
        error = str(exc)
    inferred = meta.get("proposals") if mapping_text == meta.get("inferred") else None
    rows = [{k: _plain(v) for k, v in r.items()} for r in (result.preview if result else [])]
    columns = ["position", "id", "channel", "direction", "queue", "agent_id", "customer_id", "offered_at", "answered_at",
               "ended_at", "wait_s", "talk_s", "hold_s", "wrap_s", "abandoned", "transferred", "disposition"]
    return _render(request, "load_review.html", user, status_code=400 if error else 200, upload=upload, meta=meta,
                   mapping_text=mapping_text or "", error=error, result=result, rows=rows, columns=columns,
                   proposals=inferred)


@router.post("/load/{upload}/start", response_class=HTMLResponse)
def start(request: Request, cur: Cur, user: Admin, upload: str,
          mapping: Annotated[str, Form(max_length=200_000)] = ""):
    folder = _upload_dir(cur, upload)
    meta = _meta(folder)
    fmt = meta["format"]
    m = None
    if fmt in MAPPED_FORMATS:
        try:
            m = parse_mapping(mapping, origin="mapping")
        except EarfulError as exc:
            return _render(request, "load_review.html", user, status_code=400, upload=upload, meta=meta,
                           mapping_text=mapping, error=str(exc), result=None, rows=[], columns=[], proposals=None)
    job = Job(id=secrets.token_hex(8), upload=upload, user=user.name)
    with _JOBS_LOCK:
        for old in [j for j in _JOBS.values() if j.done and time.monotonic() - j.started > 3600]:
            _JOBS.pop(old.id, None)  # finished an hour ago: nobody follows it any more
        _JOBS[job.id] = job
    app_state = state(request)
    path = folder / meta["file"]

    def run() -> None:
        con = app_state.cursor()
        try:
            def progress(frac: float, msg: str) -> None:
                job.fraction, job.message = max(job.fraction, min(frac, 0.999)), msg

            result: ImportResult = ingest_file(con, path, fmt, m, progress=progress)
            job.result = _summary(result)
            audit(con, user, "load", meta["name"], {"import_id": result.import_id, "loaded": result.loaded,
                                                   "quarantined": result.quarantined})
            shutil.rmtree(folder, ignore_errors=True)
        except EarfulError as exc:
            job.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - the page must learn the job ended
            job.error = f"the import failed: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        finally:
            job.fraction, job.done = 1.0, True
            job.message = "failed" if job.error else "done"
            app_state.forget()
            con.close()

    threading.Thread(target=run, name=f"earful-load-{job.id}", daemon=True).start()
    return _render(request, "load_job.html", user, job=job, meta=meta)


def _summary(r: ImportResult) -> dict:
    return {"import_id": r.import_id, "rows_read": r.rows_read, "loaded": r.loaded, "quarantined": r.quarantined,
            "skipped": r.skipped, "changed": r.changed, "notes": r.notes, "warnings": r.warnings,
            "quarantine_summary": [{k: _plain(v) for k, v in s.items()} for s in r.quarantine_summary]}
