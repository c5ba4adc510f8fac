"""The web chat channel over HTTP: the Rasa REST contract, bad requests, health, the page."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import _drop_postgres, _postgres_database, running_app, service_settings


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(service_settings(tmp_path)) as client:
        yield client


async def send(
    client: httpx.AsyncClient, message: object, sender: object = "w1"
) -> httpx.Response:
    return await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": message})


async def test_a_button_payload_gets_the_rasa_rest_reply_shape(client: httpx.AsyncClient) -> None:
    response = await send(client, "/start")
    assert response.status_code == 200
    [reply] = response.json()
    assert reply["recipient_id"] == "w1"
    assert reply["text"].startswith("Halo!")
    assert reply["buttons"][0] == {"title": "Tanya prosedur", "payload": "/menu_faq"}


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"{not json", 400, "invalid_json"),
        (b"\xff\xfe\x00bad", 400, "invalid_encoding"),
        (b"[1, 2]", 422, "invalid_body"),
        (b'{"message": "halo"}', 422, "invalid_sender"),
        (b'{"sender": "", "message": "halo"}', 422, "invalid_sender"),
        (b'{"sender": 5, "message": "halo"}', 422, "invalid_sender"),
        (b'{"sender": "w", "message": 5}', 422, "invalid_message"),
        (b'{"sender": "w", "message": {"a": 1}}', 422, "invalid_message"),
        (b"", 400, "invalid_json"),
    ],
)
async def test_malformed_requests_get_a_4xx_that_says_why(
    client: httpx.AsyncClient, body: bytes, status: int, error: str
) -> None:
    response = await client.post(
        "/webhooks/rest/webhook", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == status
    assert response.json()["error"] == error


async def test_an_oversized_body_is_refused(client: httpx.AsyncClient) -> None:
    response = await send(client, "x" * 300_000)
    assert response.status_code == 413


@pytest.mark.parametrize(
    "message",
    ["", None, "😀", "<script>alert(1)</script>", "y" * 10_000, "halo\u200b", "\u0000"],
)
async def test_odd_messages_get_a_clear_reply(client: httpx.AsyncClient, message: object) -> None:
    response = await send(client, message)
    assert response.status_code == 200
    replies = response.json()
    assert replies and replies[0]["text"]
    assert all("<script>" not in r["text"] for r in replies)


async def test_later_messages_route_validates_and_lists(client: httpx.AsyncClient) -> None:
    assert (await client.get("/webhooks/rest/messages")).status_code == 422
    assert (await client.get("/webhooks/rest/messages?sender=w1&after=x")).status_code == 422
    response = await client.get("/webhooks/rest/messages?sender=w1&after=0")
    assert response.status_code == 200
    assert response.json() == []


async def test_health_reports_database_and_nlu(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["nlu"] == "down"  # RASA_URL points at a closed port here


async def test_the_chat_page_and_its_script_are_served(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    assert page.status_code == 200
    assert "/chat.js" in page.text
    script = await client.get("/chat.js")
    assert "textContent" in script.text
    assert "innerHTML" not in script.text


@pytest.fixture(params=["sqlite", "postgresql"])
async def any_db_client(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    if request.param == "sqlite":
        async with running_app(service_settings(tmp_path)) as client:
            yield client
        return
    url, name = await _postgres_database()
    try:
        async with running_app(service_settings(tmp_path, url)) as client:
            yield client
    finally:
        await _drop_postgres(name)


@pytest.mark.parametrize("sender", ["a\u0000b", "s\ud800", "tab\there", "\u0085"])
async def test_a_sender_no_database_can_store_gets_a_422_not_a_500(
    any_db_client: httpx.AsyncClient, sender: str
) -> None:
    # PostgreSQL refuses NUL in text and a lone surrogate is not UTF-8: both were a 500 there
    body = json.dumps({"sender": sender, "message": "/start"}).encode()
    headers = {"content-type": "application/json"}
    response = await any_db_client.post("/webhooks/rest/webhook", content=body, headers=headers)
    assert response.status_code == 422 and response.json()["error"] == "invalid_sender"
    if "\ud800" not in sender:  # a URL cannot even carry a lone surrogate
        later = await any_db_client.get("/webhooks/rest/messages", params={"sender": sender})
        assert later.status_code == 422
    with_id = json.dumps({"sender": "w9", "message": "halo", "metadata": {"message_id": sender}})
    response = await any_db_client.post(
        "/webhooks/rest/webhook", content=with_id.encode(), headers=headers
    )
    assert response.status_code == 422 and response.json()["error"] == "invalid_message_id"
    fine = await send(any_db_client, "/start", "w9 \u00e9\u0301 \U0001f600")  # marks, emoji: fine
    assert fine.status_code == 200
