"""The booking flows on the direct path (`bot.booking.direct`): the OPP flow read and booked
through plain statements must answer and store exactly what the ORM path does, and leave to the
ORM what it does not cover (a second booking, every other change)."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import or_, select, update

from bot.booking import direct, seats
from bot.db import queries as q
from bot.db.engine import Database
from bot.db.models import Booking, Coordinator, OppSession, ScheduledJob, User
from bot.pipeline import Pipeline
from flows.booking_opp import FLOW, STEP, State
from flows.payload import payload
from tests.bot.booking.conftest import new_session
from tests.bot.booking.test_booking_pipeline import chat_in_indonesian
from tests.bot.db.test_turns import orm_transactions, rows
from tests.helpers import Chat

pytestmark = pytest.mark.parametrize("database", ["postgresql"], indirect=True)

CODE = re.compile(r"\bOPP-[A-HJKMNP-Z2-9]{4}\b")
LINK = re.compile(r"http://ltsa\.test/\S+")

Steps = Callable[[Chat], Awaitable[None]]


async def to_confirmation(chat: Chat, name: str = "Budi Santoso") -> None:
    """The OPP flow from the LTSA's sessions to the question "book it?"."""
    await chat.send('/book_opp{"ltsa":"ponorogo"}')
    await chat.press(chat.buttons()[0])  # the first session
    await chat.press("Setuju")
    await chat.send(name)


async def confirm(chat: Chat) -> None:
    await chat.press("Ya, daftarkan")


async def for_a_villager(chat: Chat) -> None:
    """A KOPI coordinator books a seat for someone of the village."""
    await chat.send('/book_opp{"ltsa":"ponorogo"}')
    await chat.press(chat.buttons()[0])
    await chat.press(chat.buttons()[1])  # for someone else
    await chat.press(chat.buttons()[0])  # the villager agreed
    await chat.send("Sumarni")
    await confirm(chat)


async def stored(db: Database, chat: str) -> str:
    """Everything stored for a chat (`test_turns.rows`) with its bookings and their reminders;
    codes, calendar links and ids left out (they differ by design)."""
    found = await rows(db, chat)
    async with db.transaction() as session:
        user = await session.scalar(select(User).where(User.channel_user_id == chat))
        assert user is not None
        bookings = list(
            await session.scalars(
                select(Booking)
                .where(or_(Booking.user_id == user.id, Booking.booked_by_user_id == user.id))
                .order_by(Booking.id)
            )
        )
        keys = [f"booking:{b.id}:{which}" for b in bookings for which in ("day_before", "morning")]
        jobs = list(
            await session.scalars(
                select(ScheduledJob).where(ScheduledJob.key.in_(keys)).order_by(ScheduledJob.key)
            )
        )
    skip = {"id", "code", "user_id", "booked_by_user_id", "created_at", "updated_at"}
    found["bookings"] = [
        {c.key: getattr(b, c.key) for c in b.__table__.columns if c.key not in skip}
        | {"for_other": b.user_id is None, "consent_at": b.consent_at is not None}
        for b in bookings
    ]
    found["reminders"] = [
        (j.kind, j.key.rsplit(":", 1)[1], j.due_at, j.payload["which"], j.status, j.attempts)
        for j in jobs
    ]
    text = json.dumps(found, default=str, sort_keys=True)
    return LINK.sub("<link>", CODE.sub("<code>", text))


async def same_both_ways(
    pipeline: Pipeline,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    steps: Steps,
    last: Steps,
    orm_free: bool = True,
) -> tuple[Chat, str]:
    """Takes `steps` then `last` as one user on the direct path and as another with the
    direct path off; both must answer and store the same. With `orm_free`, the direct user's
    `last` begins no ORM transaction. The direct user's chat and rows."""
    answers: dict[str, str] = {}
    chats: dict[str, Chat] = {}
    seats: dict[str, list[int]] = {}
    for who in ("direct", "orm"):
        if who == "orm":
            monkeypatch.setattr(db, "direct", None)
        async with db.transaction() as session:  # each finds every seat free
            await session.execute(update(OppSession).values(seats_taken=0))
        chat = chats[who] = await chat_in_indonesian(pipeline, who)
        await steps(chat)
        with orm_transactions(db) as begun:
            await last(chat)
        if who == "direct" and orm_free:
            assert not begun  # no ORM transaction for the last turn
        shown = [(m.text, [(b.title, b.payload) for b in m.buttons]) for m in chat.last]
        answers[who] = LINK.sub("<link>", CODE.sub("<code>", json.dumps(shown)))
        async with db.transaction() as session:
            taken = await session.scalars(select(OppSession.seats_taken).order_by(OppSession.id))
            seats[who] = list(taken)
    assert answers["direct"] == answers["orm"]
    assert seats["direct"] == seats["orm"]
    one, other = await stored(db, "direct"), await stored(db, "orm")
    assert one == other
    return chats["direct"], one + f" seats {seats['direct']}"


async def test_a_booking_is_made_and_stored_as_the_orm_path_does(
    booking_pipeline: Pipeline, booking_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await new_session(booking_db, capacity=5)
    chat, state = await same_both_ways(
        booking_pipeline, booking_db, monkeypatch, to_confirmation, confirm
    )
    assert CODE.search(chat.text()) and "<link>" in state
    assert state.endswith("seats [1]")  # taken at the commit
    assert '"day_before"' in state and '"morning"' in state  # the reminders


async def test_the_users_bookings_are_listed_as_the_orm_path_lists_them(
    booking_pipeline: Pipeline, booking_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await new_session(booking_db, capacity=5)

    async def booked(chat: Chat) -> None:
        await to_confirmation(chat)
        await confirm(chat)

    async def listed(chat: Chat) -> None:
        await chat.send("/check_booking")

    chat, _ = await same_both_ways(booking_pipeline, booking_db, monkeypatch, booked, listed)
    assert CODE.search(chat.text())


async def test_a_full_session_is_full_on_both_paths(
    booking_pipeline: Pipeline, booking_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    opp_id = await new_session(booking_db, capacity=5)

    async def seats_taken(taken: int) -> None:
        async with booking_db.transaction() as session:
            (await session.get_one(OppSession, opp_id)).seats_taken = taken

    async def filled(chat: Chat) -> None:
        await to_confirmation(chat)
        await seats_taken(5)  # meanwhile, others took every seat

    chat, state = await same_both_ways(booking_pipeline, booking_db, monkeypatch, filled, confirm)
    assert "Daftar tunggu" in chat.buttons() and '"bookings": []' in state


async def test_a_second_booking_is_refused_through_the_orm(
    booking_pipeline: Pipeline, booking_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    opp_id = await new_session(booking_db, capacity=5)

    async def holds_one(chat: Chat) -> None:
        await to_confirmation(chat)
        await confirm(chat)
        async with booking_db.transaction() as session:  # back at the question, as a second
            user = await q.user_for(session, "web", chat.user)  # tab would be
            conv = await q.conversation_for(session, user.id)
            conv.flow, conv.state = FLOW, str(State.CONFIRM)
            conv.slots = {"ltsa": "ponorogo", "session": opp_id, "name": "Budi Santoso"}

    async def again(chat: Chat) -> None:
        with orm_transactions(booking_db) as begun:
            await chat.send(payload(STEP, confirm=True))
        assert begun  # the answer names the booking held: the ORM path's

    chat, state = await same_both_ways(
        booking_pipeline, booking_db, monkeypatch, holds_one, again, orm_free=False
    )
    assert state.count('"status": "booked"') == 1 and CODE.search(chat.text())


async def test_a_coordinator_books_for_a_villager_as_the_orm_path_does(
    booking_pipeline: Pipeline, booking_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await new_session(booking_db, capacity=5)
    for chat in ("direct", "orm"):
        async with booking_db.transaction() as session:
            user = await q.user_for(session, "web", chat)
            session.add(Coordinator(user_id=user.id, village="Paringan"))

    async def nothing(chat: Chat) -> None:
        return None

    chat, state = await same_both_ways(
        booking_pipeline, booking_db, monkeypatch, nothing, for_a_villager
    )
    assert CODE.search(chat.text())
    assert '"attendee_name": "Sumarni"' in state and '"for_other": true' in state


async def test_a_code_drawn_twice_on_the_direct_path_is_drawn_again_by_the_orm(
    booking_pipeline: Pipeline, booking_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await new_session(booking_db, capacity=5)
    monkeypatch.setattr(direct, "new_code", lambda kind: "OPP-AAAA")  # every direct draw
    monkeypatch.setattr(seats, "new_code", lambda kind: "OPP-BBBB")  # the ORM's draw
    codes = []
    for user in ("first", "second"):
        chat = await chat_in_indonesian(booking_pipeline, user)
        await to_confirmation(chat)
        with orm_transactions(booking_db) as begun:
            await confirm(chat)
        found = CODE.search(chat.text())
        assert found, chat.text()
        codes.append((found.group(0), bool(begun)))
    assert codes == [("OPP-AAAA", False), ("OPP-BBBB", True)]
    async with booking_db.transaction() as session:
        assert (await session.scalars(select(OppSession.seats_taken))).one() == 2
