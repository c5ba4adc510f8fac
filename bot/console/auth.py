"""Console logins: argon2id passwords, signed session cookies, throttling; the login routes.

The session cookie `ltsa_console` holds the staff id and their `session_epoch`, signed and
time-stamped with LTSA_SECRET_KEY (itsdangerous); it is HttpOnly, SameSite=Strict, scoped to
/console, Secure over https (or always, with LTSA_CONSOLE_SECURE_COOKIE). Logging out raises
the epoch, which ends every session of that account. Failed logins are counted in the
database per account and per address: past the limit, logins wait for the window to pass
(429), whatever the password.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot.console import csrf
from bot.console.errors import LoginRequired, TooManyAttempts
from bot.console.pages import render
from bot.db import staff_queries as sq
from bot.db.models import Staff, utcnow

COOKIE = "ltsa_console"
_SALT = "ltsa-console-session"
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("not a password of anyone")  # unknown accounts cost the same time
MIN_PASSWORD = 10
SEEN_EVERY = dt.timedelta(seconds=60)

router = APIRouter(dependencies=[Depends(csrf.verify)])


def hash_password(password: str) -> str:
    """The argon2id hash of a password (for `ltsa staff add`)."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password has at least {MIN_PASSWORD} characters")
    return _HASHER.hash(password)


def password_matches(stored: str, password: str) -> bool:
    """True when the password matches the stored hash."""
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.services.settings.secret_key, salt=_SALT)


def _session(request: Request) -> dict[str, Any] | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    hours = request.app.state.services.settings.console_session_hours
    try:
        data = _serializer(request).loads(raw, max_age=int(hours * 3600))
    except BadSignature:  # SignatureExpired is a BadSignature
        return None
    return data if isinstance(data, dict) else None


@dataclass
class Login:
    """The logged-in staff member of a request."""

    staff: Staff
    ip: str


async def current(request: Request) -> Login:
    """The logged-in staff member, or LoginRequired (dependency of every console page)."""
    data = _session(request)
    if data is None:
        raise LoginRequired()
    services = request.app.state.services
    async with services.db.transaction() as session:
        staff = await session.get(Staff, data.get("s"))
        if staff is None or not staff.active or staff.session_epoch != data.get("e"):
            raise LoginRequired()
        now = utcnow()
        if staff.last_seen_at is None or now - staff.last_seen_at > SEEN_EVERY:
            staff.last_seen_at = now
    request.state.staff = staff
    return Login(staff, client_ip(request))


CurrentLogin = Annotated[Login, Depends(current)]


def _set_session(request: Request, response: Response, staff: Staff) -> None:
    hours = request.app.state.services.settings.console_session_hours
    response.set_cookie(
        COOKIE,
        _serializer(request).dumps({"s": staff.id, "e": staff.session_epoch}),
        max_age=int(hours * 3600),
        httponly=True,
        samesite="strict",
        secure=csrf.secure(request),
        path="/console",
    )


async def _throttle(request: Request, email: str, ip: str) -> None:
    settings = request.app.state.services.settings
    since = utcnow() - dt.timedelta(minutes=settings.login_window_minutes)
    async with request.app.state.services.db.transaction() as session:
        by_email, by_ip = await sq.login_failures(session, email, ip, since)
    limit = settings.login_max_failures
    if by_email >= limit or by_ip >= 4 * limit:
        raise TooManyAttempts(
            f"too many failed logins: wait {settings.login_window_minutes} minutes"
        )


@router.get("/console/login")
async def login_page(request: Request) -> Response:
    """The login form."""
    return render(request, "login.html", {"error": None})


@router.post("/console/login")
async def login(request: Request) -> Response:
    """Checks the password; on success starts a session and opens the queue."""
    form = await request.form()
    email = str(form.get("email") or "").strip()[:254]
    password = str(form.get("password") or "")[:1024]
    ip = client_ip(request)
    await _throttle(request, email, ip)
    services = request.app.state.services
    async with services.db.transaction() as session:
        staff = await sq.staff_by_email(session, email)
    stored = staff.password_hash if staff is not None and staff.active else _DUMMY
    ok = await asyncio.to_thread(password_matches, stored, password)
    async with services.db.transaction() as session:
        if not ok or staff is None or not staff.active:
            await sq.record_login_failure(session, email, ip)
            sq.audit(session, None, "login_failed", ip=ip)
            failed = True
        else:
            await sq.clear_login_failures(session, email)
            row = await session.get_one(Staff, staff.id)
            if _HASHER.check_needs_rehash(row.password_hash):
                row.password_hash = _HASHER.hash(password)
            row.last_seen_at = utcnow()
            sq.audit(session, row, "login", ip=ip)
            failed = False
    if failed or staff is None:
        return render(request, "login.html", {"error": "wrong"}, status_code=401)
    response = RedirectResponse("/console/cases", status_code=303)
    _set_session(request, response, staff)
    csrf.renew(request)
    csrf.set_cookie(request, response)
    return response


@router.post("/console/logout")
async def logout(request: Request, login: CurrentLogin) -> Response:
    """Ends every session of the account and goes back to the login form."""
    async with request.app.state.services.db.transaction() as session:
        row = await session.get_one(Staff, login.staff.id)
        row.session_epoch += 1
        row.on_duty = False
        sq.audit(session, row, "logout", ip=login.ip)
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response
