"""Test helpers: a transcript driver over the real pipeline, free ports, stand-in servers."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from bot.channels.base import Incoming, Outgoing
from bot.pipeline import Pipeline
from bot.render import Renderer


def closed_port() -> int:
    """A loopback port nobody listens on (bound and released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """`app` on a free loopback port until the block ends; gives its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


class Chat:
    """One user talking to the pipeline; keeps the last buttons for `press`."""

    def __init__(self, pipeline: Pipeline, user: str = "user-1", channel: str = "web") -> None:
        self.pipeline = pipeline
        self.user = user
        self.channel = channel
        self.last: list[Outgoing] = []

    async def send(self, text: str, message_id: str | None = None) -> list[Outgoing]:
        self.last = await self.pipeline.handle(Incoming(self.channel, self.user, text, message_id))
        return self.last

    async def press(self, title: str) -> list[Outgoing]:
        """Presses the button titled `title` in the last replies."""
        for message in self.last:
            for button in message.buttons:
                if button.title == title:
                    return await self.send(button.payload)
        raise AssertionError(f"no button {title!r} in {self.buttons()}")

    def text(self) -> str:
        return "\n\n".join(m.text for m in self.last)

    def buttons(self) -> list[str]:
        return [b.title for m in self.last for b in m.buttons]


def said(renderer: Renderer, language: str, key: str, **params: Any) -> str:
    """The text the bot says for a content key."""
    return renderer.text(language, key, params)


def contains_all(text: str, parts: Sequence[str]) -> bool:
    return all(part in text for part in parts)
