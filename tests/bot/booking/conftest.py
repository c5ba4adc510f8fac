"""Booking fixtures: the directory synced from content, sessions, a pipeline on a fixed clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable

import pytest

from bot.booking.directory import add_session, sync_directory
from bot.booking.ics import CalendarLinks
from bot.content import Content
from bot.db.engine import Database
from bot.pipeline import Pipeline
from bot.render import Renderer
from nlu.client import RasaClient
from nlu.dates import TZ
from nlu.langid import LanguageDetector

# Monday 7 December 2026, 07.00 in Jakarta: Ponorogo opens at 08.00, Monday to Thursday.
NOW = dt.datetime(2026, 12, 7, 7, 0, tzinfo=TZ)
LINKS = CalendarLinks("test-secret-key", "http://ltsa.test")


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: dt.datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
async def booking_db(database: Database, content: Content) -> AsyncIterator[Database]:
    """A migrated database (SQLite and PostgreSQL) with the LTSA directory synced."""
    async with database.transaction() as session:
        await sync_directory(session, content, slot_minutes=30, slot_capacity=2, demo=False)
    yield database


async def new_session(
    db: Database,
    *,
    ltsa: str = "ponorogo",
    day: dt.date = dt.date(2026, 12, 9),
    hour: int = 8,
    capacity: int = 30,
) -> int:
    """An OPP session on `day` at `hour` (Jakarta); returns its id."""
    async with db.transaction() as session:
        opp = await add_session(
            session, ltsa, dt.datetime.combine(day, dt.time(hour), tzinfo=TZ), capacity, "Disnaker"
        )
        return opp.id


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def booking_pipeline(
    booking_db: Database,
    nlu_down: RasaClient,
    detector: LanguageDetector,
    renderer: Renderer,
    clock: Callable[[], dt.datetime],
) -> Pipeline:
    """The real pipeline (NLU down: buttons and flow steps only) on the fixed clock."""
    return Pipeline(booking_db, nlu_down, detector, renderer, clock=clock, calendar=LINKS)
