"""A real booking store for flow transcripts: the directory synced into SQLite, one user."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.booking.directory import add_session, sync_directory
from bot.booking.seats import Attendee, book_desk, book_opp
from bot.content import Content
from bot.db import queries as q
from bot.db.engine import Database
from bot.db.models import Closure, Coordinator, Ltsa
from bot.flowstore import TurnStore
from flows import Conversation, Turn
from flows.actions import Action, Book, CancelBooking, JoinWaitlist, Reschedule
from flows.booking_desk import State as DeskState
from flows.booking_opp import State as OppState
from nlu.dates import TZ
from tests.conftest import ROOT

OPP_STATES = list(OppState)
DESK_STATES = list(DeskState)

NOW = dt.datetime(2026, 12, 7, 7, 0, tzinfo=TZ)  # Monday morning


def follow_ups(actions: Sequence[Action]) -> list[Action]:
    """The actions of every result a booking action prepared (`on`), flattened."""
    found: list[Action] = []
    for action in actions:
        if isinstance(action, Book | CancelBooking | Reschedule | JoinWaitlist):
            for branch in action.on.values():
                found += [*branch, *follow_ups(branch)]
    return found


@pytest.fixture
async def store(tmp_path: Path, content: Content) -> AsyncIterator[TurnStore]:
    """A TurnStore for user 'u' inside an open transaction on a fresh SQLite database."""
    db = Database(f"sqlite:///{tmp_path}/flows.db", ROOT)
    await db.migrate()
    async with db.transaction() as session:
        await sync_directory(session, content, slot_minutes=30, slot_capacity=2, demo=False)
        user = await q.user_for(session, "web", "u")
        yield TurnStore(content, session, user.id, NOW)
    await db.dispose()


async def opp_session(
    store: TurnStore, day: dt.date = dt.date(2026, 12, 9), capacity: int = 30, taken: int = 0
) -> int:
    starts = dt.datetime.combine(day, dt.time(8), tzinfo=TZ)
    opp = await add_session(store.session, "ponorogo", starts, capacity, "Disnaker")
    opp.seats_taken = taken
    await store.session.flush()
    return opp.id


@asynccontextmanager
async def seeded_stores(content: Content, tmp_path: Path) -> AsyncIterator[list[TurnStore]]:
    """Stores of three users on one database: one with no bookings, one holding an OPP and a
    desk booking, one KOPI coordinator; sessions with seats and a full one."""
    db = Database(f"sqlite:///{tmp_path}/content.db", ROOT)
    await db.migrate()
    try:
        async with db.transaction() as session:
            await sync_directory(session, content, slot_minutes=30, slot_capacity=2, demo=False)
            users = [await q.user_for(session, "web", name) for name in ("new", "holder", "kopi")]
            stores = [TurnStore(content, session, u.id, NOW) for u in users]
            sid = await opp_session(stores[0])
            await opp_session(stores[0], dt.date(2026, 12, 16), taken=30)
            holder = Attendee(users[1].id, "Siti", "id")
            await book_opp(session, sid, holder, NOW)
            at = dt.datetime(2026, 12, 8, 9, 0, tzinfo=TZ)
            await book_desk(session, "ponorogo", "disnaker", at, holder, NOW)
            session.add(Coordinator(user_id=users[2].id, village="Paringan"))
            villager = Attendee(users[2].id, "Budi", "id", "coordinator", for_other=True)
            await book_opp(session, sid, villager, NOW)
            ltsa = await session.scalar(select(Ltsa).where(Ltsa.slug == "ponorogo"))
            assert ltsa is not None
            session.add(Closure(ltsa_id=ltsa.id, day=dt.date(2026, 12, 10), reason="rapat dinas"))
            await session.flush()
            yield stores
    finally:
        await db.dispose()


def booking_turns() -> list[Turn]:
    """Button presses and typed answers of every booking step."""
    presses = [
        ("opp_step", {"session": 1}),
        ("opp_step", {"session": 2}),
        ("opp_step", {"waitlist": 2}),
        ("opp_step", {"who": "me"}),
        ("opp_step", {"who": "other"}),
        ("desk_step", {"desk": "disnaker"}),
        ("desk_step", {"day": "2026-12-08"}),
        ("desk_step", {"day": "2026-12-25"}),
        ("desk_step", {"day": "2026-12-10"}),
        ("desk_step", {"at": "2026-12-08T09:30:00+07:00"}),
        ("book_opp", {"ltsa": "ponorogo"}),
        ("book_desk", {"ltsa": "ponorogo", "desk": "imigrasi"}),
        ("book_desk", {"ltsa": "ponorogo", "desk": "disnaker"}),
        ("ask_opp_schedule", {"ltsa": "ponorogo"}),
        ("cancel_booking", {"code": "OPP-XXXX"}),
        ("reschedule_booking", {"code": "OPP-XXXX"}),
    ]
    for step in ("opp_step", "desk_step", "booking_step"):
        for name in ("consent", "confirm", "cancel"):
            presses += [(step, {name: True}), (step, {name: False})]
        presses.append((step, {"change": True}))
    turns = [Turn("", intent, 1.0, payload=params) for intent, params in presses]
    typed = ["Rabu depan", "sesuk jam 9", "sesuk jam 7", "jam 10", "25/12", "1/12/2026"]
    typed += ["20/3/2027", "Sabtu", "Siti Aminah"]
    turns += [Turn(text, "nlu_fallback", 0.1, nlu_available=False) for text in [*typed, "12"]]
    turns += [Turn("ya", "affirm", 1.0), Turn("tidak", "deny", 1.0)]
    return turns


def booking_conversations() -> list[Conversation]:
    """Every booking step, with the slots it is reached with."""
    opp = {"ltsa": "ponorogo", "session": 1, "name": "Siti", "consent": "self"}
    desk = {"ltsa": "ponorogo", "desk": "disnaker", "day": "2026-12-08"}
    desk_at = {**desk, "at": "2026-12-08T10:00:00+07:00", "name": "Siti"}
    convs = [Conversation("book_opp", state, opp) for state in OPP_STATES]
    convs += [Conversation("book_opp", OPP_STATES[-1], {**opp, "waitlist": True, "session": 2})]
    convs += [Conversation("book_opp", OPP_STATES[-1], {**opp, "reschedule": "OPP-XXXX"})]
    convs += [Conversation("book_opp", OPP_STATES[3], {**opp, "for_other": True})]
    convs += [Conversation("book_desk", state, desk_at) for state in DESK_STATES]
    convs += [Conversation("book_opp", OPP_STATES[1], {"ltsa": "ponorogo"})]
    convs += [Conversation("book_desk", state, desk) for state in DESK_STATES[2:4]]
    convs += [Conversation("book_desk", DESK_STATES[-1], {**desk_at, "reschedule": "LKT-XXXX"})]
    convs += [Conversation("booking_manage", "confirm_cancel", {"code": "OPP-XXXX"})]
    return convs
