"""Token buckets: a burst goes at once, then one token per 1/rate seconds; idle chats forgotten."""

from __future__ import annotations

import pytest

from bot.ratelimit import Limits, PlatformLimiter, TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_a_bucket_lets_a_burst_through_then_paces() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=1.0, burst=3, clock=clock)
    for _ in range(3):
        assert bucket.delay() == 0
        await bucket.acquire()
    assert bucket.delay() == pytest.approx(1.0)
    clock.now += 0.5
    assert bucket.delay() == pytest.approx(0.5)
    clock.now += 0.5
    assert bucket.delay() == 0
    clock.now += 60
    assert bucket.idle and bucket.tokens == 3  # never more than the burst


def test_a_bucket_needs_a_rate_and_room_for_one() -> None:
    with pytest.raises(ValueError, match="rate"):
        TokenBucket(rate=0, burst=1)
    with pytest.raises(ValueError, match="burst"):
        TokenBucket(rate=1, burst=0)


async def test_each_chat_has_its_own_bucket_and_idle_ones_are_forgotten() -> None:
    limiter = PlatformLimiter(Limits(rate=1000, chat_rate=1000, chat_burst=1), max_chats=2)
    await limiter.acquire("a")
    assert limiter.chats["a"].delay() > 0  # "a" used its burst
    await limiter.acquire("b")
    assert limiter.chats["b"] is not limiter.chats["a"]
    limiter.chats["a"].tokens = limiter.chats["b"].tokens = 1  # both idle again
    await limiter.acquire("c")
    assert list(limiter.chats) == ["c"]
