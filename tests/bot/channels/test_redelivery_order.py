"""Duplicated and reordered webhook deliveries: each message is answered once, and a chat's
answers go out in the order they were given.

Platforms deliver at least once and not always in order: a webhook that timed out is sent
again, two deliveries of one message can arrive at once, and a later message can overtake an
earlier one. Four messages are delivered out of order, two of them twice one after the other
and one three times at once; then the outbox has sent every answer exactly once, each chat's
in the order of the stored answers (the platform's message ids rise with the outbox rows).
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from bot.db.models import Message, Outbox
from tests.bot.channels.conftest import Gateway, post_telegram, post_whatsapp
from tests.bot.channels.test_telegram import CHAT, drained, update
from tests.bot.channels.test_whatsapp import event

COMMANDS = ("/start", "/privasi", "/menu", "/bahasa")


async def _deliver(post: Any, deliveries: list[dict[str, Any]], at_once: dict[str, Any]) -> None:
    for data in deliveries:
        response = await post(data)
        assert response.status_code == 200, response.text
    responses = await asyncio.gather(*(post(at_once) for _ in range(3)))
    assert [r.status_code for r in responses] == [200, 200, 200]


async def _answered_once(gw: Gateway, channel: str, messages: int) -> list[Outbox]:
    """Every inbound message stored once and answered; the outbox rows, sent, in order."""
    await drained(gw)
    async with gw.services.db.transaction() as session:
        inbound = (
            await session.scalars(
                select(Message).where(Message.direction == "in", Message.channel == channel)
            )
        ).all()
        replies = (
            await session.scalars(
                select(Message).where(Message.direction == "out", Message.channel == channel)
            )
        ).all()
        rows = list((await session.scalars(select(Outbox).order_by(Outbox.id))).all())
    keys = [m.dedupe_key for m in inbound]
    assert len(keys) == len(set(keys)) == messages, keys
    assert all(m.handled for m in inbound)
    answered = {r.reply_to_id for r in replies}
    assert answered == {m.id for m in inbound}, "a message without an answer"
    assert {r.message_id for r in rows} == {r.id for r in replies}, "an answer never queued"
    assert [r.status for r in rows] == ["sent"] * len(rows)
    return rows


async def test_telegram_duplicates_and_reordering_are_answered_once_in_order(
    gateway: Gateway,
) -> None:
    first, second, third, fourth = (update("text_start", text=c) for c in COMMANDS)

    async def post(data: dict[str, Any]) -> Any:
        return await post_telegram(gateway.client, data)

    await _deliver(post, [second, first, first, third, second], fourth)
    rows = await _answered_once(gateway, "telegram", 4)
    sent = gateway.fake.telegram.sent(CHAT)
    assert len(sent) == len(rows), "an answer was sent twice or not at all"
    platform_ids = [int(r.platform_id or 0) for r in rows]
    assert platform_ids == sorted(platform_ids), "a chat's answers went out of order"


async def test_whatsapp_duplicates_and_reordering_are_answered_once_in_order(
    gateway: Gateway,
) -> None:
    first, second, third, fourth = (event("text", text=c) for c in COMMANDS)

    async def post(data: dict[str, Any]) -> Any:
        return await post_whatsapp(gateway.client, data)

    await _deliver(post, [second, first, first, third, second], fourth)
    rows = await _answered_once(gateway, "whatsapp", 4)
    assert len(gateway.fake.graph.accepted) == len(rows), "an answer was sent twice or not at all"
    sequence = [int((r.platform_id or "0").removeprefix("wamid.FAKE")) for r in rows]
    assert sequence == sorted(sequence), "a chat's answers went out of order"
