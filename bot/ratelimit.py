"""Token buckets: how fast the outbox sends, per platform and per chat.

A bucket holds up to `burst` tokens and refills at `rate` tokens per second; sending takes one
token and waits when there is none. The limits live in each process: with several gateway
replicas each keeps its own, and a platform's 429 (retried by the outbox) covers the rest.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

OVERALL_BURST_PER_S = 20


class TokenBucket:
    """`rate` tokens per second, at most `burst` at once."""

    def __init__(
        self,
        rate: float,
        burst: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a bucket needs rate > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.sleep = sleep
        self.tokens = burst
        self.updated = clock()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def delay(self) -> float:
        """Seconds until a token is available (0 when one is)."""
        self._refill()
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    async def acquire(self) -> None:
        """Takes one token, waiting for it if needed (callers are served in order)."""
        async with self._lock:
            wait = self.delay()
            if wait > 0:  # the bucket refills at a known rate: sleep exactly until a token
                await self.sleep(wait)
                self._refill()
            self.tokens -= 1

    @property
    def idle(self) -> bool:
        """True when the bucket is full again: forgetting it changes nothing."""
        self._refill()
        return self.tokens >= self.burst


@dataclass(frozen=True)
class Limits:
    """A platform's rates: overall, and per chat (rate and burst)."""

    rate: float
    chat_rate: float
    chat_burst: int


class PlatformLimiter:
    """One bucket for the platform and one per chat (the idle ones are forgotten)."""

    def __init__(self, limits: Limits, max_chats: int = 10_000) -> None:
        self.limits = limits
        # a burst of a twentieth of a second: never more than 1.05 x the rate in any second
        self.overall = TokenBucket(limits.rate, max(1.0, limits.rate / OVERALL_BURST_PER_S))
        self.chats: OrderedDict[str, TokenBucket] = OrderedDict()
        self.max_chats = max_chats

    async def acquire(self, chat: str) -> None:
        """Waits until one more message may go to `chat`."""
        bucket = self.chats.get(chat)
        if bucket is None:
            self._forget_idle()
            bucket = TokenBucket(self.limits.chat_rate, self.limits.chat_burst)
            self.chats[chat] = bucket
        self.chats.move_to_end(chat)
        await bucket.acquire()
        await self.overall.acquire()

    def _forget_idle(self) -> None:
        if len(self.chats) < self.max_chats:
            return
        for chat in [c for c, b in self.chats.items() if b.idle and not b._lock.locked()]:
            del self.chats[chat]
        while len(self.chats) >= self.max_chats:  # all busy: drop the least recently used
            self.chats.popitem(last=False)
