"""The background loops (outbox sender, broadcast worker) stop when told, even when woken at
the very moment they are stopped: a gateway that cannot stop cannot be restarted."""

from __future__ import annotations

import asyncio
from typing import cast

from bot.background import nap
from bot.broadcast.worker import BroadcastWorker
from bot.content import Content
from bot.db.engine import Database
from bot.delivery import Delivery
from bot.outbox import OutboxSender, Platform
from bot.ratelimit import Limits
from bot.render import Renderer

HANG = 10.0  # far beyond a stop's real duration: only a hang reaches it


class Idle:
    """A platform with nothing to send: the sender polls the outbox and never calls it."""

    name = "telegram"
    limits = Limits(rate=30, chat_rate=1, chat_burst=3)


async def test_a_nap_passes_a_cancel_on_when_its_event_was_just_set() -> None:
    wake = asyncio.Event()

    async def loop() -> None:
        while True:
            wake.clear()
            await nap(wake, 5.0)

    task = asyncio.create_task(loop())
    await asyncio.sleep(0.01)
    wake.set()  # the event and the cancel in one turn of the loop
    task.cancel()
    await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), HANG)
    assert task.cancelled()


async def test_sender_and_worker_stop_when_woken_as_they_are_stopped(
    sqlite_db: Database, content: Content
) -> None:
    sender = OutboxSender(sqlite_db, {"telegram": cast(Platform, Idle())}, poll_seconds=5.0)
    worker = BroadcastWorker(sqlite_db, Delivery({}, sender), Renderer(content), poll_seconds=5.0)
    sender.start()
    worker.start()
    await asyncio.sleep(0.2)  # both are waiting for work
    sender.kick()
    worker.kick()
    await asyncio.wait_for(asyncio.gather(sender.stop(), worker.stop()), HANG)
