"""The single-statement store of a known user's text on PostgreSQL (`bot.db.inbound`) writes what
the ORM's transaction writes, and leaves to that transaction whatever it does not cover."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import text, update

from bot.channels.base import Incoming
from bot.crypto import PREFIX
from bot.db import queries as q
from bot.db.engine import Database
from bot.db.inbound import known_user, store_text
from bot.db.models import Message, User
from bot.intake import store
from tests.conftest import migrated_postgres


@pytest.fixture
async def postgres() -> AsyncIterator[Database]:
    async with migrated_postgres() as db:
        yield db


async def _known(db: Database, chat: str, mode: str = "bot") -> int:
    async with db.transaction() as session:
        user = await q.user_for(session, "telegram", chat)
        conv = await q.conversation_for(session, user.id)
        conv.mode = mode
        return user.id


async def _row(db: Database, message_id: int) -> Message:
    async with db.transaction() as session:
        return await session.get_one(Message, message_id)


def _columns(message: Message) -> dict[str, object]:
    skip = {"id", "created_at", "dedupe_key"}
    names = [column.key for column in Message.__table__.columns]
    return {name: getattr(message, name) for name in names if name not in skip}


async def test_it_stores_the_row_the_orm_stores(postgres: Database) -> None:
    user_id = await _known(postgres, "100")
    assert postgres.direct is not None
    assert await known_user(postgres.direct, "telegram", "100") == (user_id, "bot")
    fast = await store_text(postgres.direct, user_id, "telegram", "syarat paspor?", "k:1")
    assert fast is not None
    async with postgres.transaction() as session:
        user = await session.get_one(User, user_id)
        orm, duplicate = await q.store_inbound(session, user, "telegram", "syarat paspor?", "k:2")
        assert not duplicate
    one, other = await _row(postgres, fast), await _row(postgres, orm.id)
    assert _columns(one) == _columns(other)
    assert one.text == "syarat paspor?" and one.dedupe_key == "k:1"
    assert one.created_at.tzinfo is not None
    async with postgres.transaction() as session:  # encrypted at rest, as the ORM writes it
        raw = await session.scalar(text("SELECT text FROM messages WHERE id = :id"), {"id": fast})
    assert raw.startswith(PREFIX) and "paspor" not in raw


async def test_it_marks_the_window_at_most_once_a_minute(postgres: Database) -> None:
    user_id = await _known(postgres, "200")
    assert postgres.direct is not None
    first = await store_text(postgres.direct, user_id, "telegram", "halo", None)
    assert first is not None
    stamped = (await _row(postgres, first)).created_at
    async with postgres.transaction() as session:
        assert (await session.get_one(User, user_id)).last_inbound_at == stamped
    await store_text(postgres.direct, user_id, "telegram", "halo lagi", None)
    async with postgres.transaction() as session:
        assert (await session.get_one(User, user_id)).last_inbound_at == stamped
        earlier = stamped - q.INBOUND_EVERY - timedelta(seconds=1)
        await session.execute(
            update(User).where(User.id == user_id).values(last_inbound_at=earlier)
        )
    later = await store_text(postgres.direct, user_id, "telegram", "masih ada?", None)
    assert later is not None
    async with postgres.transaction() as session:
        moved = (await session.get_one(User, user_id)).last_inbound_at
    assert moved == (await _row(postgres, later)).created_at


async def test_it_leaves_first_contacts_and_redeliveries_to_the_orm(postgres: Database) -> None:
    assert postgres.direct is not None
    assert await known_user(postgres.direct, "telegram", "300") is None
    user_id = await _known(postgres, "300")
    assert await store_text(postgres.direct, user_id, "telegram", "halo", "k:3") is not None
    assert await store_text(postgres.direct, user_id, "telegram", "halo", "k:3") is None
    assert await store_text(postgres.direct, user_id + 1, "telegram", "halo", None) is None
    async with postgres.transaction() as session:
        assert await q.count_messages(session) == 1


async def test_a_redelivery_is_answered_from_the_store(postgres: Database) -> None:
    user_id = await _known(postgres, "500")
    first = await store(postgres, Incoming("telegram", "500", "halo"), "halo", "k:5")
    assert first.user_id == user_id and first.answered is None
    async with postgres.transaction() as session:
        await q.mark_handled(session, first.message_id, q.Answered(None, None, None, None))
    heard: list[str] = []
    again = await store(postgres, Incoming("telegram", "500", "halo"), "halo", "k:5", heard.append)
    assert again.message_id == first.message_id and again.answered == []
    assert heard == ["bot"]  # heard once, though both paths ran


async def test_it_tells_who_answers_the_user(postgres: Database) -> None:
    await _known(postgres, "400", mode="human")
    heard: list[str] = []
    stored = await store(
        postgres, Incoming("telegram", "400", "tolong"), "tolong", None, heard.append
    )
    assert heard == ["human"] and stored.with_person and stored.answered is None
    assert (await _row(postgres, stored.message_id)).text == "tolong"
