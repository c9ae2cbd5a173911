"""Writes only from the dashboard's own pages: an Origin check and a per-session form token.

Every request that changes something (POST, PUT, PATCH, DELETE) with a session cookie, and
every sign-in, must

1. carry an ``Origin`` header naming this server (or an origin the admin allowed): a missing
   Origin, ``Origin: null`` (sandboxed frames, some redirects) and a foreign one are refused;
2. with a session cookie, carry that session's token, as the form field ``csrf_token`` or the
   header ``X-CSRF-Token``.

The token is an HMAC of the session secret, so it is different for every session, needs no
storage, and cannot be turned back into the cookie. Requests with ``Authorization: Bearer``
are exempt: a browser never adds that header to a cross-site request by itself.

Pages get the token without code of their own: :func:`protect` runs before every route of the
app (routers included later too), and templates write ``{{ csrf_field() }}`` inside each
``<form method="post">``; scripts read ``<meta name="csrf-token">`` and send the header.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from jinja2 import pass_context
from markupsafe import Markup, escape

from earful.web._deps import COOKIE

FIELD = "csrf_token"
HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def token_for(session_secret: str | None) -> str:
    """The form token of the session whose cookie holds ``session_secret`` ("" without a session)."""
    if not session_secret:
        return ""
    mac = hmac.new(session_secret.encode("utf-8"), b"earful form token v1", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def request_token(request: Request) -> str:
    """The token the pages of this request must carry ("" when nobody is signed in by cookie)."""
    return token_for(request.cookies.get(COOKIE))


def _has_bearer(request: Request) -> bool:
    return (request.headers.get("authorization") or "")[:7].lower() == "bearer "


def same_origin(request: Request, allowed: frozenset[str] = frozenset()) -> bool:
    """Whether the request's Origin is this server (its Host header) or one of ``allowed``."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return False
    if origin.rstrip("/") in allowed:
        return True
    return urlsplit(origin).netloc.lower() == (request.headers.get("host") or "").lower()


async def protect(request: Request) -> None:
    """Refuse a cookie-authenticated write (or a sign-in) that did not come from our own page.

    Installed on the whole app, so every route added later is covered without a line of its own.
    Anonymous writes elsewhere pass through: the route itself answers 401 or sends to /login.
    """
    if request.method not in UNSAFE or _has_bearer(request):
        return
    signing_in = request.url.path == "/login"
    expected = request_token(request)
    if not expected and not signing_in:
        return
    allowed = getattr(request.app.state, "allowed_origins", frozenset())
    if not same_origin(request, allowed):
        origin = request.headers.get("origin")
        why = "it has no Origin header" if not origin else f"it comes from {origin}"
        raise HTTPException(status_code=403, detail=f"cross-site request refused: {why}")
    if signing_in:
        return  # no session yet: the Origin check is what protects the sign-in form
    sent = request.headers.get(HEADER)
    if sent is None and (request.headers.get("content-type") or "").startswith(_FORMS):
        sent = (await request.form()).get(FIELD)
    if not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise HTTPException(status_code=403, detail="this form has expired or did not come from earful: "
                                                    "reload the page and try again")


@pass_context
def csrf_field(context) -> Markup:
    """``{{ csrf_field() }}``: the hidden input every POST form of the dashboard carries."""
    request = context.get("request")
    token = request_token(request) if request is not None else ""
    if not token:
        return Markup("")
    return Markup(f'<input type="hidden" name="{FIELD}" value="{escape(token)}">')


@pass_context
def csrf_token(context) -> str:
    """``{{ csrf_token() }}``: the bare token (for ``<meta name="csrf-token">`` and scripts)."""
    request = context.get("request")
    return request_token(request) if request is not None else ""
