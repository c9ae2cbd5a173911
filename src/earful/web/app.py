"""The dashboard: server-rendered pages over the store, plus the REST API and its errors."""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, urlsplit

import duckdb
from fastapi import Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from earful.errors import EarfulError
from earful.insights import wording
from earful.metrics import parse_by
from earful.nlp.redact import preload as preload_redactor
from earful.store import connect
from earful.web import _queries as q
from earful.web import _charts
from earful.web._access import AREAS, allowed
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
from earful.web.insights import DONE, form_write, resolve_insight
from earful.web.insights import router as insights_router
from earful.web.load import router as load_router
from earful.web.api import to_csv
from earful.web.voice import router as voice_router
from earful.web.assess import router as assess_router
from earful.web.auth import User, audit, authenticate, create_session, end_session, list_users

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
Cur = Annotated[duckdb.DuckDBPyConnection, Depends(get_cursor)]

NAV = [("overview", "/", "Overview"), ("metrics", "/metrics", "Metrics"), ("staffing", "/staffing", "Staffing"),
       ("reasons", "/reasons", "Reasons"), ("insights", "/insights", "Insights"),
       ("interactions", "/interactions", "Reader"), ("ledger", "/ledger", "Ledger"), ("users", "/users", "Users"),
       ("briefing", "/briefing", "Briefing"), ("load", "/load", "Load data"), ("assess", "/assess", "Assessment")]
NAV[5:5] = [("qa", "/qa", "Quality"), ("surveys", "/surveys", "Surveys"), ("agents", "/agents", "Agents")]


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
                             band_chart=_charts.band, **wording.TEMPLATE_GLOBALS)


def render(request: Request, name: str, user: User | None, status_code: int = 200, *,
           cache: tuple | None = None, cur: duckdb.DuckDBPyConnection | None = None, **ctx) -> HTMLResponse:
    """A page; with ``cache`` (and ``cur``) the HTML is kept per user until the data changes."""
    nav = [(a, href, label) for a, href, label in NAV if user and allowed(user.role, a)]
    full = {"request": request, "user": user, "nav": nav, "path": request.url.path, **ctx}
    if cache is None or cur is None or user is None:
        return templates.TemplateResponse(request, name, full, status_code=status_code)
    key = (name, cache, user.name, user.role, user.department, request.url.path)
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


def create_app(db_path: str | os.PathLike[str] | None = None) -> FastAPI:
    """The dashboard and REST API over the store at ``db_path`` (opened once, read-write)."""
    con = connect(db_path)
    app = FastAPI(title="earful", version="1", description="Contact-centre metrics, staffing and insights.",
                  openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None, lifespan=_lifespan)
    app.state.earful = AppState(con)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(api_router)
    app.include_router(quality_router)
    app.include_router(surveys_router)
    app.include_router(insights_router)
    app.include_router(voice_router)
    app.include_router(assess_router)
    _add_handlers(app)
    _add_pages(app)
    app.include_router(load_router)

    @app.middleware("http")
    async def _guard(request: Request, call_next):
        # Cross-site writes: cookies are SameSite=Lax, and a foreign Origin on a write is refused.
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            origin = request.headers.get("origin")
            if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
                return _error(request, 403, "cross-site request refused")
        response = await call_next(request)
        response.headers.setdefault("x-content-type-options", "nosniff")
        response.headers.setdefault("x-frame-options", "DENY")
        response.headers.setdefault("referrer-policy", "same-origin")
        response.headers.setdefault("content-security-policy",
                                    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; media-src 'self'")
        return response

    return app


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
    def login(request: Request, cur: Cur, username: Annotated[str, Form(max_length=64)],
              password: Annotated[str, Form(max_length=1024)], next: Annotated[str, Form()] = "/"):
        user = authenticate(cur, username, password)
        if user is None:
            return render(request, "login.html", None, status_code=401, next=_safe_next(next),
                          error="Wrong name or password.")
        secret = create_session(cur, user)
        audit(cur, user, "login", user.name)
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

    @app.get("/", **opts)
    def overview_page(request: Request, cur: Cur, user: Annotated[User | None, Depends(current_user)],
                      days: Annotated[int, Query(ge=1, le=366)] = 28):
        if user is None:
            raise LoginRequired()
        if not allowed(user.role, "overview"):  # an agent's home is their own page
            if allowed(user.role, "agents"):
                return RedirectResponse("/agents", status_code=303)
            raise HTTPException(status_code=403, detail=f"the {user.role} role cannot open overview")
        data = state(request).cached(cur, "overview", q.overview, days)
        return render(request, "overview.html", user, cache=(days,), cur=cur, data=data, days=days)

    @app.get("/metrics", **opts)
    def metrics_page(request: Request, user: Annotated[User, Depends(need("metrics"))],
                     m: Annotated[MetricQuery, Depends(metric_query)]):
        # the rows name interval keys by their output column (interval15 -> interval_start)
        keys, rows = [k.column for k in parse_by(m.by)], m.rows
        chart = None
        if rows and len(keys) == 1 and m.by[0] in ("interval15", "interval30", "interval60", "day"):
            chart = _charts.line([r[keys[0]] for r in rows], {"offered": [r["offered"] for r in rows],
                                                              "answered": [r["answered"] for r in rows]},
                                 y_name="contacts", x_name=keys[0], label=f"contacts offered and answered by {keys[0]}")
        qs = request.url.query
        return render(request, "metrics.html", user, rows=rows[:1000], total=len(rows), keys=keys, by=m.by,
                      group_keys=q.GROUP_KEYS, start=m.start or "", end=m.end or "", channel=m.channel or "",
                      queue=m.queue or "", chart=chart, csv_href="/metrics.csv" + (f"?{qs}" if qs else ""))

    @app.get("/metrics.csv", include_in_schema=False)
    def metrics_csv(user: Annotated[User, Depends(need("metrics"))],
                    m: Annotated[MetricQuery, Depends(metric_query)]):
        return Response(to_csv(m.rows), media_type="text/csv",
                        headers={"content-disposition": 'attachment; filename="earful-metrics.csv"'})

    @app.get("/staffing", **opts)
    def staffing_page(request: Request, cur: Cur, user: Annotated[User, Depends(need("staffing"))],
                      calls: Annotated[float | None, Query(ge=0, le=1_000_000)] = None,
                      aht_s: Annotated[float | None, Query(gt=0, le=86_400)] = None,
                      interval_s: Annotated[int, Query(ge=60, le=86_400)] = 1800,
                      threshold_s: Annotated[float, Query(gt=0, le=3600)] = 20,
                      target: Annotated[float, Query(ge=0.5, le=0.99)] = 0.8):
        defaults = state(request).cached(cur, "staffing_inputs", q.staffing_inputs, interval_s)
        c = defaults["calls"] if calls is None else calls
        a = defaults["aht_s"] if aht_s is None else aht_s
        table = q.staffing_what_if(c, a, interval_s, threshold_s=threshold_s,
                                   targets=tuple(t / 100 for t in range(50, 100, 5)))
        current = q.staffing_what_if(c, a, interval_s, threshold_s=threshold_s, targets=(target,))[0]
        chart = _charts.staffing(table, current)
        return render(request, "staffing.html", user, calls=c, aht_s=a, interval_s=interval_s,
                      threshold_s=threshold_s, target=target, table=table, current=current, chart=chart)

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

    @app.get("/users", **opts)
    def users_page(request: Request, cur: Cur, user: Annotated[User, Depends(need("users"))]):
        return render(request, "users.html", user, users=list_users(cur), areas=AREAS)

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


def _safe_next(target: str | None) -> str:
    """Only same-site paths after login (no open redirect)."""
    return safe_path(target)
