"""`Delivery.push`: a message to a user later, on the web chat (fetched) or a platform (sent)."""

from __future__ import annotations

from sqlalchemy import select

from bot.channels.base import Button, Outgoing
from bot.db.models import Outbox, User
from tests.bot.channels.conftest import Gateway
from tests.bot.channels.test_telegram import CHAT, drained, keyboard, press, say, update


async def test_a_push_to_a_web_chat_user_is_listed_for_the_page(gateway: Gateway) -> None:
    await gateway.client.post("/webhooks/rest/webhook", json={"sender": "w1", "message": "/start"})
    async with gateway.services.db.transaction() as session:
        user = await session.scalar(select(User).where(User.channel == "web"))
        assert user is not None and gateway.services.delivery is not None
        [pushed] = await gateway.services.delivery.push(
            session, user, [Outgoing("Jadwal OPP besok 08.00", sender="staff")], kind="reminder"
        )
    later = await gateway.client.get("/webhooks/rest/messages?sender=w1&after=0")
    assert [(m["id"], m["text"], m["sender"]) for m in later.json()] == [
        (pushed.message_id, "Jadwal OPP besok 08.00", "staff")
    ]
    async with gateway.services.db.transaction() as session:
        assert (await session.scalars(select(Outbox))).all() == []


async def test_a_push_to_a_telegram_user_is_sent_and_its_buttons_work(gateway: Gateway) -> None:
    await say(gateway, update("text_start"))
    async with gateway.services.db.transaction() as session:
        user = await session.scalar(select(User).where(User.channel == "telegram"))
        assert user is not None and gateway.services.delivery is not None
        await gateway.services.delivery.push(
            session,
            user,
            [Outgoing("Petugas membalas: silakan datang Senin.", (Button("Menu", "/menu"),))],
            kind="staff_reply",
        )
    await drained(gateway)
    pushed = gateway.fake.telegram.sent(CHAT)[-1]
    assert pushed["text"] == "Petugas membalas: silakan datang Senin."
    [(title, data)] = keyboard(pushed)
    assert title == "Menu"
    [menu] = await say(gateway, press(data))
    assert menu["text"] == "Mau dibantu apa?"
