"""The platform channels of one gateway: built from the settings, started and stopped together.

A channel whose token is unset is off (its routes answer 404). With either one on, the outbox
sender starts; `--telegram-polling` adds the getUpdates loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_webhook import poll
from bot.channels.whatsapp import WhatsAppChannel
from bot.db.engine import Database
from bot.delivery import Delivery
from bot.outbox import OutboxSender, Platform
from bot.pipeline import Pipeline
from bot.render import Renderer
from bot.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Channels:
    telegram: TelegramChannel | None = None
    whatsapp: WhatsAppChannel | None = None
    sender: OutboxSender | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def close(self) -> None:
        """Stops polling and the sender (sends in flight may finish), closes the clients."""
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.sender is not None:
            await self.sender.stop()
        if self.telegram is not None:
            await self.telegram.close()
        if self.whatsapp is not None:
            await self.whatsapp.close()


async def start_channels(
    settings: Settings,
    db: Database,
    pipeline: Pipeline,
    renderer: Renderer,
    delivery: Delivery,
) -> Channels:
    """Builds the configured channels, registers them with `delivery`, starts the sender."""
    channels = Channels()
    platforms: dict[str, Platform] = {}
    if settings.telegram_enabled:
        channels.telegram = TelegramChannel(settings, db, pipeline, renderer)
        await channels.telegram.start()
        platforms["telegram"] = channels.telegram
        log.info("Telegram on (%s)", "polling" if settings.telegram_polling else "webhook")
    if settings.whatsapp_enabled:
        channels.whatsapp = WhatsAppChannel(settings, db, pipeline, renderer)
        channels.whatsapp.on_release = delivery.kick
        platforms["whatsapp"] = channels.whatsapp
        log.info("WhatsApp on")
    if platforms:
        channels.sender = OutboxSender(
            db,
            platforms,
            max_attempts=settings.outbox_max_attempts,
            retry_seconds=settings.outbox_retry_seconds,
            poll_seconds=settings.outbox_poll_seconds,
        )
        delivery.platforms.update(platforms)
        delivery.sender = channels.sender
        channels.sender.start()
    if channels.telegram is not None and settings.telegram_polling:
        channels.tasks.append(asyncio.create_task(poll(channels.telegram), name="tg-polling"))
    return channels
