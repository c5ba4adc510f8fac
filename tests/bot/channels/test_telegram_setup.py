"""`ltsa telegram setup`: setWebhook with the secret, setMyCommands in Indonesian."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.cli.telegram_cmd import SetupError, setup
from tests.bot.channels.conftest import TG_SECRET, channel_settings
from tests.bot.channels.fakes import FakeApis


async def test_setup_registers_the_webhook_and_the_commands(
    tmp_path: Path, fake: FakeApis
) -> None:
    settings = channel_settings(tmp_path, f"sqlite:///{tmp_path}/x.db", fake)
    done = await setup(settings, "https://ltsa.example.org/")
    [webhook] = fake.telegram.called("setWebhook")
    assert webhook["url"] == "https://ltsa.example.org/webhooks/telegram"
    assert webhook["secret_token"] == TG_SECRET
    assert json.loads(webhook["allowed_updates"]) == [
        "message",
        "edited_message",
        "callback_query",
    ]
    [commands] = fake.telegram.called("setMyCommands")
    assert [(c["command"], c["description"]) for c in commands["commands"]] == [
        ("start", "Mulai percakapan"),
        ("menu", "Menu utama"),
        ("bahasa", "Ganti bahasa"),
        ("petugas", "Bicara dengan petugas"),
        ("hapus", "Hapus data saya"),
        ("privasi", "Privasi dan data Anda"),
    ]
    assert done[-1] == "bot: @LtsaTestBot"


async def test_setup_for_polling_deletes_the_webhook(tmp_path: Path, fake: FakeApis) -> None:
    settings = channel_settings(tmp_path, f"sqlite:///{tmp_path}/x.db", fake)
    await setup(settings, None, polling=True)
    assert fake.telegram.called("deleteWebhook") and not fake.telegram.called("setWebhook")


@pytest.mark.parametrize(
    ("changes", "url", "error"),
    [
        ({"telegram_token": ""}, "https://x.org", "TELEGRAM_TOKEN is unset"),
        ({}, "http://x.org", "only to https"),
        ({}, None, "only to https"),
        ({"telegram_webhook_secret": "has spaces"}, "https://x.org", "A-Z a-z 0-9"),
    ],
)
async def test_setup_refuses_what_telegram_would_refuse(
    tmp_path: Path, fake: FakeApis, changes: dict[str, Any], url: str | None, error: str
) -> None:
    settings = channel_settings(tmp_path, f"sqlite:///{tmp_path}/x.db", fake)
    with pytest.raises(SetupError, match=error):
        await setup(replace(settings, **changes), url)
    assert not fake.telegram.called("setWebhook")
