"""Subscriptions, coordinators and announcements through the real pipeline while Rasa is down:
commands, buttons and the short-message rules, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.booking.directory import add_session, sync_directory
from bot.broadcast import BroadcastWorker
from bot.community import coordinators
from bot.content import Content
from bot.db import queries as q
from bot.db.models import BroadcastRecipient, Message, Staff, Subscription, User, utcnow
from bot.delivery import Delivery
from bot.pipeline import Pipeline
from bot.render import Renderer
from tests.helpers import Chat

TEXT = "Sosialisasi OPP Rabu depan jam 09.00 di balai desa Paringan. Waspada calo!"


async def subscription(pipeline: Pipeline, sender: str) -> Subscription | None:
    async with pipeline.db.transaction() as session:
        user = await q.user_for(session, "web", sender)
        return await session.get(Subscription, user.id)


async def make_coordinator(pipeline: Pipeline, chat: Chat) -> None:
    """The chat asks to be Paringan's coordinator; an LTSA admin verifies it."""
    await chat.send("/koordinator")
    await chat.press("Ajukan diri")
    await chat.press("Ponorogo")
    await chat.send("desa paringan")
    await chat.send("Sri Wahyuni")
    assert "Sri Wahyuni" in chat.text() and "Paringan" in chat.text()
    await chat.press("Setuju")
    assert "dikirim ke admin" in chat.text()
    async with pipeline.db.transaction() as session:
        admin = Staff(email="a@ltsa.test", name="Admin", role="ltsa_admin", password_hash="x")
        session.add(admin)
        await session.flush()
        user = await q.user_for(session, "web", chat.user)
        listed = await coordinators.listed(session, "ponorogo")
        assert [(r.name, r.village, r.status) for r in listed] == [
            ("Sri Wahyuni", "Paringan", "pending")
        ]
        await coordinators.verify(session, admin, user.id, "127.0.0.1")


async def test_subscribing_by_command_and_buttons_and_leaving_by_rule(pipeline: Pipeline) -> None:
    chat = Chat(pipeline, "warga")
    await chat.send("/langganan")
    await chat.press("Ponorogo")
    assert chat.buttons()[:2] == ["Seluruh kabupaten", "Desa lain"]
    await chat.press("Desa lain")
    await chat.send("Paringan")
    assert "Desa Paringan" in chat.text() and "berhenti langganan" in chat.text()
    found = await subscription(pipeline, "warga")
    assert found is not None and (found.ltsa_slug, found.village, found.active) == (
        "ponorogo",
        "Paringan",
        True,
    )
    await chat.send("berhenti langganan")  # a rule: answered while Rasa is down
    assert "berhenti berlangganan" in chat.text()
    found = await subscription(pipeline, "warga")
    assert found is not None and not found.active


async def test_the_rules_and_commands_work_in_javanese_too(pipeline: Pipeline) -> None:
    chat = Chat(pipeline, "jawa")
    await chat.send("/bahasa")
    await chat.press("Basa Jawa")
    await chat.send("badhe langganan info")
    assert "Pilih kabupatenipun" in chat.text()
    await chat.press("Ponorogo")
    await chat.press("Sak kabupaten")
    assert "sak kabupaten" in chat.text()
    assert (await subscription(pipeline, "jawa")) is not None
    await chat.send("/berhenti_langganan")
    assert "mandheg langganan" in chat.text()
    found = await subscription(pipeline, "jawa")
    assert found is not None and not found.active


async def test_berhenti_inside_a_protection_conversation_keeps_its_meaning(
    pipeline: Pipeline,
) -> None:
    chat = Chat(pipeline, "korban")
    await chat.send("/langganan")
    await chat.press("Ponorogo")
    await chat.press("Seluruh kabupaten")
    await chat.send("/report_violence")
    await chat.send("berhenti langganan")
    said = chat.text()
    assert "berhenti berlangganan" not in said
    assert "110" in said  # the protection flow's own ending, with the lines
    found = await subscription(pipeline, "korban")
    assert found is not None and found.active


async def test_a_verified_coordinator_announces_and_the_subscriber_can_leave_from_it(
    pipeline: Pipeline, renderer: Renderer
) -> None:
    warga = Chat(pipeline, "warga")
    await warga.send("mau langganan info")
    await warga.press("Ponorogo")
    await warga.press("Desa lain")
    await warga.send("Paringan")
    kopi = Chat(pipeline, "kopi")
    await kopi.send("/umumkan")
    assert "koordinator KOPI yang sudah diverifikasi" in kopi.text()
    await make_coordinator(pipeline, kopi)
    await kopi.send("/umumkan")
    await kopi.press("Warga desa saya")
    await kopi.send(TEXT)
    assert TEXT in kopi.text() and "(1 orang)" in kopi.text()
    await kopi.press("Ubah teks")
    await kopi.send(TEXT)
    await kopi.press("Kirim")
    assert "antrean untuk 1 pelanggan" in kopi.text()
    worker = BroadcastWorker(pipeline.db, Delivery({}), renderer)
    handed = await worker.run_once()
    assert handed.handed == 1
    async with pipeline.db.transaction() as session:
        user = await q.user_for(session, "web", "warga")
        [pushed] = await session.scalars(
            select(Message).where(Message.user_id == user.id, Message.delivery == "push")
        )
        [recipient] = await session.scalars(select(BroadcastRecipient))
    assert pushed.text.startswith("📢 Pengumuman dari koordinator KOPI Desa Paringan")
    assert TEXT in pushed.text
    assert (recipient.status, recipient.message_id) == ("sent", pushed.id)
    assert pushed.dedupe_key == f"broadcast:{recipient.id}"
    await kopi.send("/umumkan status")
    assert "1 dari 1 terkirim" in kopi.text()
    # the button under the announcement
    assert pushed.buttons == [{"title": "Berhenti langganan", "payload": "/unsubscribe"}]
    await warga.send("/unsubscribe")
    assert "berhenti berlangganan" in warga.text()
    await kopi.send("/umumkan")
    await kopi.press("Warga desa saya")
    await kopi.send(TEXT)
    assert "Belum ada yang berlangganan pengumuman Desa Paringan" in kopi.text()


async def test_a_coordinator_sees_the_villages_bookings_and_books_a_villager(
    pipeline: Pipeline, content: Content
) -> None:
    async with pipeline.db.transaction() as session:
        await sync_directory(session, content, slot_minutes=30, slot_capacity=2, demo=False)
        start = utcnow().replace(microsecond=0) + dt.timedelta(days=9)
        await add_session(session, "ponorogo", start, 30, "Disnaker")
    kopi = Chat(pipeline, "kopi")
    await make_coordinator(pipeline, kopi)
    await kopi.send("/koordinator")
    assert kopi.buttons()[:4] == [
        "Buat pengumuman",
        "Status pengumuman",
        "OPP warga desa",
        "Bantu warga",
    ]
    await kopi.press("OPP warga desa")
    assert "0 warga desa terdaftar, sisa 30 kursi" in kopi.text()
    await kopi.press("Daftarkan ke OPP")
    await kopi.press(kopi.buttons()[0])  # the session
    await kopi.press("Untuk warga desa")
    assert "sudah setuju namanya disimpan" in kopi.text()
    await kopi.press("Setuju")
    await kopi.send("Budi Santoso")
    await kopi.press("Ya, daftarkan")
    assert "OPP-" in kopi.text()
    await kopi.send("/koordinator")
    await kopi.press("OPP warga desa")
    assert "1 warga desa terdaftar, sisa 29 kursi" in kopi.text()


async def test_erasing_ones_data_ends_the_subscription_and_the_coordinator_role(
    pipeline: Pipeline,
) -> None:
    kopi = Chat(pipeline, "kopi")
    await make_coordinator(pipeline, kopi)
    await kopi.send("/langganan")
    await kopi.press("Seluruh kabupaten")
    await kopi.send("/hapus")
    await kopi.press(kopi.buttons()[0])
    async with pipeline.db.transaction() as session:
        user = (await session.scalars(select(User).where(User.channel_user_id == "kopi"))).one()
        assert await session.get(Subscription, user.id) is None
        assert await coordinators.info(session, user) is None
