"""The console's community pages over HTTP on SQLite and PostgreSQL: who may see analytics and
announcements, verifying a coordinator the chat asked for, an announcement from the console,
and analytics that show aggregates (question texts to LTSA admins only)."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.db import feedback_queries as fq
from bot.db import queries as q
from bot.db.models import CoordinatorRequest, Message, User
from tests.bot.channels.conftest import eventually
from tests.bot.console.conftest import Console

TEXT = "Pendaftaran OPP bulan depan dibuka Senin. Bawa KTP dan KK ke LTSA."


async def ask_to_coordinate(console: Console, sender: str) -> None:
    """A web-chat user asks to be Paringan's coordinator (Ponorogo)."""
    steps = [
        "/koordinator",
        '/coordinator_step{"request":true}',
        '/coordinator_step{"ltsa":"ponorogo","request":true}',
        "Paringan",
        "Sri Wahyuni",
        '/coordinator_step{"consent":true}',
    ]
    for text in steps:
        replies = await console.say(sender, text)
    assert "dikirim ke admin" in replies[-1]["text"]


async def subscribe(console: Console, sender: str) -> None:
    for text in ("/langganan", '/subscribe_step{"ltsa":"ponorogo"}'):
        await console.say(sender, text)
    await console.say(sender, '/subscribe_step{"scope":"district"}')


async def test_case_workers_and_console_coordinators_see_no_analytics_nor_announcements(
    console: Console,
) -> None:
    await console.add_staff("sari@ltsa.test", "case_worker", ltsa_slug="ponorogo")
    await console.add_staff("kopi@ltsa.test", "coordinator", ltsa_slug="ponorogo")
    for email in ("sari@ltsa.test", "kopi@ltsa.test"):
        client = await console.login(email)
        for path in ("/console/analytics", "/console/broadcasts", "/console/coordinators"):
            assert (await client.get(path)).status_code == 403, (email, path)
        preview = await console.post(
            client, "/console/broadcasts/preview", ltsa="ponorogo", text=TEXT
        )
        sent = await console.post(client, "/console/broadcasts", ltsa="ponorogo", text=TEXT)
        assert (preview.status_code, sent.status_code) == (403, 403)
        page = await client.get("/console/cases")
        assert "/console/analytics" not in page.text


async def test_an_admin_verifies_a_coordinator_and_the_user_is_told(console: Console) -> None:
    await ask_to_coordinate(console, "kopi")
    await console.add_staff("admin@ltsa.test", "ltsa_admin", ltsa_slug="ponorogo")
    await console.add_staff("other@ltsa.test", "ltsa_admin", ltsa_slug="blitar")
    await console.add_staff("super@ltsa.test", "supervisor", ltsa_slug="ponorogo")
    supervisor = await console.login("super@ltsa.test")
    assert (await supervisor.get("/console/coordinators")).status_code == 403
    async with console.db.transaction() as session:
        user = await q.user_for(session, "web", "kopi")
        user_id = user.id
    other = await console.login("other@ltsa.test")
    assert "Sri Wahyuni" not in (await other.get("/console/coordinators")).text
    refused = await console.post(other, f"/console/coordinators/{user_id}/verify")
    assert refused.status_code == 403
    admin = await console.login("admin@ltsa.test")
    page = await admin.get("/console/coordinators")
    assert "Sri Wahyuni" in page.text and "menunggu" in page.text
    done = await console.post(admin, f"/console/coordinators/{user_id}/verify")
    assert done.status_code == 303
    told = await console.pushed("kopi")
    assert "Selamat" in told[-1]["text"] and "Paringan" in told[-1]["text"]
    menu = await console.say("kopi", "/koordinator")
    assert menu[0]["buttons"][0]["title"] == "Buat pengumuman"
    again = await console.post(admin, f"/console/coordinators/{user_id}/verify")
    assert again.status_code == 409
    revoked = await console.post(admin, f"/console/coordinators/{user_id}/revoke")
    assert revoked.status_code == 303
    assert "dicabut" in (await console.pushed("kopi"))[-1]["text"]
    refused_now = await console.say("kopi", "/umumkan")
    assert "sudah diverifikasi" in refused_now[0]["text"]
    async with console.db.transaction() as session:
        request = await session.get_one(CoordinatorRequest, user_id)
        assert request.status == "revoked"


async def test_a_supervisor_previews_sends_and_follows_an_announcement(console: Console) -> None:
    await subscribe(console, "warga")
    await console.add_staff("super@ltsa.test", "supervisor", ltsa_slug="ponorogo")
    supervisor = await console.login("super@ltsa.test")
    page = await supervisor.get("/console/broadcasts")
    assert page.status_code == 200 and "Pelanggan" in page.text
    assert "(seluruh kabupaten)" in page.text
    short = await console.post(
        supervisor, "/console/broadcasts/preview", ltsa="ponorogo", text="x"
    )
    assert short.status_code == 422
    foreign = await console.post(
        supervisor, "/console/broadcasts/preview", ltsa="blitar", text=TEXT
    )
    assert foreign.status_code == 422  # not their LTSA
    preview = await console.post(
        supervisor, "/console/broadcasts/preview", ltsa="ponorogo", village="", text=TEXT
    )
    assert preview.status_code == 200
    assert "<b>1</b> orang" in preview.text and "Pengumuman dari LTSA-PMI" in preview.text
    sent = await console.post(supervisor, "/console/broadcasts", ltsa="ponorogo", text=TEXT)
    assert sent.status_code == 303

    async def delivered() -> bool:
        return any(TEXT in m["text"] for m in await console.pushed("warga"))

    await eventually(delivered, "the announcement to reach the web chat", within=20)
    rows = await supervisor.get("/console/broadcasts/rows")
    assert re.search(r"1 terkirim", rows.text), rows.text
    assert "<svg" in rows.text and "konsol" in rows.text


async def test_analytics_show_aggregates_and_question_texts_only_to_admins(
    console: Console,
) -> None:
    for sender in ("a", "b", "c"):
        await console.say(sender, "/menu")
        await console.say(sender, "/faq/passport")
        await console.say(sender, "apa itu kartu kuning")  # Rasa is down: not understood
    async with console.db.transaction() as session:
        typed = list(
            await session.scalars(
                select(Message).where(
                    Message.direction == "in", Message.payload.is_(None), Message.text != ""
                )
            )
        )
        for message in typed:
            await fq.log_gap(session, message.id, message.text, "fallback", "id", [])
        for user in await session.scalars(select(User)):
            user.ltsa_slug = "ponorogo"
            await fq.record_feedback(session, user.id, "passport", True, "id")
    await console.add_staff("super@ltsa.test", "supervisor", ltsa_slug="ponorogo")
    await console.add_staff("admin@ltsa.test", "ltsa_admin", ltsa_slug="ponorogo")
    supervisor = await console.login("super@ltsa.test")
    page = await supervisor.get("/console/analytics?days=7")
    assert page.status_code == 200
    assert page.text.count("<svg") >= 10
    assert "<b>9</b> pesan masuk" in page.text
    assert "apa itu kartu kuning" not in page.text  # encrypted texts: counts only
    admin = await console.login("admin@ltsa.test")
    admin_page = await admin.get("/console/analytics?days=30")
    assert "apa itu kartu kuning" in admin_page.text  # asked three times
    elsewhere = await console.add_staff("blitar@ltsa.test", "supervisor", ltsa_slug="blitar")
    assert elsewhere.ltsa_slug == "blitar"
    other = await console.login("blitar@ltsa.test")
    assert "<b>0</b> pesan masuk" in (await other.get("/console/analytics")).text
