"""A chat turn takes its OPP seat last, just before the commit: the session's row is locked
only that long. A seat promised earlier in the turn but gone by then rolls the turn back."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import direct, seats
from bot.db import queries as q
from bot.db.engine import Database
from bot.db.models import Booking, Message, OppSession, ScheduledJob
from bot.pipeline import Pipeline
from tests.bot.booking.conftest import NOW, new_session
from tests.bot.booking.test_booking_pipeline import chat_in_indonesian


async def _attendee(db: Database, chat: str) -> seats.Attendee:
    async with db.transaction() as session:
        user = await q.user_for(session, "web", chat)
        return seats.Attendee(user.id, None, "id")


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
async def test_a_seat_taken_by_another_before_the_commit_rolls_the_turn_back(
    booking_db: Database,
) -> None:
    opp_id = await new_session(booking_db, capacity=1)
    late, quick = await _attendee(booking_db, "late"), await _attendee(booking_db, "quick")
    with pytest.raises(seats.SeatGone):
        async with booking_db.transaction() as session:
            seats.defer_seats(session)
            promised = await seats.book_opp(session, opp_id, late, NOW)
            assert promised.outcome == "booked"  # on the promise of a seat: no lock yet
            async with booking_db.transaction() as other:  # not blocked by the promise
                assert (await seats.book_opp(other, opp_id, quick, NOW)).outcome == "booked"
            await seats.settle(session)
    async with booking_db.transaction() as session:
        opp = await session.get_one(OppSession, opp_id)
        bookings = await session.scalar(select(func.count()).select_from(Booking))
    assert (opp.seats_taken, bookings) == (1, 1)  # the quick one's; the late turn left nothing


async def test_a_full_session_is_full_without_a_promise(booking_db: Database) -> None:
    opp_id = await new_session(booking_db, capacity=1)
    first, second = await _attendee(booking_db, "a"), await _attendee(booking_db, "b")
    for who, outcome in ((first, "booked"), (second, "full")):
        async with booking_db.transaction() as session:
            seats.defer_seats(session)
            assert (await seats.book_opp(session, opp_id, who, NOW)).outcome == outcome
            await seats.settle(session)
    async with booking_db.transaction() as session:
        assert (await session.get_one(OppSession, opp_id)).seats_taken == 1


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
@pytest.mark.parametrize("path", ["direct", "orm"])
async def test_the_turn_that_lost_its_seat_is_told_the_session_is_full(
    booking_pipeline: Pipeline, booking_db: Database, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    opp_id = await new_session(booking_db, capacity=1)
    chat = await chat_in_indonesian(booking_pipeline, "late")
    await chat.send('/book_opp{"ltsa":"ponorogo"}')
    await chat.press("Rabu, 9 Desember 2026 08.00 · 1 kursi")
    await chat.press("Setuju")
    await chat.send("Budi Santoso")
    calls: list[int] = []

    async def someone_else_first() -> None:
        if not calls:  # between the promise and the commit, another person books
            async with booking_db.transaction() as other:
                quick = await q.user_for(other, "web", "quick")
                who = seats.Attendee(quick.id, "Sri", "id")
                assert (await seats.book_opp(other, opp_id, who, NOW)).outcome == "booked"
        calls.append(1)

    if path == "orm":
        monkeypatch.setattr(booking_db, "direct", None)
        settle = seats.settle

        async def settled_late(session: AsyncSession) -> None:
            await someone_else_first()
            await settle(session)

        monkeypatch.setattr(seats, "settle", settled_late)
    else:  # the seat promised by the booking's statement
        book = direct.book_opp

        async def booked_late(*args: Any) -> tuple[str, dict[str, Any]]:
            booked = await book(*args)
            await someone_else_first()
            return booked

        monkeypatch.setattr(direct, "book_opp", booked_late)
    await chat.press("Ya, daftarkan")
    assert len(calls) == 2  # the turn ran twice: promised, then answered with the seat gone
    assert "baru saja penuh" in chat.text() and "Daftar tunggu" in chat.buttons()
    async with booking_db.transaction() as session:
        assert (await session.get_one(OppSession, opp_id)).seats_taken == 1
        assert await session.scalar(select(func.count()).select_from(Booking)) == 1
        late = await q.user_for(session, "web", "late")
        pressed = await session.scalars(
            select(Message.payload).where(Message.user_id == late.id, Message.direction == "in")
        )
        assert list(pressed).count('/opp_step{"confirm":true}') == 1  # stored once


async def test_a_code_drawn_twice_is_drawn_again_and_the_booking_keeps_its_reminders(
    booking_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    opp_id = await new_session(booking_db, capacity=5)
    first, second = await _attendee(booking_db, "a"), await _attendee(booking_db, "b")
    draws = iter(["OPP-AAAA", "OPP-AAAA", "OPP-BBBB"])  # the second booking draws a used code
    monkeypatch.setattr(seats, "new_code", lambda kind: next(draws))
    codes = []
    for who in (first, second):
        async with booking_db.transaction() as session:
            result = await seats.book_opp(session, opp_id, who, NOW)
            assert result.outcome == "booked" and result.booking is not None
            codes.append(result.booking.code)
    assert codes == ["OPP-AAAA", "OPP-BBBB"]
    async with booking_db.transaction() as session:
        opp = await session.get_one(OppSession, opp_id)
        jobs = list(await session.scalars(select(ScheduledJob.key).order_by(ScheduledJob.key)))
        ids = list(await session.scalars(select(Booking.id).order_by(Booking.id)))
    assert opp.seats_taken == 2  # the failed draw's seat went back with its savepoint
    assert jobs == sorted(f"booking:{i}:{w}" for i in ids for w in ("day_before", "morning"))
