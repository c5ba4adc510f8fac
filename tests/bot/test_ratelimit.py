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


async def test_a_platform_never_gets_more_than_its_rate_in_any_second() -> None:
    """Telegram's 30/s is a limit for every second, not an average: the platform bucket
    keeps a burst of only 1/20 s, so even the first second stays within 5 % of the rate."""
    clock = Clock()
    sent: list[float] = []

    async def sleep(seconds: float) -> None:
        clock.now += seconds

    rate = 30.0
    limiter = PlatformLimiter(Limits(rate=rate, chat_rate=1.0, chat_burst=3))
    bucket = TokenBucket(rate, limiter.overall.burst, clock=clock, sleep=sleep)
    for _ in range(600):
        await bucket.acquire()
        sent.append(clock.now)
    busiest = max(sum(1 for t in sent if start <= t < start + 1.0) for start in sent)
    assert busiest <= rate * 1.05
    assert (len(sent) - 1) / (sent[-1] - sent[0]) == pytest.approx(rate, rel=0.01)
