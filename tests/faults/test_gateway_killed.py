"""The gateway killed with SIGKILL mid-conversation: the conversation resumes where it was.

A real `ltsa serve` process on a SQLite file books a desk appointment through the web chat
(buttons; the NLU is down, which the flow does not need). It is killed twice: between two
messages, and while a message is in flight. Started again on the same file, it continues the
booking at the step it had reached, and the message that was in flight, sent again with its
id, is stored and answered once.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot.db.engine import Database
from bot.db.models import Message
from tests.conftest import ROOT
from tests.faults.conftest import Served, serve
from tests.helpers import closed_port

pytestmark = pytest.mark.slow

SENDER = "killed-1"


def say(served: Served, message: str, message_id: str | None = None) -> list[dict[str, Any]]:
    body: dict[str, Any] = {"sender": SENDER, "message": message}
    if message_id:
        body["metadata"] = {"message_id": message_id}
    response = httpx.post(f"{served.url}/webhooks/rest/webhook", json=body, timeout=60)
    assert response.status_code == 200, response.text
    return list(response.json())


def buttons(replies: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [b for r in replies for b in r.get("buttons", [])]


def test_a_killed_gateway_resumes_the_conversation_where_it_was(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'ltsa.db'}",
        "LTSA_VAR_DIR": str(tmp_path / "var"),
        "LTSA_SECRET_KEY": "test-secret-key",
        "RASA_URL": f"http://127.0.0.1:{closed_port()}",
        "RASA_TOKEN": "t",
    }
    log = tmp_path / "gateway.log"
    served = serve(env, log)
    try:
        say(served, '/change_language{"language":"id"}')
        days = buttons(say(served, '/book_desk{"desk":"disnaker","ltsa":"ponorogo"}'))
        assert days and all(b["payload"].startswith("/desk_step") for b in days), days
        served.kill()  # between two messages

        served = serve(env, log)
        times = say(served, days[0]["payload"], "m-day")
        assert "Jam berapa" in times[0]["text"], times  # the day step was still the current one
        slot = buttons(times)[0]["payload"]

        # killed while the next press is in flight: it may or may not have been answered
        in_flight = threading.Thread(target=_post_quietly, args=(served, slot, "m-time"))
        in_flight.start()
        served.kill()
        in_flight.join(timeout=60)

        served = serve(env, log)
        after = say(served, slot, "m-time")  # the platform sends it again
        assert "Jam berapa" not in after[0]["text"], after  # past the time step, not before
        again = say(served, slot, "m-time")
        assert [r["message_id"] for r in again] == [r["message_id"] for r in after]
    finally:
        served.kill()
    assert _stored("web:killed-1:m-time", env["DATABASE_URL"]) == 1


def _post_quietly(served: Served, message: str, message_id: str) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the process dies under it
        httpx.post(
            f"{served.url}/webhooks/rest/webhook",
            json={"sender": SENDER, "message": message, "metadata": {"message_id": message_id}},
            timeout=30,
        )


def _stored(dedupe_key: str, url: str) -> int:
    async def count() -> int:
        db = Database(url, ROOT)
        try:
            async with db.transaction() as session:
                found = await session.scalar(
                    select(func.count())
                    .select_from(Message)
                    .where(Message.dedupe_key == dedupe_key)
                )
                return int(found or 0)
        finally:
            await db.dispose()

    return asyncio.run(count())
