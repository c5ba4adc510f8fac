"""End to end with the real trained model: the web endpoint in Indonesian, Javanese, Sundanese."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.content import Content
from bot.rasa_process import RasaSupervisor
from tests.conftest import ROOT, running_app, service_settings

pytestmark = pytest.mark.rasa


@pytest.fixture
async def client(tmp_path: Path, rasa_server: RasaSupervisor) -> AsyncIterator[httpx.AsyncClient]:
    settings = service_settings(tmp_path, RASA_URL=rasa_server.url, RASA_TOKEN=rasa_server.token)
    async with running_app(settings) as client:
        yield client


async def say(client: httpx.AsyncClient, sender: str, text: str) -> list[dict[str, object]]:
    response = await client.post(
        "/webhooks/rest/webhook", json={"sender": sender, "message": text}
    )
    assert response.status_code == 200
    return list(response.json())


@pytest.mark.parametrize(
    ("language", "greeting"),
    [
        ("id", "halo kak selamat pagi"),
        ("jv", "sugeng enjing, nyuwun sewu"),
        ("su", "wilujeng enjing, punten"),
    ],
)
async def test_a_greeting_gets_the_menu_in_its_language(
    client: httpx.AsyncClient, content: Content, language: str, greeting: str
) -> None:
    [reply] = await say(client, f"greet-{language}", greeting)
    assert reply["text"] == content.text(language, "greeting.hello") + "\n\n" + content.text(
        language, "menu.prompt"
    )
    titles = [b["title"] for b in reply["buttons"]]  # type: ignore[attr-defined]
    assert titles == [
        content.text(language, k) for k in ("menu.faq", "menu.human", "menu.language")
    ]


@pytest.mark.parametrize(
    ("language", "question"),
    [
        ("id", "syarat bikin paspor buat kerja ke luar negeri apa aja min"),
        ("jv", "piye carane gawe paspor kanggo kerja ning luar negeri"),
        ("su", "kumaha carana ngadamel paspor kanggo damel ka luar negeri"),
    ],
)
async def test_a_typed_question_gets_its_sourced_answer(
    client: httpx.AsyncClient, content: Content, language: str, question: str
) -> None:
    replies = await say(client, f"ask-{language}", question)
    text = "\n".join(str(r["text"]) for r in replies)
    assert content.text(language, "faq.passport.answer") in text
    assert "UU 18/2017" in text


def test_nlu_parse_reads_and_writes_json_lines(rasa_server: RasaSupervisor) -> None:
    lines = "\n".join(
        json.dumps({"text": t})
        for t in ["bikin skck di polres lamtim", "sugeng enjing", "punten abdi bade naros paspor"]
    )
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "ltsa"), "nlu", "parse"],
        input=lines,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "RASA_URL": rasa_server.url, "RASA_TOKEN": rasa_server.token},
        timeout=120,
    )
    parsed = [json.loads(line) for line in result.stdout.splitlines()]
    assert [set(p) for p in parsed] == [
        {"text", "language", "intent", "confidence", "entities"}
    ] * 3
    assert parsed[0]["intent"] == "faq/skck"
    assert {"entity": "desk", "value": "kepolisian"}.items() <= parsed[0]["entities"][0].items()
    assert parsed[0]["entities"][1]["value"] == "Lampung Timur"
    assert [p["language"] for p in parsed[1:]] == ["jv", "su"]
    assert parsed[2]["intent"] == "faq/passport"


async def test_rasa_killed_degrades_to_buttons_then_recovers_by_itself(
    client: httpx.AsyncClient, content: Content, rasa_server: RasaSupervisor
) -> None:
    process = rasa_server._process
    assert process is not None
    os.killpg(process.pid, signal.SIGKILL)
    await process.wait()
    [down] = await say(client, "recover", "syarat bikin paspor apa aja")
    assert content.text("id", "fallback.nlu_down") in str(down["text"])
    assert await rasa_server.wait_ready(240)
    await asyncio.sleep(2.5)  # the client retries Rasa 2 s after a failure
    replies = await say(client, "recover", "syarat bikin paspor apa aja")
    assert content.text("id", "faq.passport.answer") in "\n".join(str(r["text"]) for r in replies)
    assert rasa_server.restarts >= 1
