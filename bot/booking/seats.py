"""Taking and giving back seats: the one place bookings change (chat, console, CLI).

Overbooking is impossible because a seat is taken by one conditional UPDATE,

    UPDATE opp_sessions SET seats_taken = seats_taken + 1
    WHERE id = :id AND status = 'scheduled' AND starts_at > :now AND seats_taken < capacity
    RETURNING id

which PostgreSQL runs under the row's lock (a concurrent UPDATE waits, then re-checks the
condition on the new row) and SQLite under its single writer lock; a CHECK constraint backs it
up. Desk slots work the same way on their `desk_slots` row, created on first booking. A second
active OPP booking of one person is refused by the partial unique index
`uq_bookings_one_active_opp`: its IntegrityError rolls back the savepoint, seat included.

An OPP session's row is the one hot row when many book at once (a KOPI coordinator shares the
link, everyone presses at the same minute), and its lock is held from that UPDATE to the
commit. So in a chat turn (`defer_seats`) the booking, its reminders and the answer are written
first on the promise of a seat, and the seat is taken at the end (`settle`). On PostgreSQL the
server takes it while committing: `settle` inserts a `seat_promises` row and a deferred
trigger runs the same conditional UPDATE inside the COMMIT (migration 0009), so the row is
never locked while the gateway's event loop is busy with other conversations between two
statements. SQLite runs the UPDATE in `settle`, just before the commit. When the session is
full after all, `SeatGone` is raised (by `settle`, or by `Database.transaction` for the
refused commit); the pipeline rolls the turn back and answers it again with the seat taken in
place, which then says "full".

Codes are "OPP-7KQ4" / "LKT-3MXP": a prefix and four characters without look-alikes
(no 0/O, 1/I/L), easy to read out at a desk.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import opening, reminders
from bot.db.engine import SeatGone as SeatGone  # raised here and at the commit
from bot.db.models import Booking, Desk, DeskSlot, Ltsa, OppSession, SeatPromise
from nlu.dates import TZ

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PREFIX = {"opp": "OPP", "desk": "LKT"}
ACTIVE = "booked"


@dataclass(frozen=True)
class Attendee:
    """Who a booking is for: the chat user themself, or a villager booked by a coordinator."""

    user_id: int
    name: str | None
    language: str | None
    consent: str = "self"  # self | coordinator
    for_other: bool = False


@dataclass(frozen=True)
class Result:
    outcome: str  # booked | full | duplicate | past | closed | moved | waiting | already | …
    booking: Booking | None = None
    position: int | None = None


class _NoSeat(Exception):
    pass


_DEFER = "ltsa.defer_seats"  # session.info: OPP seats are taken at `settle`
_PROMISED = "ltsa.promised_seats"  # session.info: the seat UPDATEs still to run


def defer_seats(session: AsyncSession) -> None:
    """In this transaction OPP seats are promised now and taken at `settle`."""
    session.info[_DEFER] = True


async def settle(session: AsyncSession) -> None:
    """Takes the promised seats (call it last before the commit). On PostgreSQL it writes
    them down as `seat_promises` and the server takes them while committing (migration
    0009); SQLite takes them here. Either raises SeatGone when a seat is no longer free, and
    the transaction is rolled back."""
    promised: list[tuple[int, dt.datetime]] = session.info.pop(_PROMISED, [])
    if not promised:
        return
    if session.get_bind().dialect.name == "postgresql":
        rows = [{"opp_session_id": s, "promised_at": now} for s, now in promised]
        await session.execute(insert(SeatPromise), rows)
        return
    await session.flush()  # every other write first: the seat's row is locked last
    for session_id, now in promised:
        if not await take_opp_seat(session, session_id, now):
            raise SeatGone(f"OPP session {session_id} filled before the commit")


def new_code(kind: str) -> str:
    """A fresh random code such as "OPP-7KQ4"."""
    return f"{PREFIX[kind]}-" + "".join(secrets.choice(ALPHABET) for _ in range(4))


def normalise_code(text: str) -> str | None:
    """ "opp 7kq4", "OPP7KQ4", "opp-7kq4" -> "OPP-7KQ4"; None when it is no code."""
    chars = "".join(ch for ch in text.upper() if ch.isalnum())
    for prefix in PREFIX.values():
        rest = chars.removeprefix(prefix)
        if rest != chars and len(rest) == 4 and all(ch in ALPHABET for ch in rest):
            return f"{prefix}-{rest}"
    return None


def _insert(session: AsyncSession) -> Any:
    return sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert


async def take_opp_seat(session: AsyncSession, session_id: int, now: dt.datetime) -> bool:
    """Takes one seat of an OPP session if one is left (the conditional UPDATE)."""
    taken = await session.scalar(
        update(OppSession)
        .where(
            OppSession.id == session_id,
            OppSession.status == "scheduled",
            OppSession.starts_at > now,
            OppSession.seats_taken < OppSession.capacity,
        )
        .values(seats_taken=OppSession.seats_taken + 1)
        .returning(OppSession.id)
        .execution_options(synchronize_session=False)
    )
    return taken is not None


async def take_desk_seat(
    session: AsyncSession, desk: Desk, starts_at: dt.datetime
) -> DeskSlot | None:
    """Takes one seat of a desk slot (its row created on first use) if one is left."""
    await session.execute(
        _insert(session)(DeskSlot)
        .values(desk_id=desk.id, starts_at=starts_at, capacity=desk.slot_capacity, seats_taken=0)
        .on_conflict_do_nothing(index_elements=["desk_id", "starts_at"])
    )
    slot_id = await session.scalar(
        update(DeskSlot)
        .where(
            DeskSlot.desk_id == desk.id,
            DeskSlot.starts_at == starts_at,
            DeskSlot.seats_taken < DeskSlot.capacity,
        )
        .values(seats_taken=DeskSlot.seats_taken + 1)
        .returning(DeskSlot.id)
        .execution_options(synchronize_session=False)
    )
    return None if slot_id is None else await session.get(DeskSlot, slot_id)


async def release_seat(session: AsyncSession, booking: Booking) -> None:
    """Gives the booking's seat back to its session or slot."""
    if booking.opp_session_id is not None:
        await session.execute(
            update(OppSession)
            .where(OppSession.id == booking.opp_session_id, OppSession.seats_taken > 0)
            .values(seats_taken=OppSession.seats_taken - 1)
            .execution_options(synchronize_session=False)
        )
    if booking.desk_slot_id is not None:
        await session.execute(
            update(DeskSlot)
            .where(DeskSlot.id == booking.desk_slot_id, DeskSlot.seats_taken > 0)
            .values(seats_taken=DeskSlot.seats_taken - 1)
            .execution_options(synchronize_session=False)
        )


_ACTIVE_OPP = select(Booking).where(  # built once: every OPP confirmation asks
    Booking.user_id == bindparam("user_id"), Booking.kind == "opp", Booking.status == ACTIVE
)


async def active_opp(session: AsyncSession, user_id: int) -> Booking | None:
    """The user's own active OPP booking, if any."""
    return await session.scalar(_ACTIVE_OPP, {"user_id": user_id})


TakeSeat = Callable[[Booking], Awaitable[bool]]


async def insert_booking(
    session: AsyncSession, booking: Booking, take: TakeSeat, now: dt.datetime
) -> Result:
    """Takes the seat and inserts the booking in one savepoint: both happen or neither."""
    for _ in range(5):  # a code already taken (the unique index says so): draw again
        booking.code = new_code(booking.kind)
        try:
            async with session.begin_nested():
                if not await take(booking):
                    raise _NoSeat
                session.add(booking)
                await session.flush()
        except _NoSeat:
            return Result("full")
        except IntegrityError as exc:
            if "code" in str(exc.orig):
                continue
            return Result("duplicate")
        await reminders.schedule_for(session, booking, now, fresh=True)
        return Result("booked", booking)
    raise RuntimeError("no free booking code after 5 draws")


async def book_opp(
    session: AsyncSession, opp_session_id: int, who: Attendee, now: dt.datetime
) -> Result:
    """Books a seat in an OPP session: booked, full, past or duplicate."""
    opp = await session.get(OppSession, opp_session_id)
    if opp is None or opp.status != "scheduled":
        return Result("full")
    if opp.starts_at <= now:
        return Result("past")
    if not who.for_other:
        existing = await active_opp(session, who.user_id)
        if existing is not None:
            return Result("duplicate", existing)

    async def take(booking: Booking) -> bool:
        if session.info.get(_DEFER):
            if opp.seats_taken >= opp.capacity:  # as read above: full is full
                return False
            session.info.setdefault(_PROMISED, []).append((opp_session_id, now))
            return True
        return await take_opp_seat(session, opp_session_id, now)

    booking = _new(who, "opp", opp.ltsa_id, opp.starts_at, now, opp_session_id=opp.id)
    result = await insert_booking(session, booking, take, now)
    if result.outcome == "duplicate" and not who.for_other:
        return Result("duplicate", await active_opp(session, who.user_id))
    return result


async def valid_desk_slot(
    session: AsyncSession, ltsa: Ltsa, desk: Desk, starts_at: dt.datetime, now: dt.datetime
) -> str | None:
    """None when `starts_at` is a bookable slot of the desk; else past or closed."""
    if starts_at <= now:
        return "past"
    local = starts_at.astimezone(TZ)
    check = await opening.check_day(session, ltsa, local.date(), now)
    if check.refusal is not None:
        return "past" if check.refusal == "past" else "closed"
    day_periods = await opening.periods(session, ltsa, local.date())
    if local not in opening.slot_starts(local.date(), day_periods, desk.slot_minutes):
        return "closed"
    return None


async def book_desk(
    session: AsyncSession,
    ltsa_slug: str,
    desk_code: str,
    starts_at: dt.datetime,
    who: Attendee,
    now: dt.datetime,
) -> Result:
    """Books a desk slot: booked, full (slot taken), past or closed (no such slot that day)."""
    ltsa = await opening.ltsa_row(session, ltsa_slug)
    desk = await opening.desk_row(session, ltsa, desk_code) if ltsa else None
    if ltsa is None or desk is None:
        return Result("closed")
    refusal = await valid_desk_slot(session, ltsa, desk, starts_at, now)
    if refusal is not None:
        return Result(refusal)

    async def take(booking: Booking) -> bool:
        slot = await take_desk_seat(session, desk, starts_at)
        booking.desk_slot_id = slot.id if slot else None
        return slot is not None

    return await insert_booking(session, _new(who, "desk", ltsa.id, starts_at, now), take, now)


def _new(
    who: Attendee,
    kind: str,
    ltsa_id: int,
    starts_at: dt.datetime,
    now: dt.datetime,
    opp_session_id: int | None = None,
) -> Booking:
    return Booking(
        code="",
        kind=kind,
        user_id=None if who.for_other else who.user_id,
        booked_by_user_id=who.user_id if who.for_other else None,
        ltsa_id=ltsa_id,
        opp_session_id=opp_session_id,
        starts_at=starts_at,
        status=ACTIVE,
        attendee_name=who.name,
        language=who.language,
        consent_at=now if who.name else None,
        consent_source=who.consent if who.name else None,
        created_at=now,
        updated_at=now,
    )
