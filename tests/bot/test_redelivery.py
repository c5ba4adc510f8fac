"""A message stored but never answered (a crash between storing and answering) is answered
when the platform delivers it again; once answered, a redelivery gets the same answer."""

from __future__ import annotations

import asyncio

from bot.channels.base import Incoming
from bot.db import queries as q
from bot.db.engine import Database
from bot.db.models import User
from bot.pipeline import Pipeline


async def test_a_stored_but_unanswered_message_is_answered_on_redelivery(
    pipeline: Pipeline,
) -> None:
    async with pipeline.db.transaction() as session:  # what the crashed process left
        user = await q.user_for(session, "telegram", "5550001")
        await q.store_inbound(session, user, "telegram", "/start", "telegram:5550001:m7")
    incoming = Incoming("telegram", "5550001", "/start", "m7")
    first = await pipeline.handle(incoming)
    assert first and first[0].text.startswith("Halo!")
    again = await pipeline.handle(incoming)
    assert [m.message_id for m in again] == [m.message_id for m in first]
    async with pipeline.db.transaction() as session:
        assert await q.count_messages(session) == 1 + len(first)


async def test_two_deliveries_at_once_are_answered_once(pipeline: Pipeline) -> None:
    incoming = Incoming("whatsapp", "6281234567890", "/start", "wamid.TWICE")
    first, second = await asyncio.gather(pipeline.handle(incoming), pipeline.handle(incoming))
    assert first and [m.message_id for m in first] == [m.message_id for m in second]
    async with pipeline.db.transaction() as session:
        assert await q.count_messages(session) == 1 + len(first)


async def test_a_long_platform_id_still_recognises_the_redelivery(pipeline: Pipeline) -> None:
    incoming = Incoming("web", "s" * 128, "/start", "m" * 100)
    first = await pipeline.handle(incoming)
    again = await pipeline.handle(incoming)
    assert [m.message_id for m in again] == [m.message_id for m in first]


async def test_a_concurrent_store_of_the_same_platform_message_is_a_duplicate(
    database: Database,
) -> None:
    key = "whatsapp:628:wamid.RACE"
    async with database.transaction() as session:
        user_id = (await q.user_for(session, "whatsapp", "628")).id

    async def store() -> tuple[int, bool]:
        async with database.transaction() as session:
            user = await session.get_one(User, user_id)
            message, duplicate = await q.store_inbound(session, user, "whatsapp", "x", key)
            return message.id, duplicate

    async with database.transaction() as first:
        user = await first.get_one(User, user_id)
        stored, _ = await q.store_inbound(first, user, "whatsapp", "x", key)
        racing = asyncio.create_task(store())
        await asyncio.sleep(0.3)  # lets it reach the insert and wait for this transaction
    assert await racing == (stored.id, True)
