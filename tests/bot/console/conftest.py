"""The console under test: the real app on SQLite and PostgreSQL, staff, browsers as clients."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, async_playwright

from bot.app import create_app
from bot.console.auth import hash_password
from bot.db import staff_queries as sq
from bot.db.engine import Database
from bot.db.models import Staff
from bot.settings import Settings
from tests.bot.console.browser import ARGS, CHROMIUM
from tests.conftest import service_settings

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def plain_url(db: Database) -> str:
    """The DATABASE_URL of a test database (the fixture holds the async-driver form)."""
    if db.is_sqlite:
        return f"sqlite:///{db.url.database}"
    return db.url.set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass
class Console:
    """The running app, its database, and helpers to act as users and staff."""

    app: FastAPI
    db: Database
    settings: Settings
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    def client(self) -> httpx.AsyncClient:
        """A new browser: its own cookies."""
        transport = httpx.ASGITransport(app=self.app)
        client = httpx.AsyncClient(transport=transport, base_url="http://ltsa.test")
        self.clients.append(client)
        return client

    async def add_staff(self, email: str, role: str = "case_worker", **fields: Any) -> Staff:
        async with self.db.transaction() as session:
            return await sq.add_staff(
                session,
                email=email,
                name=fields.pop("name", email.split("@")[0].title()),
                role=role,
                password_hash=hash_password(fields.pop("password", PASSWORD)),
                **fields,
            )

    async def token(self, client: httpx.AsyncClient) -> str:
        """The CSRF token of a browser (from any console page)."""
        page = await client.get("/console/login")
        found = _CSRF.search(page.text)
        assert found, page.text[:500]
        return found.group(1)

    async def login(self, email: str, password: str = PASSWORD) -> httpx.AsyncClient:
        client = self.client()
        token = await self.token(client)
        response = await client.post(
            "/console/login", data={"email": email, "password": password, "csrf": token}
        )
        assert response.status_code == 303, response.text[:500]
        return client

    async def post(self, client: httpx.AsyncClient, path: str, **data: str) -> httpx.Response:
        """A console form POST with the browser's CSRF token."""
        page = await client.get("/console/cases")
        found = _CSRF.search(page.text)
        assert found, page.text[:500]
        return await client.post(path, data={**data, "csrf": found.group(1)})

    async def say(self, sender: str, text: str) -> list[dict[str, Any]]:
        """A web-chat user sends a message (or presses a button); the bot's replies."""
        client = self.clients[0] if self.clients else self.client()
        response = await client.post(
            "/webhooks/rest/webhook", json={"sender": sender, "message": text}
        )
        assert response.status_code == 200, response.text
        replies: list[dict[str, Any]] = response.json()
        return replies

    async def pushed(self, sender: str, after: int = 0) -> list[dict[str, Any]]:
        """What the web chat fetches later for the user."""
        client = self.clients[0] if self.clients else self.client()
        response = await client.get(
            "/webhooks/rest/messages", params={"sender": sender, "after": after}
        )
        assert response.status_code == 200
        messages: list[dict[str, Any]] = response.json()
        return messages


@pytest.fixture
def console_env() -> dict[str, str]:
    """More settings for the console under test (a test module overrides this)."""
    return {}


@pytest.fixture
async def console(
    database: Database, tmp_path: Path, console_env: dict[str, str]
) -> AsyncIterator[Console]:
    """The app on each database, with the escalation sweep out of the way."""
    settings = service_settings(
        tmp_path, plain_url(database), LTSA_CASE_SWEEP_SECONDS="3600", **console_env
    )
    app = create_app(settings, wait_for_nlu=False)
    async with app.router.lifespan_context(app):
        running = Console(app, database, settings)
        running.client()
        try:
            yield running
        finally:
            for client in running.clients:
                await client.aclose()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless (the browser tests)."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            await launched.close()
