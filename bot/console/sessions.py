"""OPP sessions: thin routes over `bot.booking.staff` and `bot.booking.directory`.

    GET  /console/sessions                         upcoming and recent sessions; the new-session
                                                   form (supervisors, LTSA admins)
    POST /console/sessions                         creates one (what `ltsa opp add` calls)
    POST /console/sessions/{id}/cancel             cancels one nobody is booked into
    GET  /console/sessions/{id}                    attendees, attendance marks, waitlist
    POST /console/sessions/{id}/bookings/{b}/mark    attended | no_show | booked (undo)
    POST /console/sessions/{id}/bookings/{b}/cancel  the seat goes to the waitlist, who is told
    GET  /console/sessions/{id}/attendees.csv      the attendee list (names safe from formulas)

Only the staff member's LTSA (every LTSA without one); every view and action is audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import staff as booking_staff
from bot.booking.directory import MAX_CAPACITY, SessionRefused, add_session
from bot.casework import policy
from bot.console import attendance, csrf
from bot.console.attendance import STATUS_NAMES, when
from bot.console.auth import CurrentLogin, Login
from bot.console.errors import Conflict, NotFound
from bot.console.pages import render
from bot.db import staff_queries as sq
from bot.db.models import OppSession, utcnow
from nlu.dates import TZ

router = APIRouter(dependencies=[Depends(csrf.verify)])

RECENT = dt.timedelta(days=14)  # past sessions still listed (for attendance marks)
REFUSED = {
    "form": "Isi tanggal, jam dan jumlah kursi dengan benar.",
    "ltsa": "Pilih LTSA sesi ini.",
    "language": "Pilih bahasa penyampaian.",
    "capacity": f"Jumlah kursi antara 1 dan {MAX_CAPACITY}.",
    "past": "Waktu mulai sudah lewat: pilih tanggal dan jam yang akan datang.",
    "taken": "LTSA ini sudah punya sesi OPP yang mulai pada waktu itu.",
}


@dataclass(frozen=True)
class SessionRow:
    """One OPP session as the list shows it."""

    id: int
    ltsa: str
    when: str
    place: str
    language: str
    capacity: int
    taken: int
    waiting: int
    status: str
    past: bool


def _row(request: Request, opp: OppSession, slug: str, waiting: int) -> SessionRow:
    return SessionRow(
        id=opp.id,
        ltsa=slug,
        when=when(request, opp.starts_at),
        place=opp.place,
        language=opp.language,
        capacity=opp.capacity,
        taken=opp.seats_taken,
        waiting=waiting,
        status=opp.status,
        past=opp.starts_at <= utcnow(),
    )


async def _session(
    session: AsyncSession, login: Login, session_id: int, *, lock: bool = False
) -> tuple[OppSession, str]:
    query = select(OppSession).where(OppSession.id == session_id)
    opp = await session.scalar(query.with_for_update() if lock else query)
    slug = await attendance.ltsa_slug(session, opp.ltsa_id) if opp is not None else None
    if opp is None or not policy.can_see_bookings(login.staff, slug):
        raise NotFound("Sesi OPP tidak ada, atau bukan dari LTSA Anda.")
    return opp, str(slug)


async def _list_page(
    request: Request,
    login: Login,
    *,
    values: dict[str, str] | None = None,
    error: str | None = None,
) -> Response:
    async with request.app.state.services.db.transaction() as session:
        found = await booking_staff.sessions(session, login.staff.ltsa_slug, utcnow() - RECENT)
        waiting = await booking_staff.waiting_counts(session, [opp.id for opp, _ in found])
        if error is None:
            sq.audit(session, login.staff, "view_sessions", ip=login.ip)
    content = request.app.state.services.content
    context: dict[str, Any] = {
        "rows": [_row(request, opp, slug, waiting.get(opp.id, 0)) for opp, slug in found],
        "can_manage": policy.can_manage_sessions(login.staff),
        "ltsas": [login.staff.ltsa_slug] if login.staff.ltsa_slug else sorted(content.ltsa),
        "languages": content.languages,
        "values": values or {"capacity": "30", "time": "08:00", "language": "id"},
        "max_capacity": MAX_CAPACITY,
        "error": error,
        "done": attendance.done(request),
    }
    return render(request, "sessions.html", context, status_code=422 if error else 200)


@router.get("/console/sessions")
async def sessions_page(request: Request, login: CurrentLogin) -> Response:
    """The LTSA's OPP sessions, soonest first, with seats and waitlists."""
    attendance.require(login)
    return await _list_page(request, login)


def _start(values: dict[str, str]) -> dt.datetime | None:
    try:
        day = dt.date.fromisoformat(values.get("date", "").strip())
        at = dt.time.fromisoformat(values.get("time", "").strip())
    except ValueError:
        return None
    return dt.datetime.combine(day, at.replace(second=0, microsecond=0), tzinfo=TZ)


def _capacity(values: dict[str, str]) -> int | None:
    text = values.get("capacity", "").strip()
    return int(text) if text.isdigit() and len(text) < 6 else None


@router.post("/console/sessions")
async def create(request: Request, login: CurrentLogin) -> Response:
    """Creates an OPP session from the form (date and time in Asia/Jakarta)."""
    attendance.require_manager(login)
    values = {k: v[:200] for k, v in (await attendance.form(request)).items() if k != "csrf"}
    content = request.app.state.services.content
    slug = login.staff.ltsa_slug or values.get("ltsa", "")
    start, capacity = _start(values), _capacity(values)
    refusal = None
    if slug not in content.ltsa:
        refusal = "ltsa"
    elif values.get("language") not in content.languages:
        refusal = "language"
    elif start is None or capacity is None:
        refusal = "form"
    if refusal is not None or start is None or capacity is None:
        return await _list_page(request, login, values=values, error=REFUSED[refusal or "form"])
    place = values.get("place", "").strip() or None
    try:
        async with request.app.state.services.db.transaction() as session:
            opp = await add_session(
                session, slug, start, capacity, place, values["language"], now=utcnow()
            )
            sq.audit(session, login.staff, "create_session", ip=login.ip, session_id=opp.id)
            opp_id = opp.id
    except SessionRefused as refused:
        return await _list_page(request, login, values=values, error=REFUSED[refused.reason])
    except IntegrityError:  # the same start, added at the same moment by someone else
        return await _list_page(request, login, values=values, error=REFUSED["taken"])
    return RedirectResponse(f"/console/sessions/{opp_id}?done=created", status_code=303)


@router.post("/console/sessions/{session_id}/cancel")
async def cancel_session(session_id: int, request: Request, login: CurrentLogin) -> Response:
    """Cancels a session nobody is booked into or waiting for."""
    attendance.require_manager(login)
    async with request.app.state.services.db.transaction() as session:
        opp, _ = await _session(session, login, session_id, lock=True)
        try:
            await booking_staff.cancel_session(session, opp, utcnow())
        except booking_staff.CancelRefused as refused:
            raise Conflict(_cancel_refusal(refused)) from None
        sq.audit(session, login.staff, "cancel_session", ip=login.ip, session_id=opp.id)
    return RedirectResponse("/console/sessions?done=cancelled_session", status_code=303)


def _cancel_refusal(refused: booking_staff.CancelRefused) -> str:
    if refused.reason == "past":
        return "Sesi yang sudah lewat tidak bisa dibatalkan."
    if refused.reason == "cancelled":
        return "Sesi ini sudah dibatalkan."
    return (
        f"Sesi ini masih punya {refused.booked} pendaftar dan {refused.waiting} orang di daftar"
        " tunggu. Bot belum bisa memberi tahu mereka bahwa sesinya batal, jadi sesi dengan"
        " pendaftar tidak dibatalkan dari konsol. Hubungi mereka dulu (atau pindahkan ke sesi"
        " lain), batalkan pendaftarannya satu per satu, lalu batalkan sesinya."
    )


@router.get("/console/sessions/{session_id}")
async def session_page(session_id: int, request: Request, login: CurrentLogin) -> Response:
    """One session: who is booked, their attendance, who waits."""
    attendance.require(login)
    async with request.app.state.services.db.transaction() as session:
        opp, slug = await _session(session, login, session_id)
        people = await booking_staff.attendees(session, opp.id)
        waiting = await booking_staff.waitlist(session, opp.id)
        sq.audit(session, login.staff, "view_session", ip=login.ip, session_id=opp.id)
    context = {
        "opp": _row(request, opp, slug, len(waiting)),
        "people": people,
        "waiting": waiting,
        "status_names": STATUS_NAMES,
        "mark_labels": attendance.MARK_LABELS,
        "can_manage": policy.can_manage_sessions(login.staff),
        "done": attendance.done(request),
    }
    return render(request, "session.html", context)


def _back(session_id: int, done: str, booking_id: int) -> Response:
    target = f"/console/sessions/{session_id}?done={done}#b{booking_id}"
    return RedirectResponse(target, status_code=303)


@router.post("/console/sessions/{session_id}/bookings/{booking_id}/mark")
async def mark(
    session_id: int, booking_id: int, request: Request, login: CurrentLogin
) -> Response:
    """Marks one attendee attended or not come (or takes the mark back)."""
    attendance.require(login)
    values = await attendance.form(request)
    async with request.app.state.services.db.transaction() as session:
        row = await attendance.booking(session, login, booking_id, "opp")
        if row.opp_session_id != session_id:
            raise NotFound("Pendaftaran ini bukan dari sesi ini.")
        await attendance.mark(session, login, row, values.get("status", ""))
    return _back(session_id, "marked", booking_id)


@router.post("/console/sessions/{session_id}/bookings/{booking_id}/cancel")
async def cancel_booking(
    session_id: int, booking_id: int, request: Request, login: CurrentLogin
) -> Response:
    """Cancels a booking for the person; the first on the waitlist gets the seat and is told."""
    attendance.require_manager(login)
    services = request.app.state.services
    async with services.db.transaction() as session:
        row = await attendance.booking(session, login, booking_id, "opp")
        if row.opp_session_id != session_id:
            raise NotFound("Pendaftaran ini bukan dari sesi ini.")
        if row.status != "booked":
            raise Conflict("Hanya pendaftaran yang masih aktif yang bisa dibatalkan.")
        promoted = await booking_staff.cancel(
            session, row, services.renderer, attendance.sender(request), now=utcnow()
        )
        sq.audit(
            session,
            login.staff,
            "cancel_booking",
            ip=login.ip,
            code=row.code,
            promoted=[b.code for b in promoted],
        )
    return _back(session_id, "promoted" if promoted else "cancelled", booking_id)


@router.get("/console/sessions/{session_id}/attendees.csv")
async def attendees_csv(session_id: int, request: Request, login: CurrentLogin) -> Response:
    """The attendee list as CSV, for a spreadsheet or the sign-in sheet."""
    attendance.require(login)
    async with request.app.state.services.db.transaction() as session:
        opp, slug = await _session(session, login, session_id)
        people = await booking_staff.attendees(session, opp.id)
        sq.audit(
            session,
            login.staff,
            "export_attendees",
            ip=login.ip,
            session_id=opp.id,
            rows=len(people),
        )
    name = f"opp-{slug}-{opp.starts_at.astimezone(TZ):%Y%m%d-%H%M}.csv"
    return attendance.csv_download(booking_staff.attendees_csv(people), name)
