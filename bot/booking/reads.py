"""What the booking flows, reminders and calendar files read about sessions and bookings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Booking, Coordinator, Desk, DeskSlot, Ltsa, OppSession
from flows.store import BookingInfo, OppSlot
from nlu.dates import TZ

UPCOMING = 6  # OPP sessions listed
_KEEP = "ltsa.opp_rows"  # session.info: rows read in this transaction


# built once: every step of the booking flow reads the sessions
_UPCOMING = (
    select(OppSession, Ltsa)
    .join(Ltsa, Ltsa.id == OppSession.ltsa_id)
    .where(
        Ltsa.slug == bindparam("slug"),
        OppSession.status == "scheduled",
        OppSession.starts_at > bindparam("now"),
    )
    .order_by(OppSession.starts_at)
    .limit(bindparam("limit"))
)


async def opp_sessions(
    session: AsyncSession, ltsa_slug: str, now: dt.datetime, limit: int = UPCOMING
) -> tuple[OppSlot, ...]:
    """The next scheduled OPP sessions of an LTSA, full ones included. The rows stay in the
    session's identity map until the transaction ends, so booking one of them (which gets it by
    id) and describing the booking read it once."""
    params = {"slug": ltsa_slug, "now": now, "limit": limit}
    rows = await session.execute(_UPCOMING, params)
    kept = session.info.setdefault(_KEEP, [])  # the identity map holds rows only weakly
    slots = []
    for opp, ltsa in rows:
        kept += (opp, ltsa)
        slots.append(
            slot(ltsa_slug, opp.id, opp.starts_at, opp.place, opp.capacity, opp.seats_taken)
        )
    return tuple(slots)


def slot(
    ltsa_slug: str, session_id: int, starts_at: dt.datetime, place: str, capacity: int, taken: int
) -> OppSlot:
    """An OPP session as the flows see it."""
    return OppSlot(
        id=session_id,
        ltsa=ltsa_slug,
        starts_at=starts_at.astimezone(TZ),
        place=place,
        capacity=capacity,
        seats_left=max(0, capacity - taken),
    )


async def my_bookings(session: AsyncSession, user_id: int) -> tuple[BookingInfo, ...]:
    """The active bookings a user holds or made for villagers, soonest first."""
    rows = await session.scalars(
        select(Booking)
        .where(
            or_(Booking.user_id == user_id, Booking.booked_by_user_id == user_id),
            Booking.status == "booked",
        )
        .order_by(Booking.starts_at, Booking.id)
    )
    infos = []
    for booking in rows:
        params = await describe(session, booking)
        infos.append(
            BookingInfo(
                code=booking.code,
                kind=booking.kind,
                ltsa=params["ltsa"],
                starts_at=params["when"],
                place=params["place"],
                desk=params.get("desk"),
                session_id=booking.opp_session_id,
                for_other=booking.user_id is None,
            )
        )
    return tuple(infos)


async def describe(session: AsyncSession, booking: Booking) -> dict[str, Any]:
    """Render parameters of a booking: booking_code, when (Asia/Jakarta), place, ltsa, desk."""
    ltsa = await session.get_one(Ltsa, booking.ltsa_id)
    params: dict[str, Any] = {
        "booking_code": booking.code,
        "when": booking.starts_at.astimezone(TZ),
        "ltsa": ltsa.slug,
        "place": ltsa.name,
        "name": booking.attendee_name or "",
    }
    if booking.opp_session_id is not None:
        opp = await session.get_one(OppSession, booking.opp_session_id)
        params["place"] = opp.place or ltsa.name
    if booking.desk_slot_id is not None:
        slot_row = await session.get_one(DeskSlot, booking.desk_slot_id)
        desk = await session.get_one(Desk, slot_row.desk_id)
        params["desk"] = desk.code
    return params


async def is_coordinator(session: AsyncSession, user_id: int) -> bool:
    """True when the user is listed as a KOPI coordinator."""
    return await session.get(Coordinator, user_id) is not None
