"""The broadcast benchmark: a KOPI coordinator's announcement to thousands of subscribers.

`run()` seeds `recipients` subscribers of one village, split between Telegram and WhatsApp
(inside the 24-hour window, in all four languages), and a verified coordinator who writes the
announcement through the real pipeline (/umumkan, village, text, Kirim). The real broadcast
worker and outbox sender deliver it with the real adapters to fake platform APIs on
127.0.0.1 (`bot.bench.fake_platforms`), under the configured rate limits. When `restart_at`
of the messages arrived, both are stopped and new ones started, as after a restart of the
gateway. It reports:

    {"recipients", "telegram_limit", "whatsapp_limit", "telegram_per_s", "whatsapp_per_s",
     "longest_pauses_s", "overall_per_s", "gateway_cpu_ms_per_message", "wall_s", "received",
     "duplicates", "lost", "statuses", "outbox_rows", "restarted_after", "restart_gap_s", "cpus",
     "load_before", "engine"}

`make bench` calls it through `ltsa bench`; `tests/bot/community/test_broadcast_restart.py`
runs it small and asserts zero duplicates and zero losses (not the rates).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bot import crypto
from bot.booking.directory import sync_directory
from bot.broadcast import BroadcastWorker
from bot.channels.base import Incoming
from bot.channels.telegram import TelegramChannel
from bot.channels.whatsapp import WhatsAppChannel
from bot.content import load_content
from bot.db import queries as q
from bot.db.engine import Database
from bot.db.models import (
    BroadcastRecipient,
    Coordinator,
    CoordinatorRequest,
    Outbox,
    Subscription,
    User,
    utcnow,
)
from bot.delivery import Delivery
from bot.outbox import OutboxSender, Platform
from bot.pipeline import Pipeline
from bot.render import Renderer
from bot.settings import ROOT, Settings, load_settings
from nlu.client import NluUnavailable, Parse
from nlu.langid import LanguageDetector

from .fake_platforms import PHONE_NUMBER_ID, TELEGRAM_TOKEN, WHATSAPP_TOKEN, fake_platforms

LTSA, VILLAGE = "ponorogo", "Paringan"
LANGUAGES = ("id", "jv", "su", "mad")
TEXT = (
    "Sosialisasi OPP dan bahaya calo, Rabu depan jam 09.00 di balai desa {village}. "
    "Bawa KTP. Info: koordinator KOPI."
)


class _Typed:
    """The coordinator presses buttons and types the text: no NLU needed."""

    async def parse(self, text: str) -> Parse:
        raise NluUnavailable("the benchmark needs no NLU")


def _settings(url: str, fake_url: str, telegram_rate: float, whatsapp_rate: float) -> Settings:
    return load_settings(
        {
            "DATABASE_URL": url,
            "LTSA_SECRET_KEY": "bench-secret",
            "RASA_URL": "http://127.0.0.1:9",
            "TELEGRAM_TOKEN": TELEGRAM_TOKEN,
            "TELEGRAM_API_BASE_URL": f"{fake_url}/bot",
            "TELEGRAM_RATE": str(telegram_rate),
            "WHATSAPP_TOKEN": WHATSAPP_TOKEN,
            "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
            "WHATSAPP_API_BASE_URL": f"{fake_url}/graph",
            "WHATSAPP_RATE": str(whatsapp_rate),
        }
    )


async def _seed(db: Database, recipients: int, telegram_share: float) -> None:
    """The directory, the subscribers (bulk inserts) and the verified coordinator."""
    content = load_content(ROOT / "content")
    now = utcnow()
    telegram = round(recipients * telegram_share)
    async with db.transaction() as session:
        await sync_directory(session, content, slot_minutes=30, slot_capacity=2, demo=False)
        rows = [
            {
                "channel": "telegram" if i < telegram else "whatsapp",
                "channel_user_id": str(700_000_000 + i) if i < telegram else f"62811{i:07d}",
                "language": LANGUAGES[i % len(LANGUAGES)],
                "language_source": "explicit",
                "ltsa_slug": LTSA,
                "created_at": now,
                "last_seen_at": now,
                "last_inbound_at": now - dt.timedelta(hours=1),  # inside WhatsApp's window
            }
            for i in range(recipients)
        ]
        await session.execute(insert(User), rows)
        ids = list(await session.scalars(select(User.id).where(User.ltsa_slug == LTSA)))
        subscriptions = [
            {
                "user_id": i,
                "ltsa_slug": LTSA,
                "village": VILLAGE,
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
            for i in ids
        ]
        await session.execute(insert(Subscription), subscriptions)
        kopi = await q.user_for(session, "web", "bench-kopi")
        kopi.language, kopi.language_source, kopi.ltsa_slug = "id", "explicit", LTSA
        session.add(
            CoordinatorRequest(
                user_id=kopi.id,
                ltsa_slug=LTSA,
                village=VILLAGE,
                name="Kopi Bench",
                status="verified",
                created_at=now,
            )
        )
        session.add(Coordinator(user_id=kopi.id, village=VILLAGE, created_at=now))


async def _announce(pipeline: Pipeline) -> None:
    """The coordinator's conversation, as in the chat."""
    for text in ("/announce", '/announce_step{"scope":"village"}', TEXT.format(village=VILLAGE)):
        await pipeline.handle(Incoming("web", "bench-kopi", text))
    await pipeline.handle(Incoming("web", "bench-kopi", '/announce_step{"send":true}'))


class _Gateway:
    """One gateway's sending side: an outbox sender and a broadcast worker."""

    def __init__(self, db: Database, platforms: dict[str, Platform], renderer: Renderer) -> None:
        self.sender = OutboxSender(db, platforms, poll_seconds=0.2, max_chats=64)
        delivery = Delivery(platforms, self.sender)
        self.worker = BroadcastWorker(db, delivery, renderer, poll_seconds=0.2, window_seconds=2)

    def start(self) -> None:
        self.sender.start()
        self.worker.start()

    async def stop(self) -> None:
        """Stops as the service does at shutdown: sends in flight finish (a killed process
        would leave them to be sent again after their lease: at least once, not exactly)."""
        await self.worker.stop()
        await self.sender.stop(grace=60)


async def _statuses(db: Database) -> tuple[dict[str, int], int]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(BroadcastRecipient.status, func.count()).group_by(BroadcastRecipient.status)
        )
        statuses = {str(s): int(n) for s, n in rows}
        outbox = int(await session.scalar(select(func.count()).select_from(Outbox)) or 0)
    return statuses, outbox


async def run_async(
    database_url: str,
    *,
    recipients: int = 3000,
    telegram_share: float = 0.5,
    restart_at: float = 0.5,
    telegram_rate: float = 30.0,
    whatsapp_rate: float = 80.0,
    limit_seconds: float = 900.0,
    secret: str | None = None,
) -> dict[str, Any]:
    """Runs the benchmark in the current event loop; see the module docstring."""
    if secret is not None:  # texts are encrypted at rest; a test has its key set already
        crypto.configure(secret)
    load = os.getloadavg()[0]
    async with fake_platforms() as fake:
        settings = _settings(database_url, fake.url, telegram_rate, whatsapp_rate)
        db = Database(database_url, ROOT, pool_size=10)
        await db.migrate()
        renderer = Renderer(load_content(ROOT / "content"))
        pipeline = Pipeline(db, _Typed(), LanguageDetector.load(), renderer)
        telegram = TelegramChannel(settings, db, pipeline, renderer)
        await telegram.start()
        whatsapp = WhatsAppChannel(settings, db, pipeline, renderer)
        platforms: dict[str, Platform] = {"telegram": telegram, "whatsapp": whatsapp}
        try:
            await _seed(db, recipients, telegram_share)
            gateway = _Gateway(db, platforms, renderer)
            started, cpu = time.monotonic(), time.process_time()
            gateway.start()
            await _announce(pipeline)
            deadline = started + limit_seconds
            await fake.reached(int(recipients * restart_at), limit_seconds)
            stopping = time.monotonic()
            await gateway.stop()  # the gateway goes away mid-broadcast …
            restarted_after = (await fake.stats()).total
            gateway = _Gateway(db, platforms, renderer)
            gateway.start()  # … and a new one takes over
            gap = time.monotonic() - stopping
            while time.monotonic() < deadline:
                statuses, _ = await _statuses(db)
                if statuses.get("sent", 0) + statuses.get("failed", 0) >= recipients:
                    break
                await asyncio.sleep(0.1)
            await gateway.stop()
            wall, cpu = time.monotonic() - started, time.process_time() - cpu
            statuses, outbox_rows = await _statuses(db)
            received = await fake.stats()
        finally:
            await telegram.close()
            await whatsapp.close()
            await db.dispose()
    chats = len(received.counts)
    return {
        "recipients": recipients,
        "telegram_limit": telegram_rate,
        "whatsapp_limit": whatsapp_rate,
        "telegram_per_s": round(received.rates.get("telegram", 0.0), 1),
        "whatsapp_per_s": round(received.rates.get("whatsapp", 0.0), 1),
        "longest_pauses_s": received.stalls,  # [seconds after the first arrival, pause]
        "overall_per_s": round(received.total / wall, 1) if wall else 0.0,
        # the sending process (both gateways, the coordinator's turns); not PostgreSQL's
        "gateway_cpu_ms_per_message": round(1000 * cpu / max(1, received.total), 2),
        "wall_s": round(wall, 2),
        "received": received.total,
        "duplicates": received.total - chats,
        "lost": recipients - chats,
        "statuses": statuses,
        "outbox_rows": outbox_rows,
        "restarted_after": restarted_after,
        "restart_gap_s": round(gap, 2),
        "cpus": os.cpu_count() or 0,
        "load_before": round(load, 2),  # other work on the machine slows every number
        "engine": "SQLite" if database_url.startswith("sqlite") else "PostgreSQL",
    }


def run(database_url: str | None = None, **options: Any) -> dict[str, Any]:
    """Runs the benchmark (on a temporary SQLite file when no URL is given)."""
    options.setdefault("secret", secrets.token_urlsafe(16))  # the run's own texts only
    if database_url is not None:
        return asyncio.run(run_async(database_url, **options))
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(run_async(f"sqlite:///{Path(tmp) / 'bench.db'}", **options))
