"""The broadcast tests run the real app with Telegram and WhatsApp against the fake platform
APIs of the channel tests, on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.bot.channels.conftest import database_url, fake  # noqa: F401 - fixtures
