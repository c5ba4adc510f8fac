"""What the console pages will call: attendee lists, attendance, CSV, cancel with promotion."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import select

from bot.booking import staff
from bot.booking.changes import join_waitlist
from bot.booking.seats import Attendee, book_desk, book_opp
from bot.db import queries as q
from bot.db.engine import Database
from bot.db.models import Booking, Message, OppSession, WaitlistEntry
from bot.render import Renderer
from tests.bot.booking.conftest import NOW, new_session


async def user(db: Database, name: str, language: str = "id") -> int:
    async with db.transaction() as session:
        row = await q.user_for(session, "web", name)
        row.language = language
        return row.id


async def test_attendees_attendance_and_csv(booking_db: Database) -> None:
    session_id = await new_session(booking_db)
    ids = [await user(booking_db, n) for n in ("a", "b")]
    async with booking_db.transaction() as session:
        for uid, name in zip(ids, ["Siti Aminah", "=HYPERLINK(evil)"], strict=True):
            await book_opp(session, session_id, Attendee(uid, name, "id"), NOW)
    async with booking_db.transaction() as session:
        rows = await staff.attendees(session, session_id)
        first = await session.get_one(Booking, rows[0].booking_id)
        await staff.mark_attendance(session, first, "attended")
        with pytest.raises(ValueError, match="unknown attendance status"):
            await staff.mark_attendance(session, first, "maybe")
    async with booking_db.transaction() as session:
        rows = await staff.attendees(session, session_id)
    assert [(r.name, r.status) for r in rows] == [
        ("Siti Aminah", "attended"),
        ("=HYPERLINK(evil)", "booked"),
    ]
    table = list(csv.reader(io.StringIO(staff.attendees_csv(rows))))
    assert table[0] == ["code", "name", "status", "start", "channel", "booked_by_coordinator"]
    assert table[1][1:4] == ["Siti Aminah", "attended", "2026-12-09 08:00"]
    assert table[2][1] == "'=HYPERLINK(evil)", "a typed name never runs as a formula"


async def test_cancelling_gives_the_seat_to_the_first_waiting_and_tells_them(
    booking_db: Database, renderer: Renderer
) -> None:
    session_id = await new_session(booking_db, capacity=1)
    holder, first, second = [await user(booking_db, n, "su") for n in ("h", "w1", "w2")]
    async with booking_db.transaction() as session:
        booked = await book_opp(session, session_id, Attendee(holder, "Ani", "su"), NOW)
        for uid, name in ((first, "Budi"), (second, "Cici")):
            waiting = await join_waitlist(session, session_id, Attendee(uid, name, "su"), NOW)
            assert waiting.outcome == "waiting"
    assert booked.booking is not None
    async with booking_db.transaction() as session:
        booking = await session.get_one(Booking, booked.booking.id)
        [promoted] = await staff.cancel(session, booking, renderer, now=NOW)
    async with booking_db.transaction() as session:
        opp = await session.get_one(OppSession, session_id)
        statuses = list(
            await session.scalars(select(WaitlistEntry.status).order_by(WaitlistEntry.id))
        )
        [message] = await session.scalars(select(Message).where(Message.delivery == "push"))
    assert promoted.user_id == first and promoted.attendee_name == "Budi"
    assert (opp.seats_taken, statuses) == (1, ["promoted", "waiting"])
    assert message.user_id == first and promoted.code in message.text
    assert message.text.startswith("Béja saé!"), "told in the person's language (Sundanese)"


async def test_a_desk_day_lists_its_appointments_by_time(booking_db: Database) -> None:
    uid = await user(booking_db, "d")
    at = dt.datetime(2026, 12, 8, 9, 30, tzinfo=NOW.tzinfo)
    async with booking_db.transaction() as session:
        result = await book_desk(
            session, "ponorogo", "disnaker", at, Attendee(uid, "Siti", "id"), NOW
        )
        assert result.outcome == "booked"
        rows = await staff.desk_day(session, "ponorogo", "disnaker", at.date())
    assert [(r.name, r.starts_at) for r in rows] == [("Siti", at)]


async def test_a_desk_slot_takes_only_its_capacity(booking_db: Database) -> None:
    at = dt.datetime(2026, 12, 8, 10, 0, tzinfo=NOW.tzinfo)
    outcomes = []
    for name in ("a", "b", "c"):
        uid = await user(booking_db, name)
        async with booking_db.transaction() as session:
            result = await book_desk(
                session, "ponorogo", "disnaker", at, Attendee(uid, name, "id"), NOW
            )
            outcomes.append(result.outcome)
    assert outcomes == ["booked", "booked", "full"]  # two people per slot (the setting)
    uid = await user(booking_db, "e")
    async with booking_db.transaction() as session:
        odd = dt.datetime(2026, 12, 8, 10, 10, tzinfo=NOW.tzinfo)
        assert (
            await book_desk(session, "ponorogo", "disnaker", odd, Attendee(uid, "e", "id"), NOW)
        ).outcome == "closed"
        sunday = dt.datetime(2026, 12, 13, 10, 0, tzinfo=NOW.tzinfo)
        assert (
            await book_desk(session, "ponorogo", "disnaker", sunday, Attendee(uid, "e", "id"), NOW)
        ).outcome == "closed"
