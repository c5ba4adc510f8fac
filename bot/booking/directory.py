"""The LTSA directory as rows: LTSAs, desks, opening hours and closures from `content/ltsa`.

Synced at start-up (content is the source; staff edit the YAML): desks under the roof
(`desks_here`) are bookable with the configured slot length and capacity; opening hours are
replaced; `closures:` entries (`- {date: 2026-12-31, reason: …}`) are added. With demo data on,
OPP sessions are created on the LTSA's `opp` day and time for the coming weeks, so a fresh
install can be tried at once. Several gateways starting together take turns (an advisory
lock on PostgreSQL, the writer lock on SQLite).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import Content
from bot.db.models import Closure, Desk, Ltsa, OpeningHours, OppSession, utcnow
from nlu.dates import TZ

log = logging.getLogger(__name__)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEMO_WEEKS = 8
_SYNC_LOCK = 7_320_501  # any constant; names the advisory lock of this sync


def clock_time(value: object) -> dt.time:
    """ "08.00" / "8:30" -> time."""
    hours, _, minutes = str(value).replace(":", ".").partition(".")
    return dt.time(int(hours), int(minutes or 0))


def weekdays(spec: str) -> list[int]:
    """ "monday-thursday" -> [0, 1, 2, 3]; "friday" -> [4]; "monday, wednesday" -> [0, 2]."""
    days: list[int] = []
    for part in spec.split(","):
        first, _, last = (p.strip().lower() for p in part.partition("-"))
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            continue
        start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        days += list(range(start, end + 1))
    return days


async def sync_directory(
    session: AsyncSession,
    content: Content,
    *,
    slot_minutes: int,
    slot_capacity: int,
    demo: bool,
    now: dt.datetime | None = None,
) -> None:
    """Makes the directory tables match `content/ltsa`; adds demo OPP sessions when asked."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SYNC_LOCK})
    for slug, entry in content.ltsa.items():
        ltsa = await session.scalar(select(Ltsa).where(Ltsa.slug == slug))
        if ltsa is None:
            ltsa = Ltsa(slug=slug, name=entry.name)
            session.add(ltsa)
            await session.flush()
        ltsa.name = entry.name
        await _sync_desks(session, ltsa, entry.data, slot_minutes, slot_capacity)
        await _sync_hours(session, ltsa, entry.data)
        await _sync_closures(session, ltsa, entry.data)
        if demo and entry.data.get("opp"):
            await demo_sessions(session, ltsa, entry.data["opp"], now or utcnow())
    await session.flush()


async def _sync_desks(
    session: AsyncSession, ltsa: Ltsa, data: Mapping[str, Any], minutes: int, capacity: int
) -> None:
    here = [str(d) for d in data.get("desks_here", ())]
    existing = {
        d.code: d for d in await session.scalars(select(Desk).where(Desk.ltsa_id == ltsa.id))
    }
    for code, desk in existing.items():
        desk.active = code in here
    for code in here:
        desk = existing.get(code) or Desk(ltsa_id=ltsa.id, code=code)
        desk.active, desk.slot_minutes, desk.slot_capacity = True, minutes, capacity
        session.add(desk)


async def _sync_hours(session: AsyncSession, ltsa: Ltsa, data: Mapping[str, Any]) -> None:
    await session.execute(delete(OpeningHours).where(OpeningHours.ltsa_id == ltsa.id))
    for period in data.get("hours", ()):
        try:
            opens, closes = clock_time(period["open"]), clock_time(period["close"])
        except (KeyError, ValueError):
            log.warning("ltsa %s: unreadable opening hours %r", ltsa.slug, period)
            continue
        for day in weekdays(str(period.get("days", ""))):
            session.add(OpeningHours(ltsa_id=ltsa.id, weekday=day, opens=opens, closes=closes))


async def _sync_closures(session: AsyncSession, ltsa: Ltsa, data: Mapping[str, Any]) -> None:
    known = set(await session.scalars(select(Closure.day).where(Closure.ltsa_id == ltsa.id)))
    for item in data.get("closures") or ():
        day = item.get("date")
        if isinstance(day, str):
            day = dt.date.fromisoformat(day)
        if isinstance(day, dt.date) and day not in known:
            session.add(Closure(ltsa_id=ltsa.id, day=day, reason=str(item.get("reason", ""))))
            known.add(day)


async def demo_sessions(
    session: AsyncSession, ltsa: Ltsa, opp: Mapping[str, Any], now: dt.datetime
) -> int:
    """Creates the LTSA's weekly OPP sessions of the coming weeks that do not exist yet."""
    if opp.get("day") not in WEEKDAYS:
        return 0
    at = clock_time(opp.get("time", "08.00"))
    today = now.astimezone(TZ).date()
    first = today + dt.timedelta(days=(WEEKDAYS.index(opp["day"]) - today.weekday()) % 7)
    known = set(
        await session.scalars(select(OppSession.starts_at).where(OppSession.ltsa_id == ltsa.id))
    )
    made = 0
    for week in range(DEMO_WEEKS):
        starts = dt.datetime.combine(first + dt.timedelta(weeks=week), at, tzinfo=TZ)
        if starts <= now or starts in known:
            continue
        session.add(
            OppSession(
                ltsa_id=ltsa.id,
                starts_at=starts,
                place=str(opp.get("place", ltsa.name)),
                capacity=int(opp.get("capacity", 30)),
                seats_taken=0,
                language="id",
                status="scheduled",
                created_at=utcnow(),
            )
        )
        made += 1
    return made


MAX_CAPACITY = 500  # seats of one OPP session


class SessionRefused(ValueError):
    """A new OPP session that cannot be: reason past, capacity or taken (the LTSA already has
    a session starting then)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def session_refusal(starts_at: dt.datetime, capacity: int, now: dt.datetime) -> str | None:
    """Why an OPP session starting then with that many seats cannot be created, or None."""
    if not 1 <= capacity <= MAX_CAPACITY:
        return "capacity"
    if starts_at <= now:
        return "past"
    return None


async def add_session(
    session: AsyncSession,
    ltsa_slug: str,
    starts_at: dt.datetime,
    capacity: int,
    place: str | None = None,
    language: str = "id",
    *,
    now: dt.datetime | None = None,
) -> OppSession:
    """Creates one OPP session (`ltsa opp add`, the console); LookupError, SessionRefused."""
    # unknown LTSA: LookupError; a start the LTSA already has: "taken"; given `now`, also a
    # past start or a capacity out of range
    ltsa = await session.scalar(select(Ltsa).where(Ltsa.slug == ltsa_slug))
    if ltsa is None:
        raise LookupError(ltsa_slug)
    refusal = session_refusal(starts_at, capacity, now) if now is not None else None
    if refusal is not None:
        raise SessionRefused(refusal)
    taken = await session.scalar(
        select(OppSession.id).where(
            OppSession.ltsa_id == ltsa.id, OppSession.starts_at == starts_at
        )
    )
    if taken is not None:
        raise SessionRefused("taken")
    opp = OppSession(
        ltsa_id=ltsa.id,
        starts_at=starts_at,
        place=place or ltsa.name,
        capacity=capacity,
        seats_taken=0,
        language=language,
        status="scheduled",
        created_at=utcnow(),
    )
    session.add(opp)
    await session.flush()
    return opp
