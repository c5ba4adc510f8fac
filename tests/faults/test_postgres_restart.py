"""PostgreSQL restarted under load: requests fail cleanly or are retried, nothing is lost or
answered twice.

Eight web-chat users keep pressing buttons (each message with its platform id, as Telegram
and WhatsApp send them) while the private PostgreSQL server is stopped and started again.
While it is away the gateway answers 503 with a JSON reason and Retry-After, never a 500 and
never a reply to a message it could not store; the client sends the same message again, and
the message id makes the retry count once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.db import queries as q
from bot.db.engine import Database
from bot.db.models import Message
from tests.conftest import ROOT, running_app, service_settings
from tests.faults.conftest import PrivatePostgres

pytestmark = pytest.mark.slow

PRESSES = ("/menu", "/menu_faq", "/faq/passport", "/privasi", "/menu_faq", "/faq/skck")
USERS = 8
RETRY_FOR = 120.0  # seconds a client keeps retrying one message


async def test_a_restart_under_load_loses_and_duplicates_nothing(
    tmp_path: Path, private_postgres: PrivatePostgres
) -> None:
    settings = service_settings(tmp_path, private_postgres.url)
    outages: list[httpx.Response] = []
    others: list[httpx.Response] = []
    answered: dict[tuple[str, str], list[int]] = {}
    restarted = asyncio.Event()

    async def user(client: httpx.AsyncClient, sender: str) -> None:
        i = after = 0
        while after < 3:  # keeps going until three messages after the restart
            message_id = f"{sender}-m{i}"
            body = {"sender": sender, "message": PRESSES[i % len(PRESSES)]}
            body["metadata"] = {"message_id": message_id}
            deadline = asyncio.get_running_loop().time() + RETRY_FOR
            while True:
                response = await client.post("/webhooks/rest/webhook", json=body)
                if response.status_code == 200:
                    break
                if response.status_code == 503:
                    outages.append(response)
                else:
                    others.append(response)
                    return
                assert asyncio.get_running_loop().time() < deadline, "no answer after retries"
                await asyncio.sleep(0.2)
            answered[(sender, message_id)] = [r["message_id"] for r in response.json()]
            i += 1
            after += restarted.is_set()

    async def restart() -> None:
        await asyncio.sleep(1.0)
        await asyncio.to_thread(private_postgres.stop, "fast")
        await asyncio.sleep(2.0)
        await asyncio.to_thread(private_postgres.start)
        restarted.set()

    async with running_app(settings) as client:
        await asyncio.wait_for(
            asyncio.gather(restart(), *(user(client, f"pg-user-{n}") for n in range(USERS))),
            timeout=300,
        )
        health = await client.get("/healthz")
        assert health.status_code == 200 and health.json()["database"] == "ok"

    assert others == [], [(r.status_code, r.text) for r in others]
    assert outages, "the restart was never seen: no request met the database away"
    for response in outages:
        assert response.json()["error"] == "database_unavailable"
        assert response.headers["retry-after"].isdigit()
    db = Database(private_postgres.url, ROOT)
    try:
        async with db.transaction() as session:
            rows = (
                await session.execute(select(Message).where(Message.direction == "in"))
            ).scalars()
            inbound = {m.dedupe_key: m for m in rows}
            total = await session.scalar(
                select(func.count()).select_from(Message).where(Message.direction == "in")
            )
            replies = {
                m.id: [r.id for r in await q.replies_to(session, m.id)] for m in inbound.values()
            }
    finally:
        await db.dispose()
    expected = {f"web:{sender}:{mid}" for sender, mid in answered}
    assert set(inbound) == expected, "a message was lost or one never sent was stored"
    assert total == len(expected), "a retried message was stored twice"
    for (sender, mid), got in answered.items():
        message = inbound[f"web:{sender}:{mid}"]
        assert message.handled, f"{mid} stored but never answered"
        assert replies[message.id] == got, f"{mid}: the client got other replies than stored"
