"""The outbox: retries on 429 and 5xx, giving up, order per chat, sends after a crash, claims."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import select
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import Outgoing
from bot.channels.whatsapp_api import GraphClient
from bot.db import outbox_queries as oq
from bot.db import queries as q
from bot.db.engine import Database
from bot.db.models import Outbox, User, utcnow
from bot.outbox import OutboxSender, RetryLater, Undeliverable, backoff
from bot.ratelimit import Limits
from tests.bot.channels.conftest import (
    Gateway,
    channel_settings,
    eventually,
    post_telegram,
    running_gateway,
)
from tests.bot.channels.fakes import PHONE_NUMBER_ID, WHATSAPP_TOKEN, Failure, FakeApis
from tests.bot.channels.test_telegram import CHAT, drained, say, update
from tests.bot.channels.test_whatsapp import PHONE, event
from tests.bot.channels.test_whatsapp import say as wa_say
from tests.conftest import ROOT, migrated_postgres

FLOOD = Failure(
    429,
    {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    },
)
DOWN = Failure(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
BLOCKED = Failure(
    403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
)


async def rows(gw: Gateway) -> list[Outbox]:
    return await rows_of(gw.services.db)


async def rows_of(db: Database) -> list[Outbox]:
    async with db.transaction() as session:
        return list((await session.scalars(select(Outbox).order_by(Outbox.id))).all())


async def settled(gw: Gateway) -> list[Outbox]:
    """Waits until no row is pending or being sent; returns all rows."""
    await drained(gw)
    return await rows(gw)


async def test_a_429_is_retried_after_retry_after_and_sent_once(gateway: Gateway) -> None:
    gateway.fake.telegram.fail_next("sendMessage", FLOOD)
    assert (await post_telegram(gateway.client, update("text_start"))).status_code == 200
    [row] = await settled(gateway)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)
    assert len(gateway.fake.telegram.called("sendMessage")) == 2
    assert len(gateway.fake.telegram.sent(CHAT)) == 1


async def test_5xx_and_network_errors_are_retried_then_given_up(
    tmp_path: Path, fake: FakeApis
) -> None:
    settings = channel_settings(
        tmp_path, f"sqlite:///{tmp_path}/ltsa.db", fake, OUTBOX_MAX_ATTEMPTS="2"
    )
    async with running_gateway(settings, fake) as gw:
        fake.telegram.fail_next("sendMessage", DOWN)
        fake.telegram.fail_next("sendMessage", DOWN)
        await post_telegram(gw.client, update("text_start"))
        [row] = await settled(gw)
    assert row.status == "failed"
    assert row.last_error is not None and row.last_error.startswith("gave up after 2 attempts")
    assert fake.telegram.sent() == []


async def test_a_refusal_fails_at_once(gateway: Gateway) -> None:
    gateway.fake.telegram.fail_next("sendMessage", BLOCKED)
    await post_telegram(gateway.client, update("text_start"))
    [row] = await settled(gateway)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "blocked by the user" in (row.last_error or "")


async def test_a_chat_id_that_is_not_a_number_fails_at_once(gateway: Gateway) -> None:
    data = update("text_start")
    data["message"]["chat"]["id"] = "not-a-chat"  # signed, yet malformed
    await post_telegram(gateway.client, data)
    [row] = await settled(gateway)
    assert (row.recipient, row.status, row.attempts) == ("not-a-chat", "failed", 1)
    assert row.last_error == "telegram: the chat id is not a number"
    assert gateway.fake.telegram.sent() == []


async def test_a_chats_messages_keep_their_order_when_one_is_retried(gateway: Gateway) -> None:
    await say(gateway, update("text_start"))
    gateway.fake.telegram.fail_next("sendMessage", FLOOD)
    async with gateway.services.db.transaction() as session:
        user = await session.scalar(select(User))
        assert user is not None and gateway.services.delivery is not None
        texts = ["Pesan satu", "Pesan dua", "Pesan tiga"]
        await gateway.services.delivery.push(
            session, user, [Outgoing(t, sender="staff") for t in texts], kind="staff_reply"
        )
    await drained(gateway)
    assert [m["text"] for m in gateway.fake.telegram.sent(CHAT)[1:]] == texts


async def test_whatsapp_429_honours_retry_after_and_is_sent_once(gateway: Gateway) -> None:
    busy = {"error": {"message": "(#130429) Rate limit hit", "code": 130429}}
    gateway.fake.graph.fail_next(Failure(429, busy, {"Retry-After": "1"}))
    client = GraphClient(gateway.fake.graph_base, "v24.0", PHONE_NUMBER_ID, WHATSAPP_TOKEN)
    with pytest.raises(RetryLater) as raised:
        await client.send(PHONE, {"type": "text", "text": {"body": "x"}})
    await client.close()
    assert raised.value.after == 1.0
    gateway.fake.graph.fail_next(Failure(429, busy, {"Retry-After": "1"}))
    await wa_say(gateway, event("text"))
    [row] = await rows(gateway)
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(gateway.fake.graph.accepted) == 1


async def test_telegram_retry_after_is_read_from_the_error(gateway: Gateway) -> None:
    channel = gateway.services.channels.telegram if gateway.services.channels else None
    assert channel is not None
    gateway.fake.telegram.fail_next("sendMessage", FLOOD)
    with pytest.raises(RetryLater) as raised:
        await channel.send(str(CHAT), {"text": "x"})
    assert raised.value.after == 1.0
    gateway.fake.telegram.fail_next("sendMessage", BLOCKED)
    with pytest.raises(Undeliverable):
        await channel.send(str(CHAT), {"text": "x"})


async def _leave_rows_behind(url: str) -> None:
    """What a crash leaves: a reply stored but never sent, and a send cut off mid-way."""
    db = Database(url, ROOT)
    await db.migrate()
    async with db.transaction() as session:
        for chat, status in (("5550001", "pending"), ("5550002", "sending")):
            user = await q.user_for(session, "telegram", chat)
            [stored] = await q.store_outbound(
                session, user.id, "telegram", [Outgoing(f"tertinggal {chat}")],
                reply_to=None, language="id", delivery="push",
            )  # fmt: skip
            assert stored.message_id is not None
            oq.add(
                session,
                message_id=stored.message_id,
                user_id=user.id,
                channel="telegram",
                recipient=chat,
                bodies=[{"text": stored.text}],
                status=status,
            )
        await session.flush()
        await session.execute(
            sql_update(Outbox)
            .where(Outbox.status == "sending")
            .values(locked_until=utcnow() - timedelta(seconds=1), attempts=1)
        )
    await db.dispose()


async def test_rows_left_by_a_crash_are_sent_after_a_restart(
    tmp_path: Path, database_url: str, fake: FakeApis
) -> None:
    await _leave_rows_behind(database_url)
    async with running_gateway(channel_settings(tmp_path, database_url, fake), fake) as gw:
        assert {r.status for r in await settled(gw)} == {"sent"}
        assert {m["text"] for m in fake.telegram.sent()} == {
            "tertinggal 5550001",
            "tertinggal 5550002",
        }


async def queue_chats(db: Database, chats: list[str], bodies: list[dict[str, Any]]) -> None:
    """A stored message and its outbox rows (one per body) for each Telegram chat."""
    async with db.transaction() as session:
        for chat in chats:
            user = await q.user_for(session, "telegram", chat)
            [stored] = await q.store_outbound(
                session, user.id, "telegram", [Outgoing("x")], reply_to=None, language=None
            )
            assert stored.message_id is not None
            oq.add(
                session,
                message_id=stored.message_id,
                user_id=user.id,
                channel="telegram",
                recipient=chat,
                bodies=bodies,
            )


async def test_two_workers_never_claim_the_same_row(database: Database) -> None:
    await queue_chats(database, [f"90{n}" for n in range(6)], [{"text": "a"}, {"text": "b"}])

    async def claim() -> list[Any]:
        async with database.transaction() as session:
            return await oq.claim(session, ["telegram"], 4)

    first, second = await asyncio.gather(claim(), claim())
    ids = [r.id for r in first + second]
    assert len(ids) == len(set(ids)) == 6  # one head row per chat, each claimed once
    assert {r.body["text"] for r in first + second} == {"a"}  # "b" waits for its "a"
    if not database.is_sqlite:  # an open claim's rows are skipped, not waited for
        async with database.transaction() as session:
            await session.execute(
                sql_update(Outbox).where(Outbox.status == "sending").values(status="pending")
            )
        async with database.transaction() as holder:
            held = await oq.claim(holder, ["telegram"], 3)
            others = await asyncio.wait_for(claim(), 5)
            assert {r.id for r in held}.isdisjoint({r.id for r in others})
            assert len(held) + len(others) == 6


class SlowPlatform:
    """A platform that allows one message a second: the others wait for a token."""

    name = "telegram"
    limits = Limits(rate=1.0, chat_rate=1.0, chat_burst=1)

    def __init__(self) -> None:
        self.got: list[str] = []

    def recipient(self, user: User) -> str:
        return user.channel_user_id

    def bodies(self, message: Outgoing, language: str) -> list[dict[str, Any]]:
        return [{"text": message.text}]

    def window_open(self, last_inbound_at: Any) -> bool:
        return True

    def notice(self, kind: str, language: str) -> None:
        return None

    async def send(self, recipient: str, body: Mapping[str, Any]) -> str:
        self.got.append(recipient)
        return f"id-{recipient}"


async def test_a_stopping_sender_gives_back_the_rows_still_waiting_for_a_token(
    database: Database,
) -> None:
    await queue_chats(database, [f"80{n}" for n in range(5)], [{"text": "x"}])
    platform = SlowPlatform()
    sender = OutboxSender(database, {"telegram": platform})
    assert await sender.drain() == 5  # all claimed; one token now, the next in a second
    await asyncio.sleep(0.2)
    await sender.stop(grace=30)  # does not wait four seconds for the other tokens
    async with database.transaction() as session:
        left = (await session.scalars(select(Outbox).order_by(Outbox.id))).all()
    assert platform.got == [r.recipient for r in left if r.status == "sent"]
    assert len(platform.got) == 1
    waiting = [r for r in left if r.status != "sent"]
    assert [(r.status, r.attempts, r.locked_until) for r in waiting] == [("pending", 0, None)] * 4
    async with database.transaction() as session:  # due at once for the next worker
        assert len(await oq.claim(session, ["telegram"], 10)) == 4


class FastPlatform(SlowPlatform):
    limits = Limits(rate=100.0, chat_rate=100.0, chat_burst=5)


class SecondClaimFails:
    """PostgreSQL as a sender sees it, except that WhatsApp's claim fails (an outage)."""

    def __init__(self, db: Database) -> None:
        assert db.direct is not None
        self.db, self.pool = db, db.direct
        self.is_sqlite = False
        self.direct = self

    async def fetch(self, query: str, *args: Any) -> list[Any]:
        if "whatsapp" in args:
            raise ConnectionResetError("the database went away")
        return await self.pool.fetch(query, *args)

    async def fetchrow(self, query: str, *args: Any) -> Any:
        return await self.pool.fetchrow(query, *args)


async def test_chats_claimed_before_a_failed_claim_are_sent_at_once() -> None:
    async with migrated_postgres() as database:
        await queue_chats(database, ["601", "602", "603"], [{"text": "x"}])
        telegram, whatsapp = FastPlatform(), FastPlatform()
        whatsapp.name = "whatsapp"
        platforms = {"telegram": telegram, "whatsapp": whatsapp}
        sender = OutboxSender(cast(Database, SecondClaimFails(database)), platforms)
        with pytest.raises(ConnectionResetError):
            await sender.drain()
        # the rows Telegram's claim took do not wait a minute for their lease to run out
        await eventually(lambda: len(telegram.got) == 3, "the claimed chats were sent", 10)
        await sender.stop()
        assert {r.status for r in await rows_of(database)} == {"sent"}


class SlowCommit:
    """The database as a sender sees it, except that its first transaction (the claim) takes
    a second after committing: a stop() then arrives between the commit and the chats' tasks.
    On PostgreSQL the claim is a single statement (`direct.fetch`), slowed the same way."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.is_sqlite = db.is_sqlite
        self.committed = asyncio.Event()
        self.direct = None if db.direct is None else self

    async def _slow_once(self) -> None:
        if not self.committed.is_set():
            self.committed.set()
            await asyncio.sleep(1.0)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with self.db.transaction() as session:
            yield session
        await self._slow_once()

    async def fetch(self, query: str, *args: Any) -> list[Any]:
        assert self.db.direct is not None
        rows = await self.db.direct.fetch(query, *args)
        await self._slow_once()
        return rows

    async def fetchrow(self, query: str, *args: Any) -> Any:
        assert self.db.direct is not None
        return await self.db.direct.fetchrow(query, *args)


async def test_a_sender_stopped_as_its_claim_commits_leaves_no_row_claimed(
    database: Database,
) -> None:
    await queue_chats(database, [f"70{n}" for n in range(5)], [{"text": "x"}])
    platform = SlowPlatform()
    slow = SlowCommit(database)
    sender = OutboxSender(cast(Database, slow), {"telegram": platform})
    sender.start()
    await asyncio.wait_for(slow.committed.wait(), 10)
    await asyncio.wait_for(sender.stop(grace=30), 10)
    async with database.transaction() as session:
        left = (await session.scalars(select(Outbox).order_by(Outbox.id))).all()
    # each row was sent or given back; none waits a minute for its lease to run out
    assert sorted(platform.got) == sorted(r.recipient for r in left if r.status == "sent")
    waiting = [r for r in left if r.status != "sent"]
    assert [(r.status, r.attempts, r.locked_until) for r in waiting] == [
        ("pending", 0, None)
    ] * len(waiting)
    async with database.transaction() as session:
        assert len(await oq.claim(session, ["telegram"], 10)) == len(waiting)


def test_backoff_doubles_and_is_capped() -> None:
    assert 1.6 <= backoff(1, 2.0) <= 2.4
    assert 6.4 <= backoff(3, 2.0) <= 9.6
    assert backoff(30, 2.0) <= 720
