"""Fake platform APIs on a real local HTTP server: the Telegram Bot API and the Graph API.

Only the network is faked: python-telegram-bot's HTTPXRequest and our httpx client talk to
this server over TCP on 127.0.0.1. Each fake records the calls it received and can be told to
fail the next ones (a 429 with retry_after, a 500, a 403, an answer slower than the client
waits), or to answer every call slowly (`latency`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TELEGRAM_TOKEN = "123456:TEST-token"
BOT = {"id": 4242, "is_bot": True, "first_name": "LTSA", "username": "LtsaTestBot"}
WHATSAPP_TOKEN = "wa-test-token"
PHONE_NUMBER_ID = "106540352242922"


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the answer (longer than PLATFORM_TIMEOUT: a timeout)


@dataclass
class Call:
    method: str
    params: dict[str, Any]


class FakeTelegram:
    """The Bot API methods the gateway uses; getUpdates serves queued updates."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failures: dict[str, list[Failure]] = {}
        self.updates: list[dict[str, Any]] = []
        self.message_ids = itertools.count(5001)
        self.latency = 0.0  # seconds every call takes

    def fail_next(self, method: str, failure: Failure) -> None:
        self.failures.setdefault(method, []).append(failure)

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """The sendMessage calls that succeeded (to one chat)."""
        return [
            c.params
            for c in self.calls
            if c.method == "sendMessage"
            and c.params.get("ok")
            and (chat_id is None or int(c.params["chat_id"]) == chat_id)
        ]

    def called(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    async def handle(self, request: Request) -> Response:
        token = request.path_params["token"]
        method = request.path_params["method"]
        if token != TELEGRAM_TOKEN:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, 401
            )
        form = await request.form()
        params: dict[str, Any] = {}
        for key, value in form.items():
            text = str(value)
            try:
                params[key] = (
                    json.loads(text)
                    if key in {"reply_markup", "commands", "link_preview_options"}
                    else text
                )
            except ValueError:
                params[key] = text
        failures = self.failures.get(method)
        if failures:
            failure = failures.pop(0)
            self.calls.append(Call(method, {**params, "ok": False}))
            await asyncio.sleep(failure.delay)
            return JSONResponse(failure.body, failure.status, headers=failure.headers)
        await asyncio.sleep(self.latency)
        self.calls.append(Call(method, {**params, "ok": True}))
        if method == "getMe":
            return _ok(BOT)
        if method == "sendMessage":
            chat_id = int(params["chat_id"])
            return _ok(
                {
                    "message_id": next(self.message_ids),
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                    "from": BOT,
                    "text": params.get("text", ""),
                }
            )
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            for _ in range(20):  # a short long-poll
                ready = [u for u in self.updates if u["update_id"] >= offset]
                if ready:
                    return _ok(ready)
                await asyncio.sleep(0.05)
            return _ok([])
        return _ok(True)


class FakeGraph:
    """POST /{version}/{phone number id}/messages of the WhatsApp Cloud API."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.accepted: list[dict[str, Any]] = []
        self.failures: list[Failure] = []
        self.ids = itertools.count(1)
        self.latency = 0.0  # seconds every call takes

    def fail_next(self, failure: Failure) -> None:
        self.failures.append(failure)

    def to(self, recipient: str) -> list[dict[str, Any]]:
        """Accepted messages to a phone number or user id."""
        return [m for m in self.accepted if recipient in (m.get("to"), m.get("recipient"))]

    async def handle(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {WHATSAPP_TOKEN}":
            return JSONResponse(
                {"error": {"message": "Invalid OAuth access token", "code": 190}}, 401
            )
        if request.path_params["phone"] != PHONE_NUMBER_ID:
            return JSONResponse({"error": {"message": "Unknown path", "code": 100}}, 400)
        body = await request.json()
        self.requests.append(body)
        if self.failures:
            failure = self.failures.pop(0)
            await asyncio.sleep(failure.delay)
            return JSONResponse(failure.body, failure.status, headers=failure.headers)
        await asyncio.sleep(self.latency)
        self.accepted.append(body)
        target = body.get("to") or body.get("recipient")
        contact = {"input": target, ("wa_id" if "to" in body else "user_id"): target}
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "contacts": [contact],
                "messages": [{"id": f"wamid.FAKE{next(self.ids):06d}"}],
            }
        )


def _ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


@dataclass
class FakeApis:
    url: str
    telegram: FakeTelegram
    graph: FakeGraph

    @property
    def telegram_base(self) -> str:
        return f"{self.url}/bot"

    @property
    def graph_base(self) -> str:
        return f"{self.url}/graph"


@asynccontextmanager
async def fake_apis() -> AsyncIterator[FakeApis]:
    """Both fakes on one uvicorn server bound to a free loopback port."""
    telegram, graph = FakeTelegram(), FakeGraph()
    app = Starlette(
        routes=[
            Route("/bot{token}/{method}", telegram.handle, methods=["POST"]),
            Route("/graph/{version}/{phone}/messages", graph.handle, methods=["POST"]),
        ]
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="off",
        ws="none",
        loop="none",
        http="h11",
        timeout_graceful_shutdown=1,  # clients may keep connections open
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("the fake API server did not start")
    try:
        yield FakeApis(f"http://127.0.0.1:{port}", telegram, graph)
    finally:
        server.should_exit = True
        await task
        sock.close()
