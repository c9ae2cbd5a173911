"""The dashboard: server-rendered pages over the store, plus the REST API and its errors."""

from __future__ import annotations

import asyncio
import math
import os
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

import duckdb
from fastapi import Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from earful.errors import EarfulError
from earful.insights import wording
from earful.metrics import parse_by
from earful.nlp.redact import preload as preload_redactor
from earful.store import connect
from earful.web import _queries as q
from earful.web import _charts, _csrf, admin
from earful.web._access import allowed
from earful.web._deps import (
    COOKIE,
    AppState,
    LoginRequired,
    check_insight,
    current_user,
    department_scope,
    get_cursor,
    need,
    readable_interaction,
    safe_path,
    state,
)
from earful.web.api import router as api_router
from earful.web.quality import router as quality_router
from earful.web.surveys import router as surveys_router
from earful.web.service import router as service_router
from earful.web.service import explorer_frame, staffing_view
from earful.web.insights import DONE, form_write, resolve_insight
from earful.web.insights import router as insights_router
from earful.web.load import router as load_router
from earful.web.api import to_csv
from earful.web.auth import (
    CHECKS,
    Busy,
    LoginPolicy,
    User,
    audit,
    create_session,
    end_session,
    login_failed,
    login_succeeded,
    login_wait,
    password_hash,
    rehash,
)
from earful.web.voice import router as voice_router
from earful.web.assess import router as assess_router
from earful.web.competitors import router as competitors_router
from earful.web.planning import router as planning_router

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
Cur = Annotated[duckdb.DuckDBPyConnection, Depends(get_cursor)]

NAV = [("overview", "/", "Overview"), ("metrics", "/metrics", "Metrics"), ("staffing", "/staffing", "Staffing"),
       ("planning", "/planning", "Planning"),
       ("reasons", "/reasons", "Reasons"), ("insights", "/insights", "Insights"),
       ("interactions", "/interactions", "Reader"), ("ledger", "/ledger", "Ledger"), ("users", "/users", "Users"),
       ("service_settings", "/settings/service", "Service"), ("briefing", "/briefing", "Briefing"),
       ("load", "/load", "Load data"), ("assess", "/assess", "Assessment")]
NAV[6:6] = [("qa", "/qa", "Quality"), ("surveys", "/surveys", "Surveys"), ("agents", "/agents", "Agents")]  # after Insights
NAV.insert(6, ("competitors", "/competitors", "Competitors"))  # after Insights


def _pct(v) -> str:
    return "—" if v is None else f"{float(v) * 100:.1f}%"


def _num(v, digits: int = 0) -> str:
    if v is None:
        return "—"
    return f"{float(v):,.{digits}f}"


def _secs(v) -> str:
    if v is None:
        return "—"
    v = float(v)
    return f"{v:.0f} s" if v < 120 else f"{v / 60:.1f} min"


templates.env.filters.update(pct=_pct, num=_num, secs=_secs, money=wording.money)
templates.env.globals.update(spark=_charts.spark, line_chart=_charts.line, bar_chart=_charts.bars, allowed=allowed,
                             band_chart=_charts.band, csrf_field=_csrf.csrf_field, csrf_token=_csrf.csrf_token,
                             **wording.TEMPLATE_GLOBALS)


def render(request: Request, name: str, user: User | None, status_code: int = 200, *,
           cache: tuple | None = None, cur: duckdb.DuckDBPyConnection | None = None, **ctx) -> HTMLResponse:
    """A page; with ``cache`` (and ``cur``) the HTML is kept per user until the data changes."""
    nav = [(a, href, label) for a, href, label in NAV if user and allowed(user.role, a)]
    full = {"request": request, "user": user, "nav": nav, "path": request.url.path, **ctx}
    if cache is None or cur is None or user is None:
        return templates.TemplateResponse(request, name, full, status_code=status_code)
    # per session, not per user: the page carries the session's form token
    key = (name, cache, user.name, user.role, user.department, request.url.path, _csrf.request_token(request))
    html = state(request).cached(cur, "page", lambda _c, _k: templates.get_template(name).render(full), key)
    return HTMLResponse(html, status_code=status_code)


_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          409: "conflict", 413: "too_large", 422: "invalid_input", 429: "too_many_requests", 500: "internal_error"}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, message: str) -> Response:
    if _is_api(request):
        return JSONResponse({"error": {"code": _CODES.get(status, "error"), "message": message}}, status_code=status)
    user = getattr(request.state, "user", None)
    return render(request, "error.html", user, status_code=status, status=status, message=message)


@asynccontextmanager
async def _lifespan(app: FastAPI):
    # Pages redact on the fly: the NER model loads in the background from start-up, and until it is
    # ready the fast recognisers redact (see q.redact), so no request waits for it.
    preload_redactor()
    yield


def create_app(db_path: str | os.PathLike[str] | None = None, *,
               allowed_origins: tuple[str, ...] = (), login_policy: LoginPolicy | None = None) -> FastAPI:
    """The dashboard and REST API over the store at ``db_path`` (opened once, read-write).

    ``allowed_origins``: origins other than the server's own Host that may send writes (a
    reverse proxy that rewrites Host), e.g. ``https://earful.example.com``.
    """
    con = connect(db_path)
    app = FastAPI(title="earful", version="1", description="Contact-centre metrics, staffing and insights.",
                  openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None,
                  dependencies=[Depends(_csrf.protect)], lifespan=_lifespan)
    app.state.earful = AppState(con)
    app.state.allowed_origins = frozenset(o.rstrip("/") for o in allowed_origins)
    app.state.login_policy = login_policy or LoginPolicy()
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(api_router)
    app.include_router(quality_router)
    app.include_router(surveys_router)
    app.include_router(planning_router)
    app.include_router(service_router)
    app.include_router(admin.router)
    app.include_router(admin.api)
    app.include_router(insights_router)
    app.include_router(voice_router)
    app.include_router(assess_router)
    app.include_router(competitors_router)
    _add_handlers(app)
    _add_pages(app)
    app.include_router(load_router)

    @app.middleware("http")
    async def _guard(request: Request, call_next):
        # Cross-site writes are refused by _csrf.protect, a dependency of every route.
        response = await call_next(request)
        for name, value in _SECURITY_HEADERS:
            response.headers.setdefault(name, value)
        return response

    app.add_middleware(_SignInGate)
    return app


_SECURITY_HEADERS = (("x-content-type-options", "nosniff"), ("x-frame-options", "DENY"),
                     ("referrer-policy", "same-origin"),
                     ("content-security-policy",
                      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; media-src 'self'"))


class _SignInGate:
    """A sign-in that arrives while every password-check place is taken is answered 429 here,
    before it is parsed or routed: a flood of guesses costs the server as little as possible."""

    _PAGE = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Busy · earful</title>'
             '<link rel="stylesheet" href="/static/earful.css"></head><body><main><section class="login card">'
             '<h1>Sign in to earful</h1><p class="error" role="alert">Too many sign-ins at this moment: '
             'try again in a few seconds.</p><p><a href="/login">Back to sign in</a></p></section></main>'
             '</body></html>').encode()

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/login" and CHECKS.full():
            headers = [(b"content-type", b"text/html; charset=utf-8"), (b"retry-after", b"2"),
                       (b"content-length", str(len(self._PAGE)).encode())]
            headers += [(k.encode(), v.encode()) for k, v in _SECURITY_HEADERS]
            await send({"type": "http.response.start", "status": 429, "headers": headers})
            await send({"type": "http.response.body", "body": self._PAGE})
            return
        await self.app(scope, receive, send)


def _add_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired):
        if _is_api(request):
            return JSONResponse({"error": {"code": "unauthorized", "message": "sign in or send a bearer token"}},
                                status_code=401, headers={"www-authenticate": "Bearer"})
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return _error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errs = exc.errors()
        first = errs[0] if errs else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "body", "path"))
        msg = f"{where}: {first.get('msg', 'invalid input')}" if where else first.get("msg", "invalid input")
        return _error(request, 422, msg)

    @app.exception_handler(EarfulError)
    async def _earful(request: Request, exc: EarfulError):
        return _error(request, 400, str(exc))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception):  # a bug: still the stable shape, never a traceback
        import logging

        logging.getLogger("earful.web").exception("unhandled error on %s", request.url.path)
        return _error(request, 500, "internal error: see the server log")

    @app.exception_handler(duckdb.Error)
    async def _db(request: Request, exc: duckdb.Error):
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if isinstance(exc, (duckdb.ConversionException, duckdb.InvalidInputException, duckdb.OutOfRangeException)):
            return _error(request, 400, f"cannot use that input: {text}")
        return _error(request, 500, f"store error: {text}")


def _add_pages(app: FastAPI) -> None:
    opts = {"include_in_schema": False, "response_class": HTMLResponse}

    @app.get("/login", **opts)
    def login_form(request: Request, next: str = "/", error: str | None = None):
        return render(request, "login.html", None, next=_safe_next(next), error=error)

    @app.post("/login", **opts)
    async def login(request: Request, username: Annotated[str, Form(max_length=64)],
                    password: Annotated[str, Form(max_length=1024)], next: Annotated[str, Form()] = "/"):
        # Async on purpose: a sign-in waits for its password check without holding one of the
        # worker threads every other request needs (see auth.PasswordChecks).
        st, policy = state(request), request.app.state.login_policy
        address = request.client.host if request.client else None

        def refuse(status: int, message: str, wait_s: float | None = None) -> HTMLResponse:
            resp = render(request, "login.html", None, status_code=status, next=_safe_next(next), error=message)
            if wait_s is not None:
                resp.headers["retry-after"] = str(max(1, math.ceil(wait_s)))
            return resp

        def busy() -> HTMLResponse:
            return refuse(429, "Too many sign-ins at this moment: try again in a few seconds.", 2)

        wait_s, why = await run_in_threadpool(st.write, login_wait, username, address, policy)
        if wait_s:
            await run_in_threadpool(st.write, audit, None, "login.refused", username,
                                    {"address": address, "why": why, "wait_s": round(wait_s)})
            return refuse(429, f"Too many failed sign-ins: try again in {_wait_words(wait_s)}"
                          + (" or ask an admin to unlock the account." if why == "locked" else "."), wait_s)
        pw_hash, user = await run_in_threadpool(st.write, password_hash, username)
        try:
            ok = await asyncio.wrap_future(CHECKS.verify(pw_hash, password))
        except Busy:
            return busy()
        if not ok or user is None:
            locked = await run_in_threadpool(st.write, _failed, username, address, policy)
            return refuse(401, "Wrong name or password." + (" The account is now locked for a while." if locked else ""))
        secret = await run_in_threadpool(st.write, _signed_in, user, address, pw_hash, password)
        resp = RedirectResponse(_safe_next(next), status_code=303)
        resp.set_cookie(COOKIE, secret, httponly=True, samesite="lax", secure=request.url.scheme == "https",
                        max_age=12 * 3600, path="/")
        return resp

    @app.post("/logout", **opts)
    def logout(request: Request, cur: Cur):
        secret = request.cookies.get(COOKIE)
        if secret:
            end_session(cur, secret)
            state(request).forget_user(secret)
        resp = RedirectResponse("/login", status_code=303)
        resp.delete_cookie(COOKIE, path="/")
        return resp

    @app.get("/metrics", **opts)
    def metrics_page(request: Request, cur: Cur, user: Annotated[User, Depends(need("metrics"))],
                     m: Annotated[MetricQuery, Depends(metric_query)]):
        # the rows name interval keys by their output column (interval15 -> interval_start)
        keys, rows = [k.column for k in parse_by(m.by)], m.rows
        chart = sl_chart = None
        if rows and len(keys) == 1 and m.by[0] in ("interval15", "interval30", "interval60", "day", "week", "month"):
            chart = _charts.line([r[keys[0]] for r in rows], {"offered": [r["offered"] for r in rows],
                                                              "answered": [r["answered"] for r in rows]},
                                 y_name="contacts", x_name=keys[0], label=f"contacts offered and answered by {keys[0]}")
            target = next((r["sl_target"] for r in rows if r.get("sl_target") is not None), None)
            sl_chart = _charts.line([r[keys[0]] for r in rows], {"service level": [r["service_level"] for r in rows]},
                                    y_name="service level", x_name=keys[0], unit="pct", target=target,
                                    label=f"service level by {keys[0]} against the target")
        framing = explorer_frame(cur, rows[:1000], m.by, m.start, m.end, m.channel, m.queue,
                                 allowed(user.role, "contacts"))
        qs = request.url.query
        return render(request, "metrics.html", user, rows=rows[:1000], total=len(rows), keys=keys, by=m.by,
                      group_keys=q.GROUP_KEYS, start=m.start or "", end=m.end or "", channel=m.channel or "",
                      queue=m.queue or "", chart=chart, sl_chart=sl_chart, framing=framing,
                      csv_href="/metrics.csv" + (f"?{qs}" if qs else ""))

    @app.get("/metrics.csv", include_in_schema=False)
    def metrics_csv(user: Annotated[User, Depends(need("metrics"))],
                    m: Annotated[MetricQuery, Depends(metric_query)]):
        return Response(to_csv(m.rows), media_type="text/csv",
                        headers={"content-disposition": 'attachment; filename="earful-metrics.csv"'})

    @app.get("/staffing", **opts)
    def staffing_page(request: Request, cur: Cur, user: Annotated[User, Depends(need("staffing"))],
                      channel: Annotated[str, Query(max_length=20)] = "voice",
                      calls: Annotated[float | None, Query(ge=0, le=1_000_000)] = None,
                      aht_s: Annotated[float | None, Query(gt=0, le=86_400)] = None,
                      interval_s: Annotated[int, Query(ge=60, le=86_400)] = 1800,
                      threshold_s: Annotated[float | None, Query(gt=0, le=3600)] = None,
                      shrinkage: Annotated[float | None, Query(ge=0, lt=1)] = None,
                      target: Annotated[float | None, Query(ge=0.5, le=0.99)] = None):
        return staffing_view(request, cur, user, channel, calls, aht_s, interval_s, threshold_s, shrinkage, target)

    @app.get("/reasons", **opts)
    def reasons_page(request: Request, cur: Cur, user: Annotated[User, Depends(need("reasons"))]):
        data = state(request).cached(cur, "reasons", q.reasons)
        return render(request, "reasons.html", user, data=data)

    @app.get("/insights", **opts)
    def insights_page(request: Request, cur: Cur, user: Annotated[User, Depends(need("insights"))],
                      state_: Annotated[str | None, Query(alias="state", max_length=20)] = None,
                      department: Annotated[str | None, Query(max_length=200)] = None,
                      sort: Annotated[str, Query(max_length=20)] = "value",
                      q_: Annotated[str | None, Query(alias="q", max_length=200)] = None,
                      offset: Annotated[int, Query(ge=0)] = 0):
        dept = department_scope(user, department or None)
        st = state(request)
        data = st.cached(cur, "insights", q.insights_list, department=dept, state=state_ or None, q=q_ or None,
                         sort=sort or "value", limit=25, offset=offset)
        data = {**data, "items": [dict(it) for it in data["items"]]}
        departments = st.cached(cur, "departments", q.departments) if user.role != "department" else []
        for it in data["items"]:
            it["actions"] = q.next_actions(it["state"], user.role) if it["department"] and it["state"] else []
        return render(request, "insights.html", user, cache=(state_, dept, sort, q_, offset), cur=cur, data=data,
                      state=state_ or "", department=dept or "", sort=sort or "value", q=q_ or "",
                      sorts=tuple(q.SORTS), departments=departments, states=q.STATES)

    @app.get("/insights/{insight_id}", **opts)
    def insight_page(request: Request, cur: Cur, user: Annotated[User, Depends(need("insights"))], insight_id: str,
                     done: Annotated[str | None, Query(max_length=20)] = None):
        moved = resolve_insight(cur, insight_id)
        if moved != insight_id:
            return RedirectResponse(f"/insights/{quote(moved)}", status_code=308)
        check_insight(cur, user, insight_id)
        dept = user.department if user.role == "department" else None
        item = q.insight_get(cur, insight_id, department=dept, role=user.role, redacted=True)
        return render(request, "insight.html", user, item=item, done=DONE.get(done or ""))

    @app.post("/insights/{insight_id}/act", **opts)
    def insight_act_page(request: Request, cur: Cur, user: Annotated[User, Depends(need("insight_act"))],
                         insight_id: str, action: Annotated[str, Form(max_length=20)],
                         department: Annotated[str, Form(max_length=200)] = "",
                         note: Annotated[str, Form(max_length=2000)] = "",
                         amount: Annotated[str, Form(max_length=30)] = "",
                         back: Annotated[str, Form(max_length=500)] = ""):
        return form_write(request, cur, user, insight_id, department,
                          lambda dept: q.insight_act(cur, insight_id, dept, action, user, note=note or None,
                                                     amount=amount or None), action, back)

    @app.get("/interactions", **opts)
    def interactions_page(request: Request, cur: Cur, user: Annotated[User, Depends(need("interactions"))],
                          q_: Annotated[str | None, Query(alias="q", max_length=200)] = None,
                          offset: Annotated[int, Query(ge=0)] = 0):
        data = q.interactions_list(cur, q=q_ or None, limit=50, offset=offset)
        return render(request, "interactions.html", user, data=data, q=q_ or "")

    @app.get("/interactions/{interaction_id}", **opts)
    def interaction_page(request: Request, cur: Cur, user: Annotated[User, Depends(need("interaction"))],
                         interaction_id: str, raw: bool = False):
        item = readable_interaction(cur, user, interaction_id, raw)
        from earful.web.quality import qa_card

        return render(request, "interaction.html", user, item=item, qa=qa_card(cur, user, interaction_id, raw))

    @app.get("/ledger", **opts)
    def ledger_page(request: Request, cur: Cur, user: Annotated[User, Depends(need("ledger"))],
                    period: Annotated[str | None, Query(max_length=7, pattern=r"^(\d{4}-\d{2})?$")] = None):
        data = state(request).cached(cur, "ledger", q.ledger_report, department=department_scope(user),
                                     month=period or None)
        return render(request, "ledger.html", user, cache=(period,), cur=cur, data=data, period=period or "")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        return RedirectResponse("/static/favicon.svg", status_code=308)


@dataclass(frozen=True)
class MetricQuery:
    """The metrics explorer's query as typed in the address bar, and its rows (cached per query)."""

    by: tuple[str, ...]
    start: str | None
    end: str | None
    channel: str | None
    queue: str | None
    rows: list[dict]


def metric_query(request: Request, cur: Cur,
                 by: Annotated[list[str], Query(max_length=4)] = ["day"],  # noqa: B006
                 start: Annotated[str | None, Query(max_length=10)] = None,
                 end: Annotated[str | None, Query(max_length=10)] = None,
                 channel: Annotated[str | None, Query(max_length=64)] = None,
                 queue: Annotated[str | None, Query(max_length=200)] = None) -> MetricQuery:
    """Shared by the page and its CSV export."""
    by_t = tuple(b for b in by if b) or ("day",)
    rows = state(request).cached(cur, "metrics", q.metrics, by_t, start=q.parse_day(start, "start"),
                                 end=q.parse_day(end, "end"), channel=channel or None, queue=queue or None)
    return MetricQuery(by_t, start, end, channel, queue, rows)


def _failed(cur: duckdb.DuckDBPyConnection, name: str, address: str | None, policy: LoginPolicy) -> bool:
    locked = login_failed(cur, name, address, policy)
    audit(cur, None, "login.failed", name, {"address": address})
    if locked:
        audit(cur, None, "login.locked", name, {"address": address, "for_s": policy.lock_s})
    return locked


def _signed_in(cur: duckdb.DuckDBPyConnection, user: User, address: str | None, pw_hash: str | None,
               password: str) -> str:
    login_succeeded(cur, user.name)
    rehash(cur, user.name, pw_hash, password)
    secret = create_session(cur, user)
    audit(cur, user, "login", user.name, {"address": address})
    return secret


def _wait_words(seconds: float) -> str:
    seconds = max(1, math.ceil(seconds))
    if seconds < 120:
        return f"{seconds} s"
    return f"{math.ceil(seconds / 60)} min"


def _safe_next(target: str | None) -> str:
    """Only same-site paths after login (no open redirect)."""
    return safe_path(target)
