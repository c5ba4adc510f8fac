"""Which days an LTSA takes appointments and which desk slots are free.

A day is refused when it is past, beyond the booking horizon, an Indonesian public holiday or
collective leave day (`holidays.Indonesia`, names in Indonesian), a closure entered by staff,
or a weekday without opening hours. Desk slots are cut from the opening hours in steps of the
desk's slot length; a slot is full when its `desk_slots` row has no seat left.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Closure, Desk, DeskSlot, Ltsa, OpeningHours
from flows.store import DayCheck
from nlu.dates import TZ

HORIZON_DAYS = 60  # appointments are taken this far ahead
MAX_OPEN_DAYS = 5  # days offered as buttons


@lru_cache(maxsize=8)
def _holidays(year: int) -> dict[dt.date, str]:
    # "government" adds cuti bersama: the LTSA's government offices close on those days too
    table = holidays.country_holidays(
        "ID", years=year, language="id", categories=("public", "government")
    )
    return {day: str(name) for day, name in table.items()}


def holiday(day: dt.date) -> str | None:
    """The name of the public holiday on `day` (Indonesian), or None."""
    return _holidays(day.year).get(day)


def local_today(now: dt.datetime) -> dt.date:
    """Today's date in Asia/Jakarta."""
    return now.astimezone(TZ).date()


async def ltsa_row(session: AsyncSession, slug: str) -> Ltsa | None:
    """The LTSA row of a slug, or None."""
    return await session.scalar(select(Ltsa).where(Ltsa.slug == slug))


async def desk_row(session: AsyncSession, ltsa: Ltsa, code: str) -> Desk | None:
    """The active desk `code` of the LTSA, or None."""
    return await session.scalar(
        select(Desk).where(Desk.ltsa_id == ltsa.id, Desk.code == code, Desk.active.is_(True))
    )


async def periods(
    session: AsyncSession, ltsa: Ltsa, day: dt.date
) -> list[tuple[dt.time, dt.time]]:
    """The opening periods of the LTSA on the weekday of `day`."""
    rows = await session.scalars(
        select(OpeningHours)
        .where(OpeningHours.ltsa_id == ltsa.id, OpeningHours.weekday == day.weekday())
        .order_by(OpeningHours.opens)
    )
    return [(row.opens, row.closes) for row in rows]


async def check_day(session: AsyncSession, ltsa: Ltsa, day: dt.date, now: dt.datetime) -> DayCheck:
    """Whether the LTSA takes appointments on `day`, and the reason when it does not."""
    today = local_today(now)
    if day < today:
        return DayCheck(day, "past")
    if day > today + dt.timedelta(days=HORIZON_DAYS):
        return DayCheck(day, "too_far", str(HORIZON_DAYS))
    name = holiday(day)
    if name is not None:
        return DayCheck(day, "holiday", name)
    closure = await session.scalar(
        select(Closure).where(Closure.ltsa_id == ltsa.id, Closure.day == day)
    )
    if closure is not None:
        return DayCheck(day, "closure", closure.reason)
    if not await periods(session, ltsa, day):
        return DayCheck(day, "closed")
    return DayCheck(day)


def slot_starts(
    day: dt.date, opening: list[tuple[dt.time, dt.time]], minutes: int
) -> list[dt.datetime]:
    """Every slot start on `day` that ends by closing time, in Asia/Jakarta."""
    step = dt.timedelta(minutes=minutes)
    starts: list[dt.datetime] = []
    for opens, closes in opening:
        at = dt.datetime.combine(day, opens, tzinfo=TZ)
        end = dt.datetime.combine(day, closes, tzinfo=TZ)
        while at + step <= end:
            starts.append(at)
            at += step
    return starts


async def free_slots(
    session: AsyncSession, ltsa: Ltsa, desk: Desk, day: dt.date, now: dt.datetime
) -> list[dt.datetime]:
    """The desk's slots on `day` that are ahead of `now` and have a seat left."""
    if (await check_day(session, ltsa, day, now)).refusal is not None:
        return []
    starts = [
        s
        for s in slot_starts(day, await periods(session, ltsa, day), desk.slot_minutes)
        if s > now
    ]
    if not starts:
        return []
    rows = await session.execute(
        select(DeskSlot.starts_at).where(
            DeskSlot.desk_id == desk.id,
            DeskSlot.starts_at >= starts[0],
            DeskSlot.starts_at <= starts[-1],
            DeskSlot.seats_taken >= DeskSlot.capacity,
        )
    )
    full = {at for (at,) in rows}
    return [s for s in starts if s not in full]


async def open_days(
    session: AsyncSession,
    ltsa: Ltsa,
    desk: Desk,
    start: dt.date,
    now: dt.datetime,
    limit: int = MAX_OPEN_DAYS,
) -> list[dt.date]:
    """The next `limit` days from `start` with a free slot at the desk."""
    today = local_today(now)
    day = max(start, today)
    found: list[dt.date] = []
    while len(found) < limit and day <= today + dt.timedelta(days=HORIZON_DAYS):
        if await free_slots(session, ltsa, desk, day, now):
            found.append(day)
        day += dt.timedelta(days=1)
    return found
