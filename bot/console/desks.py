"""Desk days: one desk's appointments on one day, by slot. Thin routes over `bot.booking.staff`.

    GET  /console/desks?desk=LTSA/DESK&day=YYYY-MM-DD   the day's slots and who is booked
                                                        (the first desk and today by default)
    POST /console/desks/bookings/{b}/mark               attended | no_show | booked (undo)
    GET  /console/desks/day.csv?desk=…&day=…            the day's appointments as CSV

Only the staff member's LTSA (every LTSA without one); every view and action is audited.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import opening
from bot.booking import staff as booking_staff
from bot.console import attendance, csrf
from bot.console.attendance import STATUS_NAMES, day_label, desk_name
from bot.console.auth import CurrentLogin, Login
from bot.console.errors import NotFound
from bot.console.pages import render
from bot.db import staff_queries as sq
from bot.db.models import Desk, DeskSlot, utcnow
from nlu.dates import TZ

router = APIRouter(dependencies=[Depends(csrf.verify)])


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return opening.local_today(utcnow())


async def _desk(
    session: AsyncSession, login: Login, chosen: str
) -> tuple[list[tuple[str, str]], tuple[str, str] | None]:
    """The desks the staff member sees, and the chosen one (the first when none is chosen)."""
    desks = await booking_staff.desks(session, login.staff.ltsa_slug)
    if not chosen:
        return desks, desks[0] if desks else None
    slug, _, code = chosen.partition("/")
    if (slug, code) not in desks:
        raise NotFound("Loket tidak ada, atau bukan dari LTSA Anda.")
    return desks, (slug, code)


def _link(desk: tuple[str, str], day: dt.date, path: str = "/console/desks", **extra: str) -> str:
    return f"{path}?" + urlencode({"desk": "/".join(desk), "day": day.isoformat(), **extra})


@router.get("/console/desks")
async def desk_day(
    request: Request, login: CurrentLogin, desk: str = "", day: str = ""
) -> Response:
    """A desk's day: each slot with its capacity and the people booked."""
    attendance.require(login)
    when = _day(day)
    async with request.app.state.services.db.transaction() as session:
        desks, chosen = await _desk(session, login, desk[:100])
        slots = await booking_staff.desk_schedule(session, *chosen, when) if chosen else []
        sq.audit(
            session,
            login.staff,
            "view_desk_day",
            ip=login.ip,
            desk="/".join(chosen) if chosen else "",
            day=when.isoformat(),
        )
    context = {
        "desks": [(f"{s}/{c}", f"{s} · {desk_name(request, c)}") for s, c in desks],
        "chosen": "/".join(chosen) if chosen else "",
        "desk_title": desk_name(request, chosen[1]) if chosen else "",
        "day": when,
        "day_label": day_label(request, when),
        "holiday": opening.holiday(when),
        "slots": slots,
        "booked": sum(1 for s in slots for p in s.people if p.status != "cancelled"),
        "previous": _link(chosen, when - dt.timedelta(days=1)) if chosen else "",
        "next": _link(chosen, when + dt.timedelta(days=1)) if chosen else "",
        "csv": _link(chosen, when, "/console/desks/day.csv") if chosen else "",
        "status_names": STATUS_NAMES,
        "mark_labels": attendance.MARK_LABELS,
        "done": attendance.done(request),
    }
    return render(request, "desks.html", context)


@router.post("/console/desks/bookings/{booking_id}/mark")
async def mark(booking_id: int, request: Request, login: CurrentLogin) -> Response:
    """Marks one appointment attended or not come (or takes the mark back)."""
    attendance.require(login)
    values = await attendance.form(request)
    async with request.app.state.services.db.transaction() as session:
        row = await attendance.booking(session, login, booking_id, "desk")
        await attendance.mark(session, login, row, values.get("status", ""))
        slot = await session.get(DeskSlot, row.desk_slot_id) if row.desk_slot_id else None
        desk = await session.get(Desk, slot.desk_id) if slot is not None else None
        slug = await attendance.ltsa_slug(session, row.ltsa_id)
    if desk is None:
        return RedirectResponse("/console/desks?done=marked", status_code=303)
    back = _link((slug, desk.code), row.starts_at.astimezone(TZ).date(), done="marked")
    return RedirectResponse(f"{back}#b{booking_id}", status_code=303)


@router.get("/console/desks/day.csv")
async def desk_day_csv(
    request: Request, login: CurrentLogin, desk: str = "", day: str = ""
) -> Response:
    """The day's appointments at the desk as CSV."""
    attendance.require(login)
    when = _day(day)
    async with request.app.state.services.db.transaction() as session:
        _, chosen = await _desk(session, login, desk[:100])
        if chosen is None:
            raise NotFound("Belum ada loket yang bisa dipesan.")
        people = await booking_staff.desk_day(session, *chosen, when)
        sq.audit(
            session,
            login.staff,
            "export_desk_day",
            ip=login.ip,
            desk="/".join(chosen),
            day=when.isoformat(),
            rows=len(people),
        )
    name = f"loket-{chosen[0]}-{chosen[1]}-{when:%Y%m%d}.csv"
    return attendance.csv_download(booking_staff.attendees_csv(people), name)
