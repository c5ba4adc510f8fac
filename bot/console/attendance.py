"""What the OPP session and desk-day pages share: who may see which LTSA's bookings, a booking
within reach, attendance marks, the CSV download, dates as staff read them (Indonesian,
Asia/Jakarta), and the notices shown after an action."""

from __future__ import annotations

import datetime as dt

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import staff as booking_staff
from bot.booking.push import Push, push
from bot.casework import policy
from bot.console.auth import Login
from bot.console.errors import Conflict, Forbidden, NotFound
from bot.db import staff_queries as sq
from bot.db.models import Booking, Ltsa
from nlu.dates import TZ

STATUS_NAMES = {
    "booked": "terdaftar",
    "attended": "hadir",
    "no_show": "tidak datang",
    "cancelled": "dibatalkan",
}
MARK_LABELS = {"attended": "Hadir", "no_show": "Tidak datang", "booked": "Batalkan tanda"}
# what an action did, shown once after its redirect (?done=KEY)
DONE = {
    "created": "Sesi OPP dibuat.",
    "cancelled_session": "Sesi OPP dibatalkan.",
    "marked": "Kehadiran dicatat.",
    "cancelled": "Pendaftaran dibatalkan.",
    "promoted": "Pendaftaran dibatalkan. Kursinya diberikan ke orang pertama di daftar tunggu,"
    " yang sudah diberi tahu lewat chat.",
}


def require(login: Login) -> None:
    """Refuses staff who see no bookings (coordinators)."""
    if not policy.can_see_bookings(login.staff):
        raise Forbidden("Peran Anda tidak bisa melihat daftar hadir OPP dan janji loket.")


def require_manager(login: Login) -> None:
    """Refuses staff who may not create or cancel (case workers)."""
    if not policy.can_manage_sessions(login.staff):
        raise Forbidden("Hanya supervisor dan admin LTSA yang bisa membuat atau membatalkan.")


def done(request: Request) -> str | None:
    """The notice of the action just done, if any."""
    return DONE.get(request.query_params.get("done", ""))


def day_label(request: Request, day: dt.date) -> str:
    """ "Rabu, 9 Desember 2026"."""
    return str(request.app.state.services.renderer.date("id", day))


def when(request: Request, value: dt.datetime) -> str:
    """ "Rabu, 9 Desember 2026 08.00" (Asia/Jakarta)."""
    local = value.astimezone(TZ)
    return f"{day_label(request, local.date())} {local:%H.%M}"


def desk_name(request: Request, code: str) -> str:
    """A desk's name as the bot says it ("Imigrasi (paspor)")."""
    content = request.app.state.services.content
    return str(content.text("id", f"desk.{code}")) if content.has("id", f"desk.{code}") else code


def sender(request: Request) -> Push:
    """How a promoted person is told: the service's delivery (web chat, Telegram, WhatsApp)."""
    delivery = request.app.state.services.delivery
    return delivery.push if delivery is not None else push


async def form(request: Request) -> dict[str, str]:
    """The posted form's text fields."""
    posted = await request.form()
    return {k: v for k, v in posted.items() if isinstance(v, str)}


async def ltsa_slug(session: AsyncSession, ltsa_id: int) -> str:
    """The slug of an LTSA row."""
    return str(await session.scalar(select(Ltsa.slug).where(Ltsa.id == ltsa_id)))


async def booking(session: AsyncSession, login: Login, booking_id: int, kind: str) -> Booking:
    """The booking (locked for the change), if it is of `kind` and the staff member's LTSA."""
    row = await session.scalar(select(Booking).where(Booking.id == booking_id).with_for_update())
    if row is None or row.kind != kind:
        raise NotFound("Pendaftaran tidak ada.")
    if not policy.can_see_bookings(login.staff, await ltsa_slug(session, row.ltsa_id)):
        raise NotFound("Pendaftaran tidak ada, atau bukan dari LTSA Anda.")
    return row


async def mark(session: AsyncSession, login: Login, row: Booking, status: str) -> None:
    """Marks attended / no_show (or back to booked), audited; Conflict when it cannot be."""
    if status not in booking_staff.MARKS:
        raise Conflict("Tanda kehadiran tidak dikenal.")
    try:
        await booking_staff.mark_attendance(session, row, status)
    except ValueError:
        raise Conflict("Pendaftaran yang sudah dibatalkan tidak bisa diberi tanda.") from None
    sq.audit(session, login.staff, "mark_attendance", ip=login.ip, code=row.code, status=status)


def csv_download(text: str, name: str) -> Response:
    """A CSV file to save (never cached)."""
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
