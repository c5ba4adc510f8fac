"""Announcements through the real outbox to fake Telegram and WhatsApp APIs: everyone once, in
their language; leaving before one's turn stops delivery; WhatsApp's 24-hour window; the
outbox is fed a window at a time; two gateways racing on PostgreSQL send everything once."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from bot.broadcast import BroadcastWorker, Target, create, latest
from bot.community.subscriptions import subscribe
from bot.db.engine import Database
from bot.db.models import BroadcastRecipient, Message, Outbox, Subscription, User, utcnow
from tests.bot.channels.conftest import (
    Gateway,
    channel_settings,
    eventually,
    post_whatsapp,
    running_gateway,
)
from tests.bot.channels.fakes import FakeApis
from tests.bot.channels.test_whatsapp import event

LTSA, VILLAGE = "ponorogo", "Paringan"
TEXT = "Sosialisasi OPP Rabu depan jam 09.00 di balai desa. Bawa KTP."
LANGUAGES = ("id", "jv", "su", "mad")
QUICK = {"LTSA_BROADCAST_POLL_SECONDS": "0.1", "LTSA_BROADCAST_WINDOW_SECONDS": "2"}


@pytest.fixture
async def gateway(tmp_path: Path, database_url: str, fake: FakeApis) -> AsyncIterator[Gateway]:
    settings = channel_settings(tmp_path, database_url, fake, **QUICK)
    async with running_gateway(settings, fake) as gw:
        yield gw


async def subscribers(
    db: Database, count: int, *, channels: tuple[str, ...], village: str = VILLAGE, start: int = 0
) -> list[User]:
    """`count` subscribers of the village, round the channels and the languages."""
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for i in range(start, start + count):
        channel = channels[i % len(channels)]
        address = {"telegram": str(6_100_000 + i), "whatsapp": f"6281{i:08d}"}.get(channel)
        rows.append(
            {
                "channel": channel,
                "channel_user_id": address or f"web-{i}",
                "language": LANGUAGES[i % len(LANGUAGES)],
                "language_source": "explicit",
                "ltsa_slug": LTSA,
                "created_at": now,
                "last_seen_at": now,
                "last_inbound_at": now - dt.timedelta(hours=2),
            }
        )
    async with db.transaction() as session:
        users = list(await session.scalars(insert(User).returning(User), rows))
        for user in users:
            await subscribe(session, user.id, LTSA, village)
    return users


def wa_text(phone: str, text: str) -> dict[str, Any]:
    """A WhatsApp text from `phone`."""
    data = event("text", text=text, **{"from": phone})
    data["entry"][0]["changes"][0]["value"]["contacts"][0]["wa_id"] = phone
    return data


async def announce(gw: Gateway, target: Target | None = None) -> int:
    target = target or Target(LTSA, VILLAGE)
    async with gw.services.db.transaction() as session:
        broadcast = await create(session, target, TEXT, source="cli", created_by="cli")
    assert gw.services.broadcasts is not None
    gw.services.broadcasts.kick()
    return broadcast.id


async def statuses(db: Database) -> Counter[str]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(BroadcastRecipient.status, func.count()).group_by(BroadcastRecipient.status)
        )
        return Counter({str(s): int(n) for s, n in rows})


def received(fake: FakeApis) -> Counter[str]:
    """Announcements each Telegram chat and WhatsApp number got."""
    got: Counter[str] = Counter()
    for params in fake.telegram.sent():
        if any(word in params["text"] for word in ("Pengumuman", "Woro-woro", "Wawaran")):
            got[f"tg:{params['chat_id']}"] += 1
    for body in fake.graph.accepted:
        text = str(body.get("interactive") or body.get("text") or body.get("template"))
        if any(word in text for word in ("Pengumuman", "Woro-woro", "Wawaran", "ltsa_")):
            got[f"wa:{body['to']}"] += 1
    return got


async def test_an_announcement_reaches_each_subscriber_once_in_their_language(
    gateway: Gateway,
) -> None:
    users = await subscribers(gateway.services.db, 12, channels=("telegram", "whatsapp", "web"))
    await subscribers(gateway.services.db, 3, channels=("telegram",), village="Ngrayun", start=50)
    await announce(gateway)
    await eventually(lambda: _done(gateway.services.db, 12), "every recipient sent", within=30)
    got = received(gateway.fake)
    assert len(got) == 8 and set(got.values()) == {1}, got  # 4 Telegram + 4 WhatsApp, once
    assert not any("615005" in chat for chat in got)  # Ngrayun's subscribers are not in it
    javanese = next(u for u in users if u.channel == "telegram" and u.language == "jv")
    [message] = gateway.fake.telegram.sent(int(javanese.channel_user_id))
    assert message["text"].startswith("📢 Woro-woro saking")
    assert TEXT in message["text"]
    assert [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row] == [
        "Mandheg langganan"
    ]
    async with gateway.services.db.transaction() as session:
        [(broadcast, progress)] = await latest(session)
        web_pushes = await session.scalar(
            select(func.count()).select_from(Message).where(Message.channel == "web")
        )
    assert (broadcast.status, broadcast.total, progress.sent) == ("done", 12, 12)
    assert web_pushes == 4


async def _done(db: Database, count: int) -> bool:
    return (await statuses(db))["sent"] == count


async def test_leaving_before_ones_turn_stops_the_delivery(gateway: Gateway) -> None:
    worker = gateway.services.broadcasts
    assert worker is not None
    await worker.stop()  # queued, not yet sent
    users = await subscribers(gateway.services.db, 4, channels=("whatsapp",))
    await announce(gateway)
    leaver = users[0]
    response = await post_whatsapp(
        gateway.client, wa_text(leaver.channel_user_id, "berhenti langganan")
    )
    assert response.status_code == 200
    await eventually(
        lambda: _inactive(gateway.services.db, leaver.id), "the subscription to end", within=15
    )
    worker.start()
    await eventually(lambda: _done(gateway.services.db, 3), "the others sent", within=30)
    assert (await statuses(gateway.services.db))["skipped"] == 1
    got = received(gateway.fake)
    assert f"wa:{leaver.channel_user_id}" not in got and len(got) == 3
    await announce(gateway)  # the next one does not even list them
    await eventually(lambda: _done(gateway.services.db, 6), "the second sent", within=30)
    assert f"wa:{leaver.channel_user_id}" not in received(gateway.fake)


async def _inactive(db: Database, user_id: int) -> bool:
    async with db.transaction() as session:
        row = await session.get(Subscription, user_id, populate_existing=True)
        return row is not None and not row.active


async def test_whatsapp_outside_the_window_gets_the_template_and_the_message_waits(
    tmp_path: Path, database_url: str, fake: FakeApis
) -> None:
    templates = '{"broadcast": {"id": "ltsa_pengumuman"}}'
    settings = channel_settings(
        tmp_path, database_url, fake, WHATSAPP_TEMPLATES=templates, **QUICK
    )
    async with running_gateway(settings, fake) as gw:
        [user] = await subscribers(gw.services.db, 1, channels=("whatsapp",))
        async with gw.services.db.transaction() as session:
            row = await session.get_one(User, user.id)
            row.last_inbound_at = utcnow() - dt.timedelta(days=3)
        await announce(gw)
        await eventually(lambda: _held(gw.services.db), "the recipient held", within=30)
        # The template goes out through the outbox, a moment after the recipient is held.
        [template] = await eventually(
            lambda: fake.graph.to(user.channel_user_id), "the template sent", within=30
        )
        assert template["type"] == "template"
        assert template["template"]["name"] == "ltsa_pengumuman"
        response = await post_whatsapp(gw.client, wa_text(user.channel_user_id, "halo"))
        assert response.status_code == 200
        await eventually(lambda: _done(gw.services.db, 1), "sent once they wrote", within=30)
        bodies = [b for b in fake.graph.to(user.channel_user_id) if b["type"] == "interactive"]
        assert any(TEXT in str(b["interactive"]) for b in bodies)


async def _held(db: Database) -> bool:
    return (await statuses(db))["held"] == 1


async def test_the_outbox_gets_one_window_of_the_platforms_rate_at_a_time(
    tmp_path: Path, database_url: str, fake: FakeApis
) -> None:
    settings = channel_settings(tmp_path, database_url, fake, TELEGRAM_RATE="5", **QUICK)
    async with running_gateway(settings, fake) as gw:
        services = gw.services
        assert services.broadcasts is not None and services.channels is not None
        await services.broadcasts.stop()
        assert services.channels.sender is not None
        await services.channels.sender.stop()  # nothing drains: the backlog stays
        await subscribers(services.db, 25, channels=("telegram",))
        await announce(gw)
        assert services.delivery is not None
        worker = BroadcastWorker(services.db, services.delivery, services.renderer)
        first = await worker.run_once()
        second = await worker.run_once()
        assert (first.handed, second.handed) == (10, 0)  # 5/s x 2 s, then the window is full
        async with services.db.transaction() as session:
            pending = await session.scalar(select(func.count()).select_from(Outbox))
        assert pending == 10


async def test_a_recipients_message_exists_once(gateway: Gateway) -> None:
    await subscribers(gateway.services.db, 1, channels=("web",))
    await announce(gateway)
    await eventually(lambda: _done(gateway.services.db, 1), "sent", within=30)
    async with gateway.services.db.transaction() as session:
        recipient = (await session.scalars(select(BroadcastRecipient))).one()
        key = f"broadcast:{recipient.id}"
    with pytest.raises(IntegrityError):
        async with gateway.services.db.transaction() as session:
            session.add(
                Message(
                    user_id=recipient.user_id,
                    direction="out",
                    sender="bot",
                    channel="web",
                    text="again",
                    dedupe_key=key,
                    delivery="push",
                    created_at=utcnow(),
                )
            )


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_gateways_racing_send_each_announcement_once(
    tmp_path: Path, database_url: str, fake: FakeApis
) -> None:
    one = channel_settings(tmp_path / "one", database_url, fake, **QUICK)
    two = channel_settings(tmp_path / "two", database_url, fake, **QUICK)
    async with running_gateway(one, fake) as first, running_gateway(two, fake) as second:
        count = 240
        await subscribers(first.services.db, count, channels=("telegram", "whatsapp"))
        await announce(first)
        assert second.services.broadcasts is not None
        second.services.broadcasts.kick()
        await eventually(lambda: _done(first.services.db, count), "all sent", within=120)
        got = received(fake)
        assert len(got) == count and set(got.values()) == {1}
        async with first.services.db.transaction() as session:
            rows = await session.scalar(select(func.count()).select_from(Outbox))
        assert rows == count
