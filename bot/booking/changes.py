"""Changing bookings: cancel (the seat goes to the first on the waitlist), reschedule, wait.

A cancelled OPP seat is offered to the waitlist in order in the same transaction: the first
person waiting gets a booking (a new code) and is told by push message, so no seat stays
empty while someone waits.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import reminders
from bot.booking.seats import (
    ACTIVE,
    Attendee,
    Result,
    active_opp,
    insert_booking,
    release_seat,
    take_desk_seat,
    take_opp_seat,
    valid_desk_slot,
)
from bot.db.models import Booking, Desk, DeskSlot, Ltsa, OppSession, WaitlistEntry

STATUSES = ("booked", "cancelled", "attended", "no_show")


async def find(session: AsyncSession, code: str, user_id: int | None = None) -> Booking | None:
    """The booking with `code`; with `user_id`, only if that user holds or made it."""
    booking = await session.scalar(select(Booking).where(Booking.code == code))
    if booking is None or user_id is None:
        return booking
    return booking if user_id in (booking.user_id, booking.booked_by_user_id) else None


async def cancel(session: AsyncSession, booking: Booking, now: dt.datetime) -> list[Booking]:
    """Cancels an active booking; returns the bookings made for people promoted from the
    waitlist (to be told)."""
    if booking.status != ACTIVE:
        return []
    booking.status, booking.cancelled_at, booking.updated_at = "cancelled", now, now
    await session.flush()
    await release_seat(session, booking)
    await reminders.cancel_for(session, booking)
    if booking.opp_session_id is None:
        return []
    return await promote(session, booking.opp_session_id, now)


async def promote(session: AsyncSession, opp_session_id: int, now: dt.datetime) -> list[Booking]:
    """Gives free seats of a session to the people waiting for it, first come first served."""
    promoted: list[Booking] = []
    waiting = await session.scalars(
        select(WaitlistEntry)
        .where(WaitlistEntry.opp_session_id == opp_session_id, WaitlistEntry.status == "waiting")
        .order_by(WaitlistEntry.id)
        .with_for_update(skip_locked=True)
    )
    opp = await session.get_one(OppSession, opp_session_id)
    for entry in list(waiting):
        who = Attendee(
            user_id=entry.booked_by_user_id or entry.user_id or 0,
            name=entry.attendee_name,
            language=entry.language,
            consent=entry.consent_source or "self",
            for_other=entry.booked_by_user_id is not None,
        )
        if not who.for_other and entry.user_id and await active_opp(session, entry.user_id):
            entry.status = "left"  # booked another session meanwhile
            continue

        async def take(booking: Booking) -> bool:
            return await take_opp_seat(session, opp_session_id, now)

        booking = Booking(
            code="",
            kind="opp",
            user_id=entry.user_id,
            booked_by_user_id=entry.booked_by_user_id,
            ltsa_id=opp.ltsa_id,
            opp_session_id=opp.id,
            starts_at=opp.starts_at,
            status=ACTIVE,
            attendee_name=entry.attendee_name,
            language=entry.language,
            consent_at=entry.consent_at,
            consent_source=entry.consent_source,
            created_at=now,
            updated_at=now,
        )
        result = await insert_booking(session, booking, take, now)
        if result.outcome == "full":
            break
        if result.booking is not None:
            entry.status, entry.booking_id = "promoted", result.booking.id
            promoted.append(result.booking)
    return promoted


async def join_waitlist(
    session: AsyncSession, opp_session_id: int, who: Attendee, now: dt.datetime
) -> Result:
    """Puts someone on a full session's waitlist: waiting (with position), already, seat_free."""
    opp = await session.get(OppSession, opp_session_id)
    if opp is None or opp.status != "scheduled" or opp.starts_at <= now:
        return Result("past")
    if opp.seats_taken < opp.capacity:
        return Result("seat_free")
    mine = (
        WaitlistEntry.booked_by_user_id == who.user_id
        if who.for_other
        else WaitlistEntry.user_id == who.user_id
    )
    existing = await session.scalar(
        select(WaitlistEntry).where(
            WaitlistEntry.opp_session_id == opp_session_id,
            WaitlistEntry.status == "waiting",
            mine,
            WaitlistEntry.attendee_name == who.name,
        )
    )
    outcome = "already"
    if existing is None:
        existing = WaitlistEntry(
            opp_session_id=opp_session_id,
            user_id=None if who.for_other else who.user_id,
            booked_by_user_id=who.user_id if who.for_other else None,
            attendee_name=who.name,
            language=who.language,
            consent_at=now if who.name else None,
            consent_source=who.consent if who.name else None,
            status="waiting",
            created_at=now,
        )
        session.add(existing)
        await session.flush()
        outcome = "waiting"
    position = await session.scalar(
        select(func.count()).where(
            WaitlistEntry.opp_session_id == opp_session_id,
            WaitlistEntry.status == "waiting",
            WaitlistEntry.id <= existing.id,
        )
    )
    return Result(outcome, position=int(position or 1))


async def reschedule(
    session: AsyncSession,
    booking: Booking,
    now: dt.datetime,
    *,
    opp_session_id: int | None = None,
    starts_at: dt.datetime | None = None,
) -> Result:
    """Moves a booking to another OPP session or desk slot; the code stays, the old seat is
    given back only once the new one is taken."""
    if booking.status != ACTIVE:
        return Result("not_found")
    old = Booking(opp_session_id=booking.opp_session_id, desk_slot_id=booking.desk_slot_id)
    if booking.kind == "opp" and opp_session_id is not None:
        opp = await session.get(OppSession, opp_session_id)
        if opp is None or opp.ltsa_id != booking.ltsa_id or opp.status != "scheduled":
            return Result("full")
        if opp.starts_at <= now:
            return Result("past")
        if opp.id == booking.opp_session_id:
            return Result("moved", booking)
        if not await take_opp_seat(session, opp.id, now):
            return Result("full")
        booking.opp_session_id, booking.starts_at = opp.id, opp.starts_at
    elif booking.kind == "desk" and starts_at is not None and booking.desk_slot_id is not None:
        slot = await session.get_one(DeskSlot, booking.desk_slot_id)
        desk = await session.get_one(Desk, slot.desk_id)
        ltsa = await session.get_one(Ltsa, booking.ltsa_id)
        refusal = await valid_desk_slot(session, ltsa, desk, starts_at, now)
        if refusal is not None:
            return Result(refusal)
        if starts_at == booking.starts_at:
            return Result("moved", booking)
        new_slot = await take_desk_seat(session, desk, starts_at)
        if new_slot is None:
            return Result("full")
        booking.desk_slot_id, booking.starts_at = new_slot.id, starts_at
    else:
        return Result("not_found")
    booking.updated_at = now
    await release_seat(session, old)
    await reminders.schedule_for(session, booking, now)
    await session.flush()
    if old.opp_session_id is not None:
        await promote(session, old.opp_session_id, now)
    return Result("moved", booking)
