"""The aiohttp clients of the platform APIs where the fakes of the other tests do not reach:
a server that is not there, and a Telegram upload (the bot itself never sends files)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.channels.telegram_request import AiohttpRequest
from bot.channels.whatsapp_api import GraphClient
from bot.outbox import RetryLater
from tests.helpers import closed_port, serving


async def test_telegram_out_of_reach_is_a_network_error_not_a_timeout() -> None:
    request = AiohttpRequest(connect_timeout=2, read_timeout=2)
    url = f"http://127.0.0.1:{closed_port()}/botX/getMe"
    try:
        with pytest.raises(NetworkError) as raised:
            await request.do_request(url, "POST")
    finally:
        await request.shutdown()
    assert not isinstance(raised.value, TimedOut)
    assert raised.value.message.startswith("aiohttp.ClientConnectorError")


async def test_whatsapp_out_of_reach_is_retried_later() -> None:
    client = GraphClient(f"http://127.0.0.1:{closed_port()}", "v24.0", "1", "token", timeout=2)
    try:
        with pytest.raises(RetryLater, match="whatsapp: ClientConnectorError"):
            await client.send("6281100000000", {"type": "text", "text": {"body": "x"}})
    finally:
        await client.close()


@pytest.fixture
async def echo() -> AsyncIterator[str]:
    """A server that answers with the form fields it got (files by name and content)."""

    async def handle(request: web.Request) -> web.Response:
        got: dict[str, str] = {}
        for name, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                got[name] = f"{value.filename}:{value.file.read()!r}"
            else:
                got[name] = str(value)
        return web.json_response({"ok": True, "result": got})

    app = web.Application()
    app.router.add_post("/{tail:.*}", handle)
    async with serving(app) as url:
        yield url


async def test_telegram_form_fields_and_uploads_arrive(echo: str) -> None:
    request = AiohttpRequest()
    plain = RequestData([RequestParameter.from_input("chat_id", 42)])
    upload = RequestData(
        [
            RequestParameter.from_input("chat_id", 42),
            RequestParameter.from_input("document", InputFile(b"abc", filename="a.txt")),
        ]
    )
    try:
        status, body = await request.do_request(f"{echo}/botX/sendMessage", "POST", plain)
        assert (status, body) == (200, b'{"ok": true, "result": {"chat_id": "42"}}')
        status, body = await request.do_request(f"{echo}/botX/sendDocument", "POST", upload)
    finally:
        await request.shutdown()
    assert status == 200
    result = request.parse_json_payload(body)["result"]
    assert result == {"chat_id": "42", "document": "a.txt:b'abc'"}  # multipart, with its name
