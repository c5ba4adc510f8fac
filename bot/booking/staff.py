"""What the console's session and desk-day pages call: attendee lists, waitlists, a desk's
day by slot, attendance, CSV, cancelling on a person's behalf (the freed seat goes to the
waitlist, who are told by push), and cancelling a session nobody is booked into.

A session with bookings or a waitlist is not cancelled: there is no message yet that tells its
people so, and `cancel` below does not message the person whose booking it cancels (they
asked at the desk or by phone). Staff reach those people and cancel their bookings first.
The console routes (`bot/console/sessions.py`, `desks.py`) stay thin: they call these inside
one transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import changes, opening
from bot.booking.push import Push, push, tell_promoted
from bot.db.models import (
    Booking,
    Desk,
    DeskSlot,
    Ltsa,
    OppSession,
    User,
    WaitlistEntry,
    utcnow,
)
from bot.render import Renderer
from nlu.dates import TZ

MARKS = ("attended", "no_show", "booked")  # "booked" undoes a mark


@dataclass(frozen=True)
class Attendee:
    """One line of an attendee list."""

    booking_id: int
    code: str
    name: str
    status: str
    starts_at: dt.datetime  # Asia/Jakarta
    channel: str
    booked_by_coordinator: bool


async def _rows(session: AsyncSession, where: ColumnElement[bool]) -> list[Attendee]:
    rows = await session.execute(
        select(Booking, User.channel)
        .outerjoin(User, User.id == Booking.user_id)
        .where(where)
        .order_by(Booking.starts_at, Booking.id)
    )
    return [
        Attendee(
            booking_id=b.id,
            code=b.code,
            name=b.attendee_name or "",
            status=b.status,
            starts_at=b.starts_at.astimezone(TZ),
            channel=channel or "",
            booked_by_coordinator=b.booked_by_user_id is not None,
        )
        for b, channel in rows
    ]


async def attendees(session: AsyncSession, session_id: int) -> list[Attendee]:
    """Everyone booked into an OPP session (cancelled ones too, marked so)."""
    return await _rows(session, Booking.opp_session_id == session_id)


async def desk_day(
    session: AsyncSession, ltsa_slug: str, desk_code: str, day: dt.date
) -> list[Attendee]:
    """The appointments at one desk on one day, by time."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=TZ)
    slot_ids = (
        select(DeskSlot.id)
        .join(Desk, Desk.id == DeskSlot.desk_id)
        .join(Ltsa, Ltsa.id == Desk.ltsa_id)
        .where(
            Ltsa.slug == ltsa_slug,
            Desk.code == desk_code,
            DeskSlot.starts_at >= start,
            DeskSlot.starts_at < start + dt.timedelta(days=1),
        )
    )
    return await _rows(session, Booking.desk_slot_id.in_(slot_ids))


async def mark_attendance(session: AsyncSession, booking: Booking, status: str) -> None:
    """Marks a booking attended or no_show (or back to booked); cancelled ones stay cancelled."""
    if status not in MARKS:
        raise ValueError(f"unknown attendance status {status!r}")
    if booking.status == "cancelled":
        raise ValueError("a cancelled booking cannot be marked")
    booking.status, booking.updated_at = status, utcnow()


def attendees_csv(rows: Sequence[Attendee]) -> str:
    """The attendee list as CSV (UTF-8, comma-separated, a header row), for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "name", "status", "start", "channel", "booked_by_coordinator"])
    for row in rows:
        writer.writerow(
            [
                row.code,
                _safe(row.name),
                row.status,
                row.starts_at.strftime("%Y-%m-%d %H:%M"),
                row.channel,
                "yes" if row.booked_by_coordinator else "no",
            ]
        )
    return out.getvalue()


def _safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (names are typed by users)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


async def cancel(
    session: AsyncSession,
    booking: Booking,
    renderer: Renderer,
    send: Push = push,
    now: dt.datetime | None = None,
) -> list[Booking]:
    """Cancels a booking for the person (at the desk, by phone); the freed seat goes to the
    first on the waitlist, who is told. Returns the bookings made by that promotion."""
    promoted = await changes.cancel(session, booking, now or utcnow())
    await tell_promoted(session, renderer, promoted, send)
    return promoted


async def sessions(
    session: AsyncSession, ltsa_slug: str | None = None, since: dt.datetime | None = None
) -> list[tuple[OppSession, str]]:
    """Upcoming OPP sessions (all LTSAs, or one) with their LTSA's slug, soonest first."""
    query = (
        select(OppSession, Ltsa.slug)
        .join(Ltsa, Ltsa.id == OppSession.ltsa_id)
        .where(OppSession.starts_at >= (since or utcnow()))
        .order_by(OppSession.starts_at)
    )
    if ltsa_slug:
        query = query.where(Ltsa.slug == ltsa_slug)
    return [(opp, str(slug)) for opp, slug in await session.execute(query)]


async def waiting_counts(session: AsyncSession, session_ids: Sequence[int]) -> dict[int, int]:
    """How many people wait for a seat in each of the sessions."""
    if not session_ids:
        return {}
    rows = await session.execute(
        select(WaitlistEntry.opp_session_id, func.count())
        .where(WaitlistEntry.opp_session_id.in_(session_ids), WaitlistEntry.status == "waiting")
        .group_by(WaitlistEntry.opp_session_id)
    )
    return {int(sid): int(n) for sid, n in rows}


@dataclass(frozen=True)
class Waiting:
    """One person on a session's waitlist, first come first."""

    position: int
    name: str
    channel: str
    booked_by_coordinator: bool
    since: dt.datetime


async def waitlist(session: AsyncSession, session_id: int) -> list[Waiting]:
    """The people still waiting for a seat in the session, in the order they get one."""
    rows = await session.execute(
        select(WaitlistEntry, User.channel)
        .outerjoin(User, User.id == WaitlistEntry.user_id)
        .where(WaitlistEntry.opp_session_id == session_id, WaitlistEntry.status == "waiting")
        .order_by(WaitlistEntry.id)
    )
    return [
        Waiting(
            position=n,
            name=entry.attendee_name or "",
            channel=channel or "",
            booked_by_coordinator=entry.booked_by_user_id is not None,
            since=entry.created_at,
        )
        for n, (entry, channel) in enumerate(rows, start=1)
    ]


class CancelRefused(ValueError):
    """A session that is not cancelled: reason booked (it has bookings or people waiting),
    past, or cancelled (already)."""

    def __init__(self, reason: str, booked: int = 0, waiting: int = 0) -> None:
        super().__init__(reason)
        self.reason, self.booked, self.waiting = reason, booked, waiting


async def cancel_session(session: AsyncSession, opp: OppSession, now: dt.datetime) -> None:
    """Cancels an upcoming session nobody is booked into or waiting for; else CancelRefused."""
    if opp.status != "scheduled":
        raise CancelRefused("cancelled")
    if opp.starts_at <= now:
        raise CancelRefused("past")
    waiting = (await waiting_counts(session, [opp.id])).get(opp.id, 0)
    if waiting:
        raise CancelRefused("booked", booked=opp.seats_taken, waiting=waiting)
    # one conditional UPDATE, like taking a seat: a booking confirmed meanwhile either took
    # its seat first (and this refuses) or finds the session cancelled
    done = await session.scalar(
        update(OppSession)
        .where(
            OppSession.id == opp.id, OppSession.status == "scheduled", OppSession.seats_taken == 0
        )
        .values(status="cancelled")
        .returning(OppSession.id)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(opp)
    if done is None:
        raise CancelRefused("booked", booked=opp.seats_taken)


async def desks(session: AsyncSession, ltsa_slug: str | None = None) -> list[tuple[str, str]]:
    """The bookable desks as (LTSA slug, desk code), of one LTSA or all."""
    query = (
        select(Ltsa.slug, Desk.code)
        .join(Ltsa, Ltsa.id == Desk.ltsa_id)
        .where(Desk.active.is_(True))
        .order_by(Ltsa.slug, Desk.code)
    )
    if ltsa_slug:
        query = query.where(Ltsa.slug == ltsa_slug)
    return [(str(slug), str(code)) for slug, code in await session.execute(query)]


@dataclass(frozen=True)
class SlotLine:
    """One desk slot of a day with the people booked into it."""

    starts_at: dt.datetime  # Asia/Jakarta
    capacity: int
    people: tuple[Attendee, ...]


async def desk_schedule(
    session: AsyncSession, ltsa_slug: str, desk_code: str, day: dt.date
) -> list[SlotLine]:
    """The desk's slots on `day` from the opening hours, each with the people booked."""
    # a booking outside the day's hours (made before the hours changed) gets a line of its own
    ltsa = await opening.ltsa_row(session, ltsa_slug)
    desk = (
        await session.scalar(select(Desk).where(Desk.ltsa_id == ltsa.id, Desk.code == desk_code))
        if ltsa is not None
        else None
    )
    if ltsa is None or desk is None:
        return []
    people = await desk_day(session, ltsa_slug, desk_code, day)
    start = dt.datetime.combine(day, dt.time(0), tzinfo=TZ)
    capacities = {
        at.astimezone(TZ): capacity
        for at, capacity in await session.execute(
            select(DeskSlot.starts_at, DeskSlot.capacity).where(
                DeskSlot.desk_id == desk.id,
                DeskSlot.starts_at >= start,
                DeskSlot.starts_at < start + dt.timedelta(days=1),
            )
        )
    }
    hours = await opening.periods(session, ltsa, day)
    starts = set(opening.slot_starts(day, hours, desk.slot_minutes)) | set(capacities)
    starts |= {p.starts_at for p in people}
    return [
        SlotLine(
            starts_at=at,
            capacity=capacities.get(at, desk.slot_capacity),
            people=tuple(p for p in people if p.starts_at == at),
        )
        for at in sorted(starts)
    ]
