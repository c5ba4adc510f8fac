"""A family's case changes state in the console and the family hears it on their own channel,
in their language: a Telegram user writing in Javanese reports a lost contact, a supervisor
assigns the case (the family is told a case worker joined) and closes it (the family is told,
with the case number). On SQLite and PostgreSQL, against the fake Telegram API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.db.models import Case
from tests.bot.channels.conftest import (  # noqa: F401 - database_url, fake: fixtures
    Gateway,
    channel_settings,
    database_url,
    eventually,
    fake,
)
from tests.bot.channels.fakes import FakeApis
from tests.bot.channels.test_telegram import CHAT, say, update
from tests.bot.console.conftest import Console


@pytest.fixture
async def console(tmp_path: Path, database_url: str, fake: FakeApis) -> AsyncIterator[Console]:  # noqa: F811
    """The console of an app with Telegram on (the fake API)."""
    settings = channel_settings(tmp_path, database_url, fake, LTSA_CASE_SWEEP_SECONDS="3600")
    app = create_app(settings, wait_for_nlu=False)
    async with app.router.lifespan_context(app):
        running = Console(app, app.state.services.db, settings)
        running.client()
        try:
            yield running
        finally:
            for client in running.clients:
                await client.aclose()


async def test_a_familys_case_assigned_and_closed_is_told_in_javanese_on_telegram(
    console: Console,
    fake: FakeApis,  # noqa: F811
) -> None:
    gw = Gateway(console.clients[0], console.app.state.services, fake)
    steps = [
        '/change_language{"language":"jv"}',
        "/family_lost_contact",
        '/family_consent{"consent":true}',
        "Siti Aminah",
        '/family_country{"country":"Malaysia"}',
        "ora ngerti",
        "sewulan kepungkur",
        '/family_confirm{"ok":true}',
    ]
    for text in steps:
        replies = await say(gw, update("text_start", text=text))
    assert "PIN" in replies[-1]["text"]
    async with console.db.transaction() as session:
        case = (await session.scalars(select(Case))).one()
    assert (case.kind, case.language) == ("family", "jv")
    worker = await console.add_staff("sari@ltsa.test", "case_worker")
    await console.add_staff("super@ltsa.test", "supervisor")
    supervisor = await console.login("super@ltsa.test")
    before = len(fake.telegram.sent(CHAT))
    assigned = await console.post(
        supervisor, f"/console/cases/{case.number}/assign", staff_id=str(worker.id)
    )
    assert assigned.status_code == 303

    def told() -> list[str]:
        return [m["text"] for m in fake.telegram.sent(CHAT)[before:]]

    await eventually(told, "the family told a case worker joined", within=20)
    assert told()[0].startswith("Petugas LTSA sampun gabung")  # Javanese, on Telegram
    closed = await console.post(
        supervisor, f"/console/cases/{case.number}/close", outcome="resolved"
    )
    assert closed.status_code == 303
    await eventually(lambda: len(told()) >= 2, "the family told the case closed", within=20)
    assert case.number in told()[1] and "sampun rampung" in told()[1]
