"""Property-based fuzzing of every HTTP endpoint: whatever arrives, no 5xx and no crash.

Each endpoint gets a few hundred generated requests (hypothesis): any JSON, and payloads shaped
like the real ones with hostile values (huge numbers, wrong types, control and invisible
characters, right-to-left overrides). Webhooks get the right secret or signature, so the
payloads reach the parsing and the pipeline behind them. Every path of the OpenAPI schema
(console routes included, unauthenticated) also gets random path, query and body values.
The app keeps answering afterwards.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import create_app
from tests.bot.channels.conftest import (
    TG_SECRET,
    WA_VERIFY,
    Gateway,
    channel_settings,
    running_gateway,
    sign,
)
from tests.bot.channels.fakes import fake_apis
from tests.conftest import _drop_postgres, _postgres_database, service_settings
from tests.fuzz.strategies import (
    json_values,
    rest_bodies,
    telegram_updates,
    texts,
    whatsapp_events,
)

pytestmark = pytest.mark.slow

EXAMPLES = 250
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,  # the same examples every run: no flaky surprises in CI
    derandomize=True,
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def gw(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Gateway]:
    """The app with both channels on (fake platform APIs), for the whole module, on each
    database: PostgreSQL refuses what SQLite stores (NUL in text, a lone surrogate)."""
    tmp = tmp_path_factory.mktemp("fuzz")
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp}/ltsa.db"
    else:
        url, name = await _postgres_database()
    try:
        async with fake_apis() as fake:
            settings_ = channel_settings(tmp, url, fake)
            async with running_gateway(settings_, fake) as gateway:
                yield gateway
    finally:
        if name is not None:
            await _drop_postgres(name)


def no_server_error(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:500])


@FUZZ
@given(body=rest_bodies)
async def test_rest_webhook(gw: Gateway, body: Any) -> None:
    response = await gw.client.post("/webhooks/rest/webhook", json=body)
    no_server_error(response)
    if response.status_code == 200:
        assert isinstance(response.json(), list)


@FUZZ
@given(raw=st.binary(max_size=300))
async def test_rest_webhook_raw_bytes(gw: Gateway, raw: bytes) -> None:
    response = await gw.client.post(
        "/webhooks/rest/webhook", content=raw, headers={"content-type": "application/json"}
    )
    no_server_error(response)


@FUZZ
@given(params=st.dictionaries(st.sampled_from(["sender", "after", "x"]), texts, max_size=3))
async def test_rest_messages(gw: Gateway, params: dict[str, str]) -> None:
    no_server_error(await gw.client.get("/webhooks/rest/messages", params=params))


@FUZZ
@given(update=telegram_updates, right_secret=st.booleans())
async def test_telegram_webhook(gw: Gateway, update: Any, right_secret: bool) -> None:
    secret = TG_SECRET if right_secret else "wrong"
    response = await gw.client.post(
        "/webhooks/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
    )
    no_server_error(response)


@FUZZ
@given(event=whatsapp_events, signed=st.booleans())
async def test_whatsapp_webhook(gw: Gateway, event: Any, signed: bool) -> None:
    body = json.dumps(event).encode()
    headers = {"content-type": "application/json"}
    headers["X-Hub-Signature-256"] = sign(body) if signed else "sha256=00"
    no_server_error(await gw.client.post("/webhooks/whatsapp", content=body, headers=headers))


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["hub.mode", "hub.verify_token", "hub.challenge", "x"]),
        st.one_of(texts, st.just(WA_VERIFY), st.just("subscribe")),
        max_size=4,
    )
)
async def test_whatsapp_verification(gw: Gateway, params: dict[str, str]) -> None:
    no_server_error(await gw.client.get("/webhooks/whatsapp", params=params))


@FUZZ
@given(code=texts, token=texts)
async def test_booking_calendar(gw: Gateway, code: str, token: str) -> None:
    path = f"/bookings/{quote(code, safe='')}.ics"
    no_server_error(await gw.client.get(path, params={"t": token}))


@FUZZ
@given(
    form=st.dictionaries(st.sampled_from(["email", "password", "csrf", "next"]), texts, max_size=4)
)
async def test_console_login(gw: Gateway, form: dict[str, str]) -> None:
    no_server_error(await gw.client.get("/console/login", params=form))
    no_server_error(await gw.client.post("/console/login", data=form))


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(query=st.dictionaries(keys=st.text(max_size=8), values=texts, max_size=3))
async def test_health_and_metrics(gw: Gateway, query: dict[str, str]) -> None:
    for path in ("/healthz", "/metrics"):
        response = await gw.client.get(path, params=query)
        assert response.status_code == 200, response.text


def _operations() -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="ltsa-schema-") as tmp:
        app = create_app(service_settings(Path(tmp)))
        paths = app.openapi()["paths"]
    return [(path, method.upper()) for path, ops in paths.items() for method in ops]


def _fill(path: str, draw: Any) -> str:
    """The path with each {parameter} replaced by a drawn value."""
    while "{" in path:
        head, _, rest = path.partition("{")
        path = head + quote(draw(texts | st.integers().map(str)), safe="") + rest.partition("}")[2]
    return path


@pytest.mark.parametrize(("path", "method"), _operations())
@settings(FUZZ, max_examples=30)
@given(data=st.data())
async def test_every_path_of_the_schema(
    gw: Gateway, path: str, method: str, data: st.DataObject
) -> None:
    url = _fill(path, data.draw)
    query = data.draw(st.dictionaries(st.text(max_size=8), texts, max_size=3))
    body = data.draw(json_values) if method == "POST" else None
    no_server_error(await gw.client.request(method, url, params=query, json=body))
