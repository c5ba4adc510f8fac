"""Fixtures for the platform channels: the fake APIs, a database URL per engine, the app."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import create_app
from bot.services import Services
from bot.settings import Settings
from tests.bot.channels.fakes import PHONE_NUMBER_ID, TELEGRAM_TOKEN, WHATSAPP_TOKEN, FakeApis
from tests.bot.channels.fakes import fake_apis as _fake_apis
from tests.conftest import _drop_postgres, _postgres_database, service_settings

FIXTURES = Path(__file__).parent / "fixtures"
TG_SECRET = "tg-webhook-secret_42"
WA_SECRET = "wa-app-secret"
WA_VERIFY = "wa-verify-token"


def fixture(name: str) -> dict[str, Any]:
    """A recorded platform payload (a fresh copy to change)."""
    return copy.deepcopy(json.loads((FIXTURES / f"{name}.json").read_text()))


def sign(body: bytes, secret: str = WA_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def eventually(check: Callable[[], Any], what: str, within: float = 15.0) -> Any:
    """Waits (bounded) until `check()` is truthy; fails saying what did not happen."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {within:.0f} s: {what}")
        await asyncio.sleep(0.05)


@pytest.fixture
async def fake() -> AsyncIterator[FakeApis]:
    async with _fake_apis() as apis:
        yield apis


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database on each engine; the app migrates it at start."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/ltsa.db"
        return
    url, name = await _postgres_database()
    yield url
    await _drop_postgres(name)


def channel_settings(tmp_path: Path, database_url: str, fake: FakeApis, **env: str) -> Settings:
    """Settings with Telegram and WhatsApp on, pointed at the fakes; retries are quick."""
    return service_settings(
        tmp_path,
        database_url,
        TELEGRAM_TOKEN=TELEGRAM_TOKEN,
        TELEGRAM_WEBHOOK_SECRET=TG_SECRET,
        TELEGRAM_API_BASE_URL=fake.telegram_base,
        WHATSAPP_TOKEN=WHATSAPP_TOKEN,
        WHATSAPP_APP_SECRET=WA_SECRET,
        WHATSAPP_VERIFY_TOKEN=WA_VERIFY,
        WHATSAPP_PHONE_NUMBER_ID=PHONE_NUMBER_ID,
        WHATSAPP_API_BASE_URL=fake.graph_base,
        WHATSAPP_CHAT_RATE="50",
        OUTBOX_RETRY_SECONDS="0.2",
        OUTBOX_POLL_SECONDS="0.1",
        **env,
    )


async def post_telegram(
    client: httpx.AsyncClient, update: dict[str, Any], secret: str | None = TG_SECRET
) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return await client.post("/webhooks/telegram", json=update, headers=headers)


async def post_whatsapp(
    client: httpx.AsyncClient, event: dict[str, Any] | bytes, signature: str | None = None
) -> httpx.Response:
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    return await client.post(
        "/webhooks/whatsapp",
        content=body,
        headers={
            "content-type": "application/json",
            "X-Hub-Signature-256": signature if signature is not None else sign(body),
        },
    )


@dataclass
class Gateway:
    """The running app (its HTTP client and services) and the fake platforms."""

    client: httpx.AsyncClient
    services: Services
    fake: FakeApis


@asynccontextmanager
async def running_gateway(settings: Settings, fake: FakeApis) -> AsyncIterator[Gateway]:
    """The real app with its lifespan (outbox sender included), over httpx's ASGI transport."""
    app = create_app(settings, wait_for_nlu=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ltsa.test") as client:
            yield Gateway(client, app.state.services, fake)


@pytest.fixture
async def gateway(tmp_path: Path, database_url: str, fake: FakeApis) -> AsyncIterator[Gateway]:
    """Both channels on, on SQLite and PostgreSQL."""
    async with running_gateway(channel_settings(tmp_path, database_url, fake), fake) as gw:
        yield gw
