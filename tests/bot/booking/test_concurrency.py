"""500 people confirm 30 OPP seats at once, from 4 OS processes with their own engines and
connection pools (like 4 gateway replicas) on PostgreSQL: exactly 30 get a seat, the other
470 are told it is full and offered the waitlist, nobody gets an error."""

from __future__ import annotations

import asyncio

import pytest

from bot.bench import booking_race
from bot.db.engine import Database


@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
async def test_500_simultaneous_confirmations_fill_30_seats_exactly(database: Database) -> None:
    url = database.url.set(drivername="postgresql").render_as_string(hide_password=False)
    report = await asyncio.to_thread(
        booking_race.run, url, attempts=500, capacity=30, processes=4, pool_size=5
    )
    assert report["booked"] == 30, report
    assert report["full"] == 470, report
    assert report["errors"] == 0, report
    assert (report["seats_taken"], report["bookings"]) == (30, 30), report


async def test_the_race_on_sqlite_also_fills_the_seats_exactly(sqlite_db: Database) -> None:
    url = sqlite_db.url.set(drivername="sqlite").render_as_string(hide_password=False)
    report = await asyncio.to_thread(
        booking_race.run, url, attempts=40, capacity=5, processes=2, pool_size=2
    )
    assert (report["booked"], report["full"], report["errors"]) == (5, 35, 0), report
    assert (report["seats_taken"], report["bookings"]) == (5, 5), report
