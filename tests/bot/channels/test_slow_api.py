"""A slow or hanging platform API: the outbox waits PLATFORM_TIMEOUT, then retries the row.

The fakes answer one call after the client stopped waiting (a timeout), or every call slowly.
A call that timed out is retried with backoff and sent once; slow calls within the timeout
are not retried, and a chat's messages keep their order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.models import Outbox
from tests.bot.channels.conftest import Gateway, channel_settings, running_gateway
from tests.bot.channels.fakes import Failure, FakeApis
from tests.bot.channels.test_telegram import CHAT, drained, say, update
from tests.bot.channels.test_whatsapp import PHONE, event
from tests.bot.channels.test_whatsapp import say as wa_say

HANGS = 1.5  # seconds the fake takes to answer a hanging call; the client waits 0.5
TG_LATE = Failure(
    504, {"ok": False, "error_code": 504, "description": "Gateway Timeout"}, delay=HANGS
)
WA_LATE = Failure(504, {"error": {"message": "timeout", "code": 2}}, delay=HANGS)


@pytest.fixture
async def impatient(tmp_path: Path, database_url: str, fake: FakeApis) -> AsyncIterator[Gateway]:
    """Both channels on, waiting half a second for the platform."""
    settings = channel_settings(tmp_path, database_url, fake, PLATFORM_TIMEOUT="0.5")
    async with running_gateway(settings, fake) as gw:
        yield gw


async def rows(gw: Gateway) -> list[Outbox]:
    async with gw.services.db.transaction() as session:
        return list((await session.scalars(select(Outbox).order_by(Outbox.id))).all())


async def test_a_telegram_call_that_times_out_is_retried_and_sent_once(impatient: Gateway) -> None:
    impatient.fake.telegram.fail_next("sendMessage", TG_LATE)
    sent = await say(impatient, update("text_start"))
    assert len(sent) == 1, "sent once after the timeout"
    [row] = await rows(impatient)
    assert (row.status, row.attempts) == ("sent", 2)  # the first attempt timed out


async def test_a_whatsapp_call_that_times_out_is_retried_and_sent_once(impatient: Gateway) -> None:
    impatient.fake.graph.fail_next(WA_LATE)
    sent = await wa_say(impatient, event("text"))
    assert len(sent) == 1, "sent once after the timeout"
    [row] = await rows(impatient)
    assert (row.status, row.attempts) == ("sent", 2)  # the first attempt timed out


async def test_a_slow_api_within_the_timeout_is_not_retried_and_keeps_the_order(
    impatient: Gateway,
) -> None:
    impatient.fake.telegram.latency = 0.2
    impatient.fake.graph.latency = 0.2
    for command in ("/start", "/privasi", "/menu"):
        assert (
            await impatient.client.post(
                "/webhooks/rest/webhook", json={"sender": "x", "message": command}
            )
        ).status_code == 200
        await say(impatient, update("text_start", text=command))
        await wa_say(impatient, event("text", text=command), to=PHONE)
    await drained(impatient)
    found = await rows(impatient)
    assert found and all((r.status, r.attempts) == ("sent", 1) for r in found)
    for channel in ("telegram", "whatsapp"):
        ids = [r.platform_id or "" for r in found if r.channel == channel]
        numbers = [int(i.removeprefix("wamid.FAKE")) for i in ids]
        assert numbers == sorted(numbers), f"{channel}: out of order"
    assert len(impatient.fake.telegram.sent(CHAT)) == len(
        [r for r in found if r.channel == "telegram"]
    )
