"""The booking flows on the direct path: PostgreSQL through asyncpg, in the turn's transaction
(`bot.db.turns`). What the flows read (the LTSA's sessions, the user's bookings, whether they
are a KOPI coordinator) is read as `bot.booking.reads` reads it, and an OPP seat is booked as
`seats.book_opp` books it in a chat turn.

When many confirm at once (a KOPI coordinator shares the link, the whole village presses at the
same minute), the confirmation is the hot turn. Through the ORM it took twelve statements and
most of the gateway's CPU for the turn; here it takes two besides the turn's own:

    the session, its LTSA, whether the user holds an active OPP booking, whether the drawn code
        is taken, and an id for the booking                                    (one read)
    the booking, its reminders and the promised seat                          (one statement)

The seat is promised as on the ORM path: a `seat_promises` row, which PostgreSQL's deferred
trigger turns into the conditional UPDATE at the commit (migration 0009); a seat gone by then
raises SeatGone there, and the pipeline answers the turn again. What this path leaves to the
ORM raises NeedsOrm: a duplicate booking (its answer names the one held), a drawn code that is
taken (the ORM draws again), every other booking change. A unique index that refuses the row
all the same (a booking made for the user at the desk that moment) fails the statement and the
turn with it, as any failing statement does.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from bot.booking import reminders
from bot.booking.reads import UPCOMING, slot
from bot.booking.seats import ACTIVE, Attendee, new_code
from bot.db.direct import Transaction
from bot.db.turns import NeedsOrm
from flows.store import BookingInfo, OppSlot
from nlu.dates import TZ

_UPCOMING = """
SELECT o.id, o.starts_at, o.place, o.capacity, o.seats_taken
FROM opp_sessions o JOIN ltsas l ON l.id = o.ltsa_id
WHERE l.slug = $1 AND o.status = 'scheduled' AND o.starts_at > $2
ORDER BY o.starts_at
LIMIT $3
"""

_READ = f"""
SELECT o.status, o.starts_at, o.place, o.capacity, o.seats_taken, o.ltsa_id,
       l.slug AS ltsa_slug, l.name AS ltsa_name,
       EXISTS (SELECT FROM bookings
               WHERE user_id = $2 AND kind = 'opp' AND status = '{ACTIVE}') AS holds_one,
       EXISTS (SELECT FROM bookings WHERE code = $3) AS code_taken,
       nextval(pg_get_serial_sequence('bookings', 'id')) AS booking_id
FROM opp_sessions o JOIN ltsas l ON l.id = o.ltsa_id
WHERE o.id = $1
"""  # noqa: S608 - a constant of ours

_BOOK = f"""
WITH booking AS (
    INSERT INTO bookings (id, code, kind, user_id, booked_by_user_id, ltsa_id, opp_session_id,
                          starts_at, status, attendee_name, language, consent_at,
                          consent_source, created_at, updated_at)
    VALUES ($1, $2, 'opp', $3, $4, $5, $6, $7, '{ACTIVE}', $8, $9, $10, $11, $12, $12)
), reminders AS (
    INSERT INTO scheduled_jobs (kind, key, due_at, payload, status, attempts, created_at)
    SELECT $13, j.key, j.due_at, j.payload::json, 'pending', 0, $12
    FROM unnest($14::text[], $15::timestamptz[], $16::text[]) AS j(key, due_at, payload)
), promise AS (
    INSERT INTO seat_promises (opp_session_id, promised_at) VALUES ($6, $12)
)
SELECT 1
"""  # noqa: S608 - a constant of ours


# the user's active bookings with what `reads.describe` gives of each
_MINE = f"""
SELECT b.code, b.kind, l.slug, b.starts_at, COALESCE(NULLIF(o.place, ''), l.name) AS place,
       d.code AS desk, b.opp_session_id, b.user_id IS NULL AS for_other
FROM bookings b
JOIN ltsas l ON l.id = b.ltsa_id
LEFT JOIN opp_sessions o ON o.id = b.opp_session_id
LEFT JOIN desk_slots s ON s.id = b.desk_slot_id
LEFT JOIN desks d ON d.id = s.desk_id
WHERE (b.user_id = $1 OR b.booked_by_user_id = $1) AND b.status = '{ACTIVE}'
ORDER BY b.starts_at, b.id
"""  # noqa: S608 - a constant of ours

_COORDINATOR = "SELECT EXISTS (SELECT FROM coordinators WHERE user_id = $1)"


async def my_bookings(tx: Transaction, user_id: int) -> tuple[BookingInfo, ...]:
    """The active bookings a user holds or made for villagers, soonest first
    (`reads.my_bookings`)."""
    rows = await tx.fetch(_MINE, user_id)
    return tuple(
        BookingInfo(
            code=r["code"],
            kind=r["kind"],
            ltsa=r["slug"],
            starts_at=r["starts_at"].astimezone(TZ),
            place=r["place"],
            desk=r["desk"],
            session_id=r["opp_session_id"],
            for_other=r["for_other"],
        )
        for r in rows
    )


async def is_coordinator(tx: Transaction, user_id: int) -> bool:
    """True when the user is listed as a KOPI coordinator."""
    row = await tx.fetchrow(_COORDINATOR, user_id)
    return bool(row and row[0])


async def opp_sessions(
    tx: Transaction, ltsa_slug: str, now: dt.datetime, limit: int = UPCOMING
) -> tuple[OppSlot, ...]:
    """The next scheduled OPP sessions of an LTSA, full ones included (`reads.opp_sessions`)."""
    rows = await tx.fetch(_UPCOMING, ltsa_slug, now, limit)
    return tuple(slot(ltsa_slug, *row) for row in rows)


async def book_opp(
    tx: Transaction, opp_session_id: int, who: Attendee, now: dt.datetime
) -> tuple[str, dict[str, Any]]:
    """Books a seat in an OPP session, the seat promised to the commit: (booked, full or
    past; the render parameters of a booking made)."""
    code = new_code("opp")
    holder = None if who.for_other else who.user_id
    row = await tx.fetchrow(_READ, opp_session_id, holder, code)
    if row is None or row["status"] != "scheduled":
        return "full", {}
    if row["starts_at"] <= now:
        return "past", {}
    if row["holds_one"] or row["code_taken"]:
        raise NeedsOrm("a booking held already, or a code drawn twice")
    if row["seats_taken"] >= row["capacity"]:  # as read: full is full
        return "full", {}
    booking_id, starts_at = int(row["booking_id"]), row["starts_at"]
    jobs = reminders.jobs_for(booking_id, starts_at, now)
    named = bool(who.name)
    await tx.execute(
        _BOOK,
        booking_id,
        code,
        holder,
        who.user_id if who.for_other else None,
        row["ltsa_id"],
        opp_session_id,
        starts_at,
        who.name,
        who.language,
        now if named else None,
        who.consent if named else None,
        now,
        reminders.KIND,
        [j.key for j in jobs],
        [j.due_at for j in jobs],
        [json.dumps(dict(j.payload)) for j in jobs],
    )
    return "booked", {
        "booking_code": code,
        "when": starts_at.astimezone(TZ),
        "ltsa": row["ltsa_slug"],
        "place": row["place"] or row["ltsa_name"],
        "name": who.name or "",
    }
