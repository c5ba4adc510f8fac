"""Every protection message of the held-out set, sent in the middle of a booking, reaches the
safety response in the same turn (the real model), and a case appears for the MRC."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.rasa_process import RasaSupervisor
from nlu.client import RasaClient
from nlu.evaluate import heldout_examples
from nlu.gazetteer import Gazetteer
from nlu.intents import PROTECTION
from nlu.understand import ALARM_THRESHOLD
from tests.conftest import ROOT, running_app, service_settings

pytestmark = pytest.mark.rasa

# What the safety response always contains: the lines, or the offer of a case worker.
SAFETY_MARKS = ("0800-1000", "110")


@pytest.fixture
async def client(tmp_path: Path, rasa_server: RasaSupervisor) -> AsyncIterator[httpx.AsyncClient]:
    settings = service_settings(tmp_path, RASA_URL=rasa_server.url, RASA_TOKEN=rasa_server.token)
    async with running_app(settings) as client:
        yield client


async def test_every_held_out_protection_message_gets_the_safety_response_mid_booking(
    client: httpx.AsyncClient, rasa_server: RasaSupervisor
) -> None:
    assert await rasa_server.wait_ready(240)
    examples = [e for e in heldout_examples(ROOT) if e.intent in PROTECTION]
    assert len(examples) >= 100
    missed = []
    for number, example in enumerate(examples):
        sender = f"protect-{number}"
        for text in ("/book_opp", example.text):
            response = await client.post(
                "/webhooks/rest/webhook", json={"sender": sender, "message": text}
            )
            assert response.status_code == 200
        reply = "\n".join(str(m.get("text", "")) for m in response.json())
        if not any(mark in reply for mark in SAFETY_MARKS):
            missed.append((example.language, example.intent, example.text))
    assert missed == []


async def test_the_model_gives_the_alarm_detectors_opinion_with_every_parse(
    rasa_server: RasaSupervisor,
) -> None:
    """Written for this test, not taken from a held-out set."""
    client = RasaClient(rasa_server.url, rasa_server.token, Gazetteer.load(), cache_seconds=0)
    try:
        report = await client.parse("gaji adik sy 6 bulan ga dibayar, paspornya dipegang agen")
        calm = await client.parse("jadwal opp bulan depan kapan ya")
    finally:
        await client.close()
    assert report.alarm is not None and calm.alarm is not None
    assert report.alarm[0] == "report_exploitation" and report.alarm[1] >= ALARM_THRESHOLD
    assert calm.alarm[1] < ALARM_THRESHOLD
