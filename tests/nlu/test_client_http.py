"""The NLU client over HTTP against a stand-in server on loopback: Rasa's recorded JSON read
back, a URL with a path prefix, the token sent, a failing server reported as unavailable."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from nlu.client import NluUnavailable, RasaClient
from nlu.gazetteer import Gazetteer
from tests.helpers import serving

RECORDED = json.loads((Path(__file__).parent / "fixtures" / "rasa_parse_faq.json").read_text())


@pytest.fixture
async def stand_in() -> AsyncIterator[tuple[str, list[str], dict[str, int]]]:
    """A server under /nlu answering /model/parse with the recorded parse (500 on "boom")."""
    tokens: list[str] = []
    state = {"status": 200}

    async def parse(request: web.Request) -> web.Response:
        tokens.append(request.query.get("token", ""))
        body = await request.json()
        if state["status"] != 200:
            return web.Response(status=state["status"])
        return web.json_response({**RECORDED, "text": body["text"]})

    async def status(_request: web.Request) -> web.Response:
        return web.json_response({"model_file": "m.tar.gz"})

    app = web.Application()
    app.router.add_post("/nlu/model/parse", parse)
    app.router.add_get("/nlu/status", status)
    async with serving(app) as url:
        yield f"{url}/nlu/", tokens, state


async def test_a_parse_comes_back_over_http_from_a_url_with_a_path(
    stand_in: tuple[str, list[str], dict[str, int]], gazetteer: Gazetteer
) -> None:
    url, tokens, _ = stand_in
    client = RasaClient(url, "secret", gazetteer)
    try:
        parse = await client.parse("syarat paspor apa aja")
        assert await client.ping()
    finally:
        await client.close()
    assert parse.text == "syarat paspor apa aja"
    assert parse.intent == parse.ranking[0][0] and parse.intent.startswith("faq/")
    assert tokens == ["secret"]


async def test_a_failing_server_is_unavailable_and_then_skipped(
    stand_in: tuple[str, list[str], dict[str, int]], gazetteer: Gazetteer
) -> None:
    url, tokens, state = stand_in
    state["status"] = 500
    client = RasaClient(url, "secret", gazetteer, retry_after=60.0)
    try:
        with pytest.raises(NluUnavailable):
            await client.parse("halo")
        assert not client.available
        with pytest.raises(NluUnavailable):  # skipped for retry_after: no second request
            await client.parse("halo lagi")
    finally:
        await client.close()
    assert len(tokens) == 1
