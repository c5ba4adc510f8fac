"""Rasa killed under load: no message lost, degraded replies meanwhile, full service again
within 30 s of Rasa returning.

Ten web-chat users keep asking a passport question (each message different, so the parse
cache cannot hide the outage) while the Rasa server is killed with SIGKILL; its supervisor
starts it again. Every message must be stored and answered (with the buttons-only fallback
while Rasa is away), and once Rasa answers its status route again, the first full answer
must come within 30 s and everything after it must be full answers.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.content import Content
from bot.db.engine import Database
from bot.db.models import Message
from bot.rasa_process import RasaSupervisor
from tests.conftest import ROOT, running_app, service_settings

pytestmark = [pytest.mark.rasa, pytest.mark.slow]
USERS = 10
BACK_WITHIN = 30.0


async def test_rasa_killed_under_load_loses_nothing_and_recovers(
    tmp_path: Path, content: Content, rasa_server: RasaSupervisor
) -> None:
    assert await rasa_server.wait_ready(240)
    settings = service_settings(tmp_path, RASA_URL=rasa_server.url, RASA_TOKEN=rasa_server.token)
    full = content.text("id", "faq.passport.answer")
    degraded = content.text("id", "fallback.nlu_down")
    loop = asyncio.get_running_loop()
    replies: list[tuple[float, str]] = []  # (when, "full" | "degraded" | other text)
    statuses: list[int] = []
    sent: set[str] = set()
    killed, back = asyncio.Event(), asyncio.Event()
    back_at: list[float] = []

    async def user(client: httpx.AsyncClient, n: int) -> None:
        i = after = 0
        while after < 4:
            message_id = f"rk-{n}-{i}"
            body = {
                "sender": f"rk-user-{n}",
                "message": f"syarat bikin paspor apa aja ya kak {n} {i}",
                "metadata": {"message_id": message_id},
            }
            response = await client.post("/webhooks/rest/webhook", json=body)
            statuses.append(response.status_code)
            sent.add(message_id)
            text = "\n".join(str(r.get("text", "")) for r in response.json())
            kind = "full" if full in text else "degraded" if degraded in text else text[:80]
            replies.append((loop.time(), kind))
            i += 1
            after += back.is_set() and bool(back_at) and loop.time() > back_at[0] + BACK_WITHIN
            await asyncio.sleep(0.3)

    async def kill() -> None:
        await asyncio.sleep(2.0)
        process = rasa_server._process
        assert process is not None
        os.killpg(process.pid, signal.SIGKILL)
        killed.set()
        await asyncio.sleep(1.0)
        assert await rasa_server.wait_ready(240), "the supervisor did not bring Rasa back"
        back_at.append(loop.time())
        back.set()

    async with running_app(settings) as client:
        await asyncio.wait_for(
            asyncio.gather(kill(), *(user(client, n) for n in range(USERS))), timeout=420
        )

    assert set(statuses) == {200}
    kinds = {kind for _, kind in replies}
    assert kinds <= {"full", "degraded"}, kinds
    assert "degraded" in kinds, "the outage was never seen"
    first_full = min(when for when, kind in replies if kind == "full" and when > back_at[0])
    assert first_full - back_at[0] <= BACK_WITHIN
    late = [kind for when, kind in replies if when > back_at[0] + BACK_WITHIN]
    assert late and set(late) == {"full"}
    db = Database(settings.database_url, ROOT)
    try:
        async with db.transaction() as session:
            inbound = await session.scalar(
                select(func.count()).select_from(Message).where(Message.direction == "in")
            )
            unanswered = await session.scalar(
                select(func.count())
                .select_from(Message)
                .where(Message.direction == "in", Message.handled.is_(False))
            )
    finally:
        await db.dispose()
    assert inbound == len(sent) == len(replies)
    assert unanswered == 0
