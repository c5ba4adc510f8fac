"""One named background loop of the service (outbox sender, broadcast worker, reminder
scheduler, case sweeper): started once, cancelled and awaited on stop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any


class Background:
    """A task started by `start` and ended by `stop`; starting twice starts it once."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._task: asyncio.Task[None] | None = None

    def start(self, loop: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Runs `loop()` in the running event loop unless it runs already."""
        if self._task is None:
            self._task = asyncio.create_task(loop(), name=self.name)

    async def stop(self) -> None:
        """Cancels the loop and waits until it has ended."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


async def nap(wake: asyncio.Event, seconds: float) -> None:
    """Sleeps until `wake` is set or `seconds` pass. A loop's stop() cancels it here:
    asyncio.timeout passes that cancellation on, where Python 3.11's asyncio.wait_for drops it
    when the event was set at the same moment, and stop() then waits forever."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await wake.wait()
