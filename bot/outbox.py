"""The sender worker: delivers outbox rows to Telegram and WhatsApp, in order per chat.

It starts with the app, claims due rows (`bot.db.outbox_queries.claim`; on PostgreSQL the
single statements of `bot.db.outbox_direct`), waits for the platform's and the chat's token
bucket, and sends. A webhook that stored a reply kicks it, so replies leave at once;
otherwise it looks for due rows every `OUTBOX_POLL_SECONDS`. Rows survive a crash: unsent
ones are sent after a restart, a row whose worker died while sending is due again when its
lease ends.

What a platform's `send` may raise:

    DeliveryError
     ├── RetryLater(reason, after)   429, 5xx, network: try again (after `after` s, or backoff)
     ├── WindowClosed(reason)        WhatsApp: outside the 24-hour window, hold until they write
     └── Undeliverable(reason)       refused for good (blocked the bot, bad request)
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.background import Background, nap
from bot.channels.base import Outgoing
from bot.db import outbox_direct as od
from bot.db import outbox_queries as oq
from bot.db.engine import Database
from bot.db.models import User, utcnow
from bot.ratelimit import Limits, PlatformLimiter

log = logging.getLogger(__name__)

MAX_BACKOFF = 600.0


class DeliveryError(Exception):
    """Sending one outbox row did not work."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryLater(DeliveryError):
    """The platform is busy or out of reach; `after` is the wait it asked for, if any."""

    def __init__(self, reason: str, after: float | None = None) -> None:
        super().__init__(reason)
        self.after = after


class WindowClosed(DeliveryError):
    """The platform allows this message only after the user writes again."""


class Undeliverable(DeliveryError):
    """The platform refused the message for good."""


class Platform(Protocol):
    """What the outbox needs of a channel adapter that sends through a platform API."""

    name: str
    limits: Limits

    def recipient(self, user: User) -> str:
        """Where the platform delivers to this user."""
        ...

    def bodies(self, message: Outgoing, language: str) -> list[dict[str, Any]]:
        """The API bodies (one per part) that deliver a stored message."""
        ...

    def window_open(self, last_inbound_at: datetime | None) -> bool:
        """True when free-form messages may be sent now."""
        ...

    def notice(self, kind: str, language: str) -> dict[str, Any] | None:
        """The approved template that may be sent while the window is closed, if any."""
        ...

    async def send(self, recipient: str, body: Mapping[str, Any]) -> str | None:
        """Sends one body; returns the platform's message id. Raises DeliveryError."""
        ...


@dataclass(frozen=True)
class Sent:
    """The platform accepted a row; its id for the message, if it gave one."""

    platform_id: str | None


def backoff(attempt: int, base: float) -> float:
    """Seconds before retry `attempt` (1, 2, …): doubling from `base`, jittered, capped."""
    delay = min(MAX_BACKOFF, base * 2.0 ** max(0, attempt - 1))
    jitter: float = random.uniform(0.8, 1.2)  # noqa: S311 - spreads retries, not a secret
    return delay * jitter


class OutboxSender:
    """Claims due outbox rows and sends them, one task per chat."""

    def __init__(
        self,
        db: Database,
        platforms: Mapping[str, Platform],
        *,
        max_attempts: int = 8,
        retry_seconds: float = 2.0,
        poll_seconds: float = 1.0,
        max_chats: int = 64,
    ) -> None:
        self.db = db
        self.platforms = dict(platforms)
        self.limiters = {name: PlatformLimiter(p.limits) for name, p in self.platforms.items()}
        self.max_attempts = max_attempts
        self.retry_seconds = retry_seconds
        self.poll_seconds = poll_seconds
        self.max_chats = max_chats
        self._wake = asyncio.Event()
        self._active: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._waiting: set[tuple[str, str]] = set()  # chats waiting for a token, nothing sent
        self._claiming: asyncio.Future[int] | None = None
        self._background = Background("outbox-sender")

    def kick(self) -> None:
        """Looks for due rows now (called after a reply or a push was committed)."""
        self._wake.set()

    def start(self) -> None:
        """Starts the worker in the running event loop."""
        if self.platforms:
            self._background.start(self._run)

    async def stop(self, grace: float = 5.0) -> None:
        """Lets sends in flight finish (up to `grace` seconds), then stops. Chats still
        waiting for a token give their row back at once, for the next worker to send."""
        await self._background.stop()
        if self._claiming is not None:  # a claim the stop interrupted starts its chats first
            await asyncio.gather(self._claiming, return_exceptions=True)
        for key in self._waiting:
            self._active[key].cancel()
        tasks = list(self._active.values())
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                task.cancel()  # its row is due again when the lease ends
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.drain()
            except Exception:  # the database may be briefly away; try again next round
                log.exception("outbox: claiming failed")
            await nap(self._wake, self.poll_seconds)

    async def drain(self) -> int:
        """Claims the due head row of each idle chat and starts its task; returns how many.
        Each platform has its own `max_chats` slots: chats waiting for Telegram's tokens
        never hold up WhatsApp's.

        The claim runs shielded: a stop() that cancels the loop while the claim commits would
        otherwise leave committed claims with no task to send them, due only when their lease
        runs out a minute later. stop() waits for it and then stops its chats like the rest."""
        self._claiming = asyncio.ensure_future(self._claim())
        return await asyncio.shield(self._claiming)

    async def _claim(self) -> int:
        rooms = {name: self.max_chats for name in self.platforms}
        for channel, _recipient in self._active:
            rooms[channel] -= 1
        rooms = {channel: room for channel, room in rooms.items() if room > 0}
        if self.db.direct is None:
            rows: list[oq.Claimed] = []
            async with self.db.transaction() as session:
                for channel, room in rooms.items():
                    rows += await oq.claim(session, [channel], room, skip_chats=list(self._active))
            return self._start(rows)
        started = 0  # PostgreSQL: one statement per channel, whose chats start at once
        for channel, room in rooms.items():
            busy = [recipient for c, recipient in self._active if c == channel]
            started += self._start(await od.claim(self.db.direct, channel, room, utcnow(), busy))
        return started

    def _start(self, rows: list[oq.Claimed]) -> int:
        for row in rows:
            key = (row.channel, row.recipient)
            self._active[key] = asyncio.create_task(self._chat(key, row))
        return len(rows)

    async def _chat(self, key: tuple[str, str], first: oq.Claimed) -> None:
        """Sends a chat's rows one after the other while they keep going out."""
        row: oq.Claimed | None = first
        try:
            while row is not None:
                sent = await self.attempt(row)
                if sent is None:
                    return
                row = await self._sent_and_next(row, sent)
        except Exception:  # a database error: the row's lease runs out and it is retried
            log.exception("outbox: chat %s stopped", key[0])
        finally:
            self._active.pop(key, None)
            self._wake.set()  # a slot is free

    async def _sent_and_next(self, row: oq.Claimed, sent: Sent) -> oq.Claimed | None:
        """Records the send and claims the chat's next row, in one transaction."""
        if self.db.direct is not None:
            return await od.sent_and_next(self.db.direct, row, sent.platform_id, utcnow())
        async with self.db.transaction() as session:
            await oq.sent(session, row.id, sent.platform_id)
            rows = await oq.claim(session, [row.channel], 1, chat=(row.channel, row.recipient))
        return rows[0] if rows else None

    async def attempt(self, row: oq.Claimed) -> Sent | None:
        """Sends one claimed row. A failure is recorded here (retry, hold or failed) and
        gives None; a success is for the caller to record (`oq.sent`)."""
        platform = self.platforms[row.channel]
        try:
            if row.body.get("type") != "template" and not platform.window_open(
                row.last_inbound_at
            ):
                raise WindowClosed("outside the 24-hour window: sent when the user writes")
            await self._token(row)
            return Sent(await platform.send(row.recipient, row.body))
        except RetryLater as exc:
            await self._retry(row, exc.reason, exc.after)
        except WindowClosed as exc:
            async with self.db.transaction() as session:
                await oq.hold(session, row.id, exc.reason)
        except Undeliverable as exc:
            log.warning("outbox: row %s refused by %s: %s", row.id, row.channel, exc.reason)
            async with self.db.transaction() as session:
                await oq.failed(session, row.id, exc.reason)
        except Exception as exc:  # a bug or an unexpected library error: retried, then failed
            log.exception("outbox: row %s could not be sent", row.id)
            await self._retry(row, f"{type(exc).__name__}: {exc}", None)
        return None

    async def _token(self, row: oq.Claimed) -> None:
        """Waits for the platform's and the chat's token; stopped meanwhile, gives the row
        back (nothing was sent)."""
        key = (row.channel, row.recipient)
        self._waiting.add(key)
        try:
            await self.limiters[row.channel].acquire(row.recipient)
        except asyncio.CancelledError:
            async with self.db.transaction() as session:
                await oq.release(session, row.id)
            raise
        finally:
            self._waiting.discard(key)

    async def _retry(self, row: oq.Claimed, reason: str, after: float | None) -> None:
        async with self.db.transaction() as session:
            if row.attempts >= self.max_attempts:
                log.warning("outbox: row %s failed after %s attempts", row.id, row.attempts)
                await oq.failed(
                    session, row.id, f"gave up after {row.attempts} attempts: {reason}"
                )
                return
            wait = after if after is not None else backoff(row.attempts, self.retry_seconds)
            await oq.retry(session, row.id, utcnow() + timedelta(seconds=wait), reason)
        log.info("outbox: row %s retried in %.1f s (%s)", row.id, wait, reason)
