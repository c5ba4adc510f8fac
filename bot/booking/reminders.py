"""Reminders of a booking: the afternoon before and early on the day, in the user's language.

They are scheduled jobs (`bot.scheduler`) keyed `booking:<id>:<which>`, so booking schedules
them, rescheduling replaces them and cancelling removes them. A reminder that comes due after
the booking was cancelled, or after its time passed (the service was down too long), is
dropped silently, and so is a day-before reminder that could only be sent on the day itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking.push import Push, push
from bot.db.models import Booking, ScheduledJob, User, utcnow
from bot.render import Renderer
from bot.scheduler import Handler, Job, cancel, schedule_many
from flows.actions import Say
from nlu.dates import TZ

KIND = "booking_reminder"
DAY_BEFORE = dt.time(16, 0)
MORNING = dt.time(6, 0)


def due_times(starts_at: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """(which, when) of the reminders of a booking starting at `starts_at`."""
    day = starts_at.astimezone(TZ).date()
    return [
        ("day_before", dt.datetime.combine(day - dt.timedelta(days=1), DAY_BEFORE, tzinfo=TZ)),
        ("morning", dt.datetime.combine(day, MORNING, tzinfo=TZ)),
    ]


def keys(booking_id: int) -> list[str]:
    """The scheduled-job keys of a booking's reminders."""
    return [f"booking:{booking_id}:{which}" for which in ("day_before", "morning")]


async def schedule_for(
    session: AsyncSession, booking: Booking, now: dt.datetime, *, fresh: bool = False
) -> None:
    """Schedules (or re-schedules) the booking's reminders still ahead of `now`. `fresh`: the
    booking was created in this transaction, so it has no reminders to replace."""
    if not fresh:
        await cancel(session, keys(booking.id))
    await schedule_many(session, jobs_for(booking.id, booking.starts_at, now), replace=not fresh)


def jobs_for(booking_id: int, starts_at: dt.datetime, now: dt.datetime) -> list[Job]:
    """The reminder jobs of a booking starting at `starts_at`, those still ahead of `now`."""
    return [
        Job(KIND, due, {"booking_id": booking_id, "which": which}, f"booking:{booking_id}:{which}")
        for which, due in due_times(starts_at)
        if now < due < starts_at
    ]


async def cancel_for(session: AsyncSession, booking: Booking) -> None:
    """Removes the booking's reminders that have not been sent."""
    await cancel(session, keys(booking.id))


def handler(
    renderer: Renderer, send: Push = push, clock: Callable[[], dt.datetime] = utcnow
) -> Handler:
    """The scheduler handler that sends one reminder."""

    async def remind(session: AsyncSession, job: ScheduledJob) -> None:
        from bot.booking.reads import describe

        booking = await session.get(Booking, int(job.payload["booking_id"]))
        if booking is None or booking.status != "booked" or booking.starts_at <= clock():
            return
        user_id = booking.user_id or booking.booked_by_user_id
        user = await session.get(User, user_id) if user_id is not None else None
        if user is None:
            return
        which = "morning" if job.payload.get("which") == "morning" else "day_before"
        if (
            which == "day_before"
            and clock().astimezone(TZ).date() >= booking.starts_at.astimezone(TZ).date()
        ):
            return  # late, on the day itself: "tomorrow" would be wrong, the morning one says it
        params = await describe(session, booking)
        language = user.language or booking.language or renderer.content.default_language
        key = f"booking.reminder.{booking.kind}_{which}"
        messages = renderer.render([Say(key, params)], language)
        await send(session, user, messages, kind=KIND)

    return remind
