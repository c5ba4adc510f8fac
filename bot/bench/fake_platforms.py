"""Fake Telegram Bot API and WhatsApp Graph API on a local HTTP server, for benchmarks.

Only the network is faked: the gateway's real adapters (python-telegram-bot, our httpx Graph
client) talk to this server over TCP on 127.0.0.1. It accepts `getMe` and `sendMessage`, and
`POST /{version}/{phone number id}/messages`, and records who got what and when, so that a
benchmark can count duplicates and losses and measure the rate each platform saw. It runs in
its own process (`fake_platforms()`), so that it does not take the gateway's CPU;
`GET /stats` reports what it received, `GET /wait?count=N` waits until N messages arrived.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing as mp
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from multiprocessing.queues import Queue

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TELEGRAM_TOKEN = "4242:BENCH-token"  # noqa: S105 - the fake server's, not a secret
WHATSAPP_TOKEN = "wa-bench-token"  # noqa: S105 - the fake server's, not a secret
PHONE_NUMBER_ID = "100000000000001"
_BOT = {"id": 4242, "is_bot": True, "first_name": "LTSA", "username": "LtsaBenchBot"}


@dataclass
class Received:
    """What the fake platforms accepted: (platform, chat) -> count, and the arrival times."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    times: dict[str, list[float]] = field(default_factory=lambda: {"telegram": [], "whatsapp": []})
    waiting: list[tuple[int, asyncio.Event]] = field(default_factory=list)

    def add(self, platform: str, chat: str) -> None:
        self.counts[(platform, chat)] += 1
        self.times[platform].append(time.monotonic())
        for count, event in self.waiting:
            if self.total >= count:
                event.set()

    async def reached(self, count: int, within: float) -> bool:
        """Waits (at most `within` seconds) until `count` messages arrived."""
        event = asyncio.Event()
        self.waiting.append((count, event))
        if self.total >= count:
            event.set()
        try:
            await asyncio.wait_for(event.wait(), within)
        except TimeoutError:
            return False
        finally:
            self.waiting.remove((count, event))
        return True

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def rate(self, platform: str) -> float:
        """Messages per second between the platform's first and last arrival."""
        times = self.times[platform]
        if len(times) < 2 or times[-1] <= times[0]:
            return 0.0
        return (len(times) - 1) / (times[-1] - times[0])

    def stalls(self, platform: str, top: int = 3) -> list[list[float]]:
        """The longest pauses between two arrivals: [seconds after the first, pause]."""
        times = self.times[platform]
        gaps = sorted(((b - a, a - times[0]) for a, b in itertools.pairwise(times)), reverse=True)
        return [[round(at, 2), round(gap, 2)] for gap, at in gaps[:top]]


class _Apps:
    def __init__(self, received: Received) -> None:
        self.received = received
        self.ids = itertools.count(1)

    async def telegram(self, request: Request) -> Response:
        if request.path_params["token"] != TELEGRAM_TOKEN:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, 401
            )
        method = request.path_params["method"]
        if method == "getMe":
            return JSONResponse({"ok": True, "result": _BOT})
        if method != "sendMessage":
            return JSONResponse({"ok": True, "result": True})
        form = await request.form()
        chat = str(form.get("chat_id"))
        text = str(form.get("text") or "")
        self.received.add("telegram", chat)
        result = {
            "message_id": next(self.ids),
            "date": int(time.time()),
            "chat": {"id": int(chat), "type": "private"},
            "from": _BOT,
            "text": text,
        }
        return JSONResponse({"ok": True, "result": result})

    async def stats(self, request: Request) -> Response:
        received = self.received
        counts = [[p, c, n] for (p, c), n in received.counts.items()]
        rates = {p: received.rate(p) for p in received.times}
        stalls = {p: received.stalls(p) for p in received.times}
        return JSONResponse(
            {"counts": counts, "rates": rates, "stalls": stalls, "total": received.total}
        )

    async def wait(self, request: Request) -> Response:
        count = int(request.query_params.get("count", "0"))
        within = float(request.query_params.get("within", "60"))
        return JSONResponse({"reached": await self.received.reached(count, within)})

    async def graph(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {WHATSAPP_TOKEN}":
            return JSONResponse({"error": {"message": "Invalid OAuth token", "code": 190}}, 401)
        body = await request.json()
        chat = str(body.get("to") or body.get("recipient"))
        self.received.add("whatsapp", chat)
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": chat, "wa_id": chat}],
                "messages": [{"id": f"wamid.BENCH{next(self.ids):08d}"}],
            }
        )


@dataclass(frozen=True)
class Stats:
    """What the fakes received: messages per (platform, chat) and each platform's rate."""

    counts: dict[tuple[str, str], int]
    rates: dict[str, float]
    stalls: dict[str, list[list[float]]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class FakePlatforms:
    url: str
    client: httpx.AsyncClient

    async def reached(self, count: int, within: float) -> bool:
        """Waits (at most `within` seconds) until `count` messages arrived in all."""
        response = await self.client.get(
            f"{self.url}/wait", params={"count": count, "within": within}, timeout=within + 10
        )
        return bool(response.json()["reached"])

    async def stats(self) -> Stats:
        data = (await self.client.get(f"{self.url}/stats", timeout=30)).json()
        counts = {(str(p), str(c)): int(n) for p, c, n in data["counts"]}
        rates = {str(k): float(v) for k, v in data["rates"].items()}
        return Stats(counts, rates, data.get("stalls", {}))


def _serve(ports: Queue[int]) -> None:
    """The child process: both fakes on one uvicorn server on a free loopback port."""
    apps = _Apps(Received())
    app = Starlette(
        routes=[
            Route("/bot{token}/{method}", apps.telegram, methods=["POST"]),
            Route("/graph/{version}/{phone}/messages", apps.graph, methods=["POST"]),
            Route("/stats", apps.stats, methods=["GET"]),
            Route("/wait", apps.wait, methods=["GET"]),
        ]
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    ports.put(sock.getsockname()[1])
    config = uvicorn.Config(app, log_level="warning", lifespan="off", ws="none", backlog=2048)
    uvicorn.Server(config).run(sockets=[sock])


@asynccontextmanager
async def fake_platforms() -> AsyncIterator[FakePlatforms]:
    """The fakes in their own process, until the block ends."""
    ctx = mp.get_context("spawn")
    ports: Queue[int] = ctx.Queue()
    process = ctx.Process(target=_serve, args=(ports,), daemon=True)
    process.start()
    try:
        port = await asyncio.to_thread(ports.get, True, 60)
        url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient() as client:
            for _ in range(500):
                try:
                    await client.get(f"{url}/stats", timeout=2)
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.02)
            yield FakePlatforms(url, client)
    finally:
        process.terminate()
        await asyncio.to_thread(process.join, 10)
