"""The persistent scheduler: due jobs run once, after restarts and with two gateways racing."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, select

from bot.booking import reminders
from bot.booking.changes import cancel
from bot.booking.seats import Attendee, book_opp
from bot.db import queries as q
from bot.db.engine import Database
from bot.db.models import Booking, Message, ScheduledJob
from bot.render import Renderer
from bot.scheduler import MAX_ATTEMPTS, Scheduler, schedule
from tests.bot.booking.conftest import NOW, Clock, new_session
from tests.conftest import ROOT

DAY_BEFORE = dt.datetime(2026, 12, 8, 16, 0, tzinfo=NOW.tzinfo)  # for a session on 9 Dec


async def booked_users(db: Database, n: int, language: str = "id") -> list[int]:
    """`n` users with a booking each in one session on 9 December; returns the user ids."""
    session_id = await new_session(db, capacity=max(n, 1))
    ids = []
    async with db.transaction() as session:
        for i in range(n):
            user = await q.user_for(session, "web", f"u{i}")
            user.language = language
            result = await book_opp(session, session_id, Attendee(user.id, "Siti", language), NOW)
            assert result.outcome == "booked"
            ids.append(user.id)
    return ids


async def pushed(db: Database) -> int:
    async with db.transaction() as session:
        query = select(func.count()).select_from(Message).where(Message.delivery == "push")
        return int(await session.scalar(query) or 0)


def scheduler(db: Database, renderer: Renderer, clock: Clock, worker: str) -> Scheduler:
    handlers = {reminders.KIND: reminders.handler(renderer, clock=clock)}
    return Scheduler(db, handlers, worker=worker, clock=clock, batch=100)


async def test_a_reminder_due_while_the_service_was_down_is_sent_once_after_restart(
    booking_db: Database, renderer: Renderer
) -> None:
    [user_id] = await booked_users(booking_db, 1, language="jv")
    clock = Clock(DAY_BEFORE + dt.timedelta(hours=3))  # the service was down at 16.00
    first = scheduler(booking_db, renderer, clock, "gateway-a")
    assert await first.run_once() == 1
    assert await first.run_once() == 0
    restarted = scheduler(booking_db, renderer, clock, "gateway-a-restarted")
    assert await restarted.run_once() == 0
    async with booking_db.transaction() as session:
        [message] = await session.scalars(select(Message).where(Message.delivery == "push"))
        statuses = list(
            await session.scalars(select(ScheduledJob.status).order_by(ScheduledJob.id))
        )
    assert message.user_id == user_id
    assert message.text.startswith("Pengeling: mbenjing panjenengan tumut OPP")  # Javanese
    assert statuses == ["done", "pending"]  # the morning one is not due yet


async def test_a_job_claimed_by_a_worker_that_died_runs_once_after_its_lease(
    booking_db: Database, renderer: Renderer
) -> None:
    await booked_users(booking_db, 1)
    clock = Clock(DAY_BEFORE)
    dead = scheduler(booking_db, renderer, clock, "died")
    assert len(await dead.claim()) == 1  # claimed, then the process was killed
    survivor = scheduler(booking_db, renderer, clock, "survivor")
    assert await survivor.run_once() == 0, "the lease still holds"
    clock.now += dt.timedelta(minutes=6)
    assert await survivor.run_once() == 1
    await dead.run(1)  # the dead worker's leftover attempt finds the job is not its own
    assert await pushed(booking_db) == 1


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
async def test_two_gateways_racing_on_postgresql_send_each_reminder_once(
    booking_db: Database, renderer: Renderer
) -> None:
    await booked_users(booking_db, 40)
    other = Database(booking_db.url.render_as_string(hide_password=False), ROOT)
    clock = Clock(DAY_BEFORE)
    try:
        a = scheduler(booking_db, renderer, clock, "gateway-a")
        b = scheduler(other, renderer, clock, "gateway-b")
        a.batch = b.batch = 5  # small batches: the two interleave
        claimed = 0
        for _ in range(20):
            counts = await asyncio.gather(a.run_once(), b.run_once())
            claimed += sum(counts)
            if counts == [0, 0]:
                break
    finally:
        await other.dispose()
    assert claimed == 40
    assert await pushed(booking_db) == 40
    async with booking_db.transaction() as session:
        per_user = await session.execute(
            select(Message.user_id, func.count())
            .where(Message.delivery == "push")
            .group_by(Message.user_id)
        )
        workers = set(await session.scalars(select(ScheduledJob.status)))
    assert {n for _, n in per_user} == {1}
    assert workers == {"done", "pending"}  # day-before reminders sent, morning ones waiting


async def test_a_failing_handler_is_retried_with_backoff_then_marked_failed(
    database: Database,
) -> None:
    calls: list[int] = []

    async def broken(session: object, job: ScheduledJob) -> None:
        calls.append(job.id)
        raise RuntimeError("provider down")

    clock = Clock(NOW)
    worker = Scheduler(database, {"broken": broken}, worker="w", clock=clock)
    async with database.transaction() as session:
        await schedule(session, "broken", NOW, {}, key="k")
    for _ in range(MAX_ATTEMPTS):
        assert await worker.run_once() == 1
        assert await worker.run_once() == 0, "waits for its backoff"
        clock.now += dt.timedelta(hours=1)
    async with database.transaction() as session:
        job = await session.scalar(select(ScheduledJob))
    assert job is not None
    assert (job.status, job.attempts, len(calls)) == ("failed", MAX_ATTEMPTS, MAX_ATTEMPTS)
    assert job.last_error == "RuntimeError: provider down"


async def test_cancelled_and_past_bookings_send_no_reminder(
    booking_db: Database, renderer: Renderer
) -> None:
    await booked_users(booking_db, 2)
    async with booking_db.transaction() as session:
        first = await session.scalar(select(Booking).order_by(Booking.id))
        assert first is not None
        await cancel(session, first, NOW)
    clock = Clock(DAY_BEFORE)
    assert await scheduler(booking_db, renderer, clock, "w").run_once() == 1, "one is cancelled"
    clock.now = dt.datetime(2026, 12, 9, 9, 0, tzinfo=NOW.tzinfo)  # the session has begun
    assert await scheduler(booking_db, renderer, clock, "w").run_once() == 1
    assert await pushed(booking_db) == 1, "only the day-before reminder of the kept booking"


async def test_after_a_night_down_only_the_morning_reminder_is_sent(
    booking_db: Database, renderer: Renderer
) -> None:
    await booked_users(booking_db, 1)
    clock = Clock(dt.datetime(2026, 12, 9, 6, 30, tzinfo=NOW.tzinfo))  # down 16.00 to 06.30
    assert await scheduler(booking_db, renderer, clock, "w").run_once() == 2
    async with booking_db.transaction() as session:
        [message] = await session.scalars(select(Message).where(Message.delivery == "push"))
    assert message.text.startswith("Hari ini OPP Anda"), "not a late 'besok'"
