"""CSRF protection of every console POST: a signed double-submit token.

Each browser gets a random token in the cookie `ltsa_csrf` (HttpOnly, SameSite=Strict, signed
with LTSA_SECRET_KEY so it cannot be planted); every form carries the same token in the hidden
field `csrf` (htmx sends it as `X-CSRF-Token`). A POST whose field does not match its cookie,
or whose `Origin` is another site, is refused with 403 before the route runs. The token is
renewed at login.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeSerializer

from bot.console.errors import CsrfFailed

COOKIE = "ltsa_csrf"
FIELD = "csrf"
HEADER = "X-CSRF-Token"
_SALT = "ltsa-console-csrf"


def secure(request: Request) -> bool:
    """Console cookies are Secure over https, or always when the setting says so."""
    settings = request.app.state.services.settings
    return bool(settings.console_secure_cookie) or request.url.scheme == "https"


def _signer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.services.settings.secret_key, salt=_SALT)


def _cookie_token(request: Request) -> str | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        token = _signer(request).loads(raw)
    except BadSignature:
        return None
    return token if isinstance(token, str) else None


def token(request: Request) -> str:
    """The browser's token (a new one when it has none yet); `set_cookie` stores it."""
    existing = getattr(request.state, "csrf_token", None) or _cookie_token(request)
    request.state.csrf_token = existing or secrets.token_urlsafe(32)
    return str(request.state.csrf_token)


def renew(request: Request) -> str:
    """A fresh token (at login)."""
    request.state.csrf_token = secrets.token_urlsafe(32)
    return str(request.state.csrf_token)


def set_cookie(request: Request, response: Response) -> None:
    """Stores the token of this request in the browser, when it is new."""
    current = getattr(request.state, "csrf_token", None)
    if current is None or current == _cookie_token(request):
        return
    response.set_cookie(
        COOKIE,
        _signer(request).dumps(current),
        httponly=True,
        samesite="strict",
        secure=secure(request),
        path="/console",
    )


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    parts = urlsplit(origin)
    return parts.netloc == request.headers.get("host", request.url.netloc)


async def verify(request: Request) -> None:
    """Refuses a POST without the browser's token (dependency of every console route)."""
    if request.method != "POST":
        return
    expected = _cookie_token(request)
    sent = request.headers.get(HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(FIELD)
        sent = value if isinstance(value, str) else None
    # bytes: compare_digest refuses str with non-ASCII characters (a 500 for a forged form)
    if (
        not expected
        or not sent
        or not hmac.compare_digest(
            expected.encode("utf-8", "replace"), sent.encode("utf-8", "replace")
        )
    ):
        raise CsrfFailed("the form expired or came from elsewhere: reload the page")
    if not _same_origin(request):
        raise CsrfFailed("the form came from another site")
