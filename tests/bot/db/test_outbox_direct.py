"""The outbox's single statements on PostgreSQL (`bot.db.outbox_direct`) against the ORM queries.

Two databases get the same rows; one is worked on through the ORM queries, the other through
the single statements. Both must take the same rows, hand back the same `Claimed` values and
leave every column of the outbox the same.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.channels.base import Outgoing
from bot.db import outbox_direct as od
from bot.db import outbox_queries as oq
from bot.db import queries as q
from bot.db.direct import DirectPool
from bot.db.engine import Database
from bot.db.models import Outbox
from tests.conftest import migrated_postgres

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
EARLIER, LATER = NOW - timedelta(minutes=5), NOW + timedelta(minutes=5)
# chat -> its rows, in the order they were written: (status, next_attempt_at, locked_until)
CHATS: dict[str, list[tuple[str, datetime, datetime | None]]] = {
    "101": [("pending", EARLIER, None), ("pending", EARLIER, None)],  # the second waits
    "102": [("sent", EARLIER, None), ("pending", EARLIER, None)],
    "103": [("pending", LATER, None)],  # a retry not due yet
    "104": [("sending", EARLIER, EARLIER), ("pending", EARLIER, None)],  # its worker died
    "105": [("sending", EARLIER, LATER), ("pending", EARLIER, None)],  # being sent now
    "106": [("held", EARLIER, None), ("pending", EARLIER, None)],
    "107": [("failed", EARLIER, None), ("pending", EARLIER, None), ("pending", EARLIER, None)],
    "108": [("pending", EARLIER, None)],  # its chat is busy in the sender
}
BUSY = "108"


async def _seed(db: Database) -> None:
    async with db.transaction() as session:
        for n, (chat, rows) in enumerate(CHATS.items()):
            user = await q.user_for(session, "telegram", chat)
            user.last_inbound_at = EARLIER - timedelta(hours=n)
            [stored] = await q.store_outbound(
                session, user.id, "telegram", [Outgoing("x")], reply_to=None, language=None
            )
            assert stored.message_id is not None
            for i, (status, due, locked) in enumerate(rows):
                session.add(
                    Outbox(
                        message_id=stored.message_id,
                        user_id=user.id,
                        channel="telegram",
                        recipient=chat,
                        body={"text": f"{chat}/{i}", "buttons": [{"text": "Ya", "data": "y"}]},
                        status=status,
                        attempts=1 if status != "pending" else 0,
                        next_attempt_at=due,
                        locked_until=locked,
                        created_at=EARLIER,
                    )
                )


@pytest.fixture
async def pair(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[Database, Database]]:
    """(worked on through the ORM, through the single statements), with the same rows."""
    monkeypatch.setattr(oq, "utcnow", lambda: NOW)
    async with AsyncExitStack() as stack:
        dbs = [await stack.enter_async_context(migrated_postgres()) for _ in range(2)]
        for db in dbs:
            await _seed(db)
        yield dbs[0], dbs[1]


def _direct(db: Database) -> DirectPool:
    assert db.direct is not None
    return db.direct


async def _claimed_on_both(pair: tuple[Database, Database], limit: int) -> list[oq.Claimed]:
    """Telegram's head rows, claimed through the ORM and through the single statement:
    the same on both."""
    orm, direct = pair
    async with orm.transaction() as session:
        heads = await oq.claim(session, ["telegram"], limit)
    assert heads == await od.claim(_direct(direct), "telegram", limit, NOW)
    return heads


async def _outbox(db: Database) -> list[dict[str, Any]]:
    """Every column of every row."""
    async with db.transaction() as session:
        rows = (await session.scalars(select(Outbox).order_by(Outbox.id))).all()
        return [{c.key: getattr(r, c.key) for c in Outbox.__table__.columns} for r in rows]


async def test_a_claim_takes_what_the_orm_claim_takes(pair: tuple[Database, Database]) -> None:
    orm, direct = pair
    async with orm.transaction() as session:
        expected = await oq.claim(session, ["telegram"], 20, skip_chats=[("telegram", BUSY)])
    got = await od.claim(_direct(direct), "telegram", 20, NOW, [BUSY])
    assert got == expected
    assert [c.body["text"] for c in got] == ["101/0", "102/1", "104/0", "106/1", "107/1"]
    assert got[0].last_inbound_at == EARLIER  # the user's, for WhatsApp's window
    assert await _outbox(direct) == await _outbox(orm)
    rest = await od.claim(_direct(direct), "telegram", 20, NOW)
    assert [c.body["text"] for c in rest] == ["108/0"]  # the busy chat's, once it is not


async def test_a_claim_takes_the_oldest_rows_first_and_no_other_channels(
    pair: tuple[Database, Database],
) -> None:
    _, direct = pair
    got = await od.claim(_direct(direct), "telegram", 2, NOW)
    assert [c.body["text"] for c in got] == ["101/0", "102/1"]
    assert await od.claim(_direct(direct), "whatsapp", 20, NOW) == []


async def test_sent_and_next_does_what_the_orm_transaction_does(
    pair: tuple[Database, Database],
) -> None:
    orm, direct = pair
    heads = await _claimed_on_both(pair, 20)
    for head in heads:  # each chat's next row, while the ones after it wait
        async with orm.transaction() as session:
            await oq.sent(session, head.id, f"p{head.id}")
            expected = await oq.claim(
                session, ["telegram"], 1, chat=(head.channel, head.recipient)
            )
        got = await od.sent_and_next(_direct(direct), head, f"p{head.id}", NOW)
        assert got == (expected[0] if expected else None)
    assert await _outbox(direct) == await _outbox(orm)
    taken = [r["body"]["text"] for r in await _outbox(direct) if r["status"] == "sending"]
    assert taken == ["101/1", "104/1", "105/0", "107/2"]  # 105/0: another worker's lease


async def test_a_row_sent_with_nothing_after_it_takes_nothing(
    pair: tuple[Database, Database],
) -> None:
    _, direct = pair
    heads = await od.claim(_direct(direct), "telegram", 20, NOW)
    [head] = [c for c in heads if c.recipient == "102"]
    assert await od.sent_and_next(_direct(direct), head, None, NOW) is None
    rows = [r for r in await _outbox(direct) if r["recipient"] == "102"]
    assert [(r["status"], r["locked_until"], r["sent_at"]) for r in rows] == [
        ("sent", None, None),
        ("sent", None, NOW),
    ]


async def test_two_claims_at_once_never_take_the_same_row(pair: tuple[Database, Database]) -> None:
    _, direct = pair
    pool = _direct(direct)
    first, second = await asyncio.gather(
        od.claim(pool, "telegram", 3, NOW), od.claim(pool, "telegram", 3, NOW)
    )
    ids = [c.id for c in first + second]
    assert len(ids) == len(set(ids)) == 6  # every head row once: 101 102 104 106 107 108


async def test_a_row_locked_by_another_transaction_is_skipped(
    pair: tuple[Database, Database],
) -> None:
    _, direct = pair
    pool = _direct(direct)
    async with pool.transaction() as holder:
        held = await holder.fetchrow(
            "SELECT id FROM outbox WHERE recipient = '101' ORDER BY id LIMIT 1 FOR UPDATE"
        )
        assert held is not None
        got = await asyncio.wait_for(od.claim(pool, "telegram", 20, NOW), 10)
    assert held["id"] not in [c.id for c in got]
    assert "101" not in [c.recipient for c in got]  # its second row waits for the first


REPORTS = [  # (platform id, status, minutes after NOW, error) in the order they arrive
    ("p1", "delivered", 1, None),
    ("p1", "read", 2, None),
    ("p1", "delivered", 3, None),  # late: the status does not go back
    ("p2", "read", 1, None),  # read before delivered: delivered then too
    ("p2", "sent", 2, None),
    ("p3", "failed", 1, "131026: Message undeliverable"),
    ("p4", "held", 1, "131047: Re-engagement message"),
    ("p5", "failed", 1, ""),
    ("p5", "deleted", 2, None),  # a status we do not know: nothing changes
    ("nobody", "read", 1, None),
]


async def test_delivery_reports_change_what_the_orm_changes(
    pair: tuple[Database, Database],
) -> None:
    orm, direct = pair
    heads = await _claimed_on_both(pair, 5)
    for n, head in enumerate(heads, start=1):  # sent, with the platform's ids p1 … p5
        async with orm.transaction() as session:
            await oq.sent(session, head.id, f"p{n}")
            await oq.claim(session, ["telegram"], 1, chat=(head.channel, head.recipient))
        await od.sent_and_next(_direct(direct), head, f"p{n}", NOW)
    for platform_id, status, minutes, error in REPORTS:
        at = NOW + timedelta(minutes=minutes)
        async with orm.transaction() as session:
            known = await oq.record_status(session, platform_id, status, at, error)
        assert await od.record_status(_direct(direct), platform_id, status, at, error) == known
    assert await _outbox(direct) == await _outbox(orm)
    reported = {r["platform_id"]: r for r in await _outbox(direct) if r["platform_id"]}
    minute = timedelta(minutes=1)
    assert [(r["status"], r["delivered_at"], r["read_at"]) for r in reported.values()][:2] == [
        ("read", NOW + minute, NOW + 2 * minute),
        ("read", NOW + minute, NOW + minute),
    ]
    assert [(reported[p]["status"], reported[p]["last_error"]) for p in ("p3", "p4", "p5")] == [
        ("failed", "131026: Message undeliverable"),
        ("held", "131047: Re-engagement message"),
        ("failed", "failed"),
    ]
