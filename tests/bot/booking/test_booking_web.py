"""A desk appointment through the web-chat endpoint: button payloads, then typed day and time."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from bot.app import create_app
from tests.bot.booking.conftest import Clock
from tests.conftest import service_settings


async def say(client: httpx.AsyncClient, message: str) -> list[dict[str, object]]:
    response = await client.post(
        "/webhooks/rest/webhook", json={"sender": "web-1", "message": message}
    )
    assert response.status_code == 200
    return list(response.json())


def text(replies: list[dict[str, object]]) -> str:
    return "\n".join(str(r["text"]) for r in replies)


async def test_typed_dates_book_a_desk_through_the_web_endpoint(tmp_path: Path) -> None:
    app = create_app(service_settings(tmp_path), wait_for_nlu=False)
    async with app.router.lifespan_context(app):
        app.state.services.pipeline.clock = Clock()  # Monday 7 December 2026, 07.00 WIB
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ltsa.test") as client:
            await say(client, '/change_language{"language":"id"}')
            replies = await say(client, '/book_desk{"desk":"disnaker","ltsa":"ponorogo"}')
            assert "Mau datang hari apa?" in text(replies)
            replies = await say(client, "Rabu depan")
            assert "Jam berapa pada Rabu, 16 Desember 2026?" in text(replies)
            replies = await say(client, "sabtu")
            assert "kantor LTSA tutup" in text(replies)
            replies = await say(client, "besok jam 9")
            assert "KTP asli" in text(replies)
            await say(client, "ya")  # consent, typed (decided by rule while Rasa is down)
            replies = await say(client, "Siti Aminah")
            assert "Selasa, 8 Desember 2026 09.00" in text(replies)
            replies = await say(client, "ya")
            assert re.search(r"LKT-[A-Z2-9]{4}", text(replies)), text(replies)
            assert "/bookings/LKT-" in text(replies)
