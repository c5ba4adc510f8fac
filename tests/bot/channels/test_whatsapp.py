"""WhatsApp through its real request path: signed webhooks in, httpx out to a fake Graph API."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.channels.base import Button, Outgoing
from bot.channels.whatsapp_api import bodies, form_of
from bot.db import outbox_queries as oq
from bot.db.models import Attachment, Case, Message, Outbox, User, utcnow
from tests.bot.channels.conftest import (
    WA_VERIFY,
    Gateway,
    channel_settings,
    eventually,
    fixture,
    post_whatsapp,
    running_gateway,
)
from tests.bot.channels.fakes import Failure, FakeApis
from tests.conftest import running_app, service_settings

PHONE = "6281234567890"
_ids = itertools.count(1)


def event(name: str, text: str | None = None, **message: Any) -> dict[str, Any]:
    """A recorded webhook event with a fresh message id (and changed fields)."""
    data = fixture(f"whatsapp/{name}")
    value = data["entry"][0]["changes"][0]["value"]
    for item in value.get("messages", []):
        item["id"] = f"wamid.TEST{next(_ids):08d}"
        if text is not None:
            item["text"] = {"body": text}
        item.update(message)
    return data


def reply(payload_id: str, title: str = "x", kind: str = "button_reply") -> dict[str, Any]:
    """The user pressing a reply button (or list row) whose id is `payload_id`."""
    name = "button_reply" if kind == "button_reply" else "list_reply"
    data = event(name)
    message = data["entry"][0]["changes"][0]["value"]["messages"][0]
    message["interactive"] = {"type": kind, kind: {"id": payload_id, "title": title}}
    return data


async def drained(gw: Gateway) -> None:
    async def empty() -> bool:
        async with gw.services.db.transaction() as session:
            return await oq.unsent_count(session) == 0

    await eventually(empty, "the outbox to be sent")


async def say(gw: Gateway, data: dict[str, Any], to: str = PHONE) -> list[dict[str, Any]]:
    """Posts a signed event; returns what was sent to `to` in answer."""
    before = len(gw.fake.graph.to(to))
    response = await post_whatsapp(gw.client, data)
    assert response.status_code == 200, response.text
    await drained(gw)
    return gw.fake.graph.to(to)[before:]


def options(message: dict[str, Any]) -> list[tuple[str, str]]:
    """(title, id) of an interactive message's buttons or list rows."""
    interactive = message.get("interactive") or {}
    action = interactive.get("action", {})
    if interactive.get("type") == "button":
        return [(b["reply"]["title"], b["reply"]["id"]) for b in action["buttons"]]
    if interactive.get("type") == "list":
        return [(r["title"], r["id"]) for s in action["sections"] for r in s["rows"]]
    return []


async def tap(gw: Gateway, sent: list[dict[str, Any]], title: str) -> list[dict[str, Any]]:
    found = dict(o for m in sent for o in options(m))
    assert title in found, f"no option {title!r} in {list(found)}"
    kind = "list_reply" if sent[-1]["interactive"]["type"] == "list" else "button_reply"
    return await say(gw, reply(found[title], title, kind))


async def test_verification_echoes_the_challenge_for_the_right_token(gateway: Gateway) -> None:
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": WA_VERIFY,
        "hub.challenge": "1158201444",
    }
    response = await gateway.client.get("/webhooks/whatsapp", params=params)
    assert response.status_code == 200
    assert response.text == "1158201444"
    for wrong in ({"hub.verify_token": "nope"}, {"hub.mode": "unsubscribe"}):
        refused = await gateway.client.get("/webhooks/whatsapp", params={**params, **wrong})
        assert refused.status_code == 403


async def test_a_signed_event_is_answered_with_reply_buttons(gateway: Gateway) -> None:
    [answer] = await say(gateway, event("text"))
    assert answer["to"] == PHONE
    assert answer["messaging_product"] == "whatsapp"
    assert answer["type"] == "interactive"
    assert answer["interactive"]["type"] == "button"
    assert answer["interactive"]["body"]["text"].startswith("Halo!")
    assert options(answer) == [
        ("Tanya prosedur", "/menu_faq"),
        ("Bicara dgn petugas", "/human_request"),
        ("Ganti bahasa", "/change_language"),
    ]


@pytest.mark.parametrize("signature", ["", "sha256=00", "sha1=abc", "sha256=" + "0" * 64])
async def test_a_bad_signature_is_refused(gateway: Gateway, signature: str) -> None:
    response = await post_whatsapp(gateway.client, event("text"), signature=signature)
    assert response.status_code == 403
    assert response.json()["error"] == "bad_signature"
    assert gateway.fake.graph.requests == []


async def test_more_options_come_as_a_list_and_a_row_reply_is_understood(
    gateway: Gateway,
) -> None:
    greeting = await say(gateway, event("text"))
    [groups] = await tap(gateway, greeting, "Tanya prosedur")
    assert groups["interactive"]["type"] == "list"
    assert groups["interactive"]["action"]["button"] == "Pilih"
    assert ("Syarat & dokumen", '/menu_faq{"group":"departure"}') in options(groups)
    [topics] = await say(gateway, event("list_reply"))
    assert topics["interactive"]["body"]["text"] == "Pilih pertanyaan:"


async def test_many_options_come_numbered_and_a_typed_number_answers(gateway: Gateway) -> None:
    await say(gateway, event("text"))
    buttons = tuple(
        Button(f"Pilihan nomor {i}", "/ask_menu" if i == 2 else "/start") for i in range(1, 13)
    )
    async with gateway.services.db.transaction() as session:
        user = await session.scalar(select(User).where(User.channel_user_id == PHONE))
        assert user is not None and gateway.services.delivery is not None
        await gateway.services.delivery.push(
            session, user, [Outgoing("Pilih salah satu:", buttons)], kind="staff_reply"
        )
    await drained(gateway)
    numbered = gateway.fake.graph.to(PHONE)[-1]
    assert numbered["type"] == "text"
    assert "2. Pilihan nomor 2" in numbered["text"]["body"]
    assert numbered["text"]["body"].endswith("Balas dengan angka pilihan Anda.")
    [menu] = await say(gateway, event("text", text=" 2 "))
    assert menu["interactive"]["body"]["text"] == "Mau dibantu apa?"  # /ask_menu, not "2"


def test_the_form_follows_the_number_and_length_of_the_options() -> None:
    def form(n: int, title: str = "Pilih") -> str:
        return form_of([Button(f"{title}{i}", f"/p{i}") for i in range(n)])

    assert [form(0), form(1), form(3), form(4), form(10), form(11)] == [
        "text",
        "buttons",
        "buttons",
        "list",
        "list",
        "numbered",
    ]
    assert form(2, "x" * 20) == "list"  # 21 characters: too long for a button
    assert form(2, "x" * 24) == "numbered"  # too long for a list row
    long_payload = "/faq_part" + json.dumps({"topic": "x" * 300})
    message = Outgoing(
        "Teks " * 400, (Button("Satu", long_payload), Button("Dua", "/ask_menu")), message_id=9
    )
    [*head, last] = bodies(message, hint="h", list_button="Pilih")
    assert all(b["type"] == "text" for b in head) and head  # the body is capped at 1,024
    assert len(last["interactive"]["body"]["text"]) <= 1024
    assert options(last) == [("Satu", "b:9:0"), ("Dua", "/ask_menu")]


async def test_a_stored_reference_id_resolves_only_for_its_user(gateway: Gateway) -> None:
    await say(gateway, event("text"))
    async with gateway.services.db.transaction() as session:
        message_id = await session.scalar(
            select(Message.id).where(Message.direction == "out").order_by(Message.id.desc())
        )
    [groups] = await say(gateway, reply(f"b:{message_id}:0", "Tanya prosedur"))
    assert groups["interactive"]["type"] == "list"
    stranger = event("text")
    stranger["entry"][0]["changes"][0]["value"]["contacts"][0]["wa_id"] = "6289999999999"
    stranger["entry"][0]["changes"][0]["value"]["messages"][0]["from"] = "6289999999999"
    stranger["entry"][0]["changes"][0]["value"]["messages"][0].update(
        type="interactive",
        interactive={
            "type": "button_reply",
            "button_reply": {"id": f"b:{message_id}:0", "title": "?"},
        },
    )
    [answer] = await say(gateway, stranger, to="6289999999999")
    assert options(answer)[0] == ("Tanya prosedur", "/menu_faq")  # the menu, not the groups


async def test_a_duplicate_delivery_is_answered_once(gateway: Gateway) -> None:
    first = event("text")
    assert len(await say(gateway, first)) == 1
    assert await say(gateway, first) == []
    async with gateway.services.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Outbox)) == 1


async def test_statuses_are_recorded_on_the_outbox_row(gateway: Gateway) -> None:
    await say(gateway, event("text"))
    async with gateway.services.db.transaction() as session:
        row = await session.scalar(select(Outbox))
    assert row is not None and row.status == "sent" and row.platform_id
    delivered = event("status_delivered")
    delivered["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = row.platform_id
    await say(gateway, delivered)
    read = json.loads(json.dumps(delivered).replace('"delivered"', '"read"'))
    await say(gateway, read)
    await say(gateway, delivered)  # late: a status never goes back
    async with gateway.services.db.transaction() as session:
        row = await session.scalar(select(Outbox))
    assert row is not None
    assert (row.status, bool(row.delivered_at), bool(row.read_at)) == ("read", True, True)
    failed = event("status_failed")
    failed["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = row.platform_id
    await say(gateway, failed)
    async with gateway.services.db.transaction() as session:
        row = await session.scalar(select(Outbox))
    assert row is not None and row.status == "failed"
    assert row.last_error == "131026: Message undeliverable"


async def test_outside_the_24_hour_window_a_template_goes_first(
    tmp_path: Path, database_url: str, fake: FakeApis
) -> None:
    templates = json.dumps(
        {"staff_reply": {"id": "ltsa_pesan_baru"}, "default": {"id": "ltsa_info"}}
    )
    settings = channel_settings(tmp_path, database_url, fake, WHATSAPP_TEMPLATES=templates)
    async with running_gateway(settings, fake) as gw:
        await say(gw, event("text"))
        async with gw.services.db.transaction() as session:
            await session.execute(
                update(User).values(last_inbound_at=utcnow() - timedelta(hours=25))
            )
        async with gw.services.db.transaction() as session:
            user = await session.scalar(select(User))
            assert user is not None and gw.services.delivery is not None
            await gw.services.delivery.push(
                session, user, [Outgoing("Dokumen Anda sudah siap.")], kind="staff_reply"
            )
        await drained(gw)
        [template] = fake.graph.to(PHONE)[1:]
        assert template["type"] == "template"
        assert template["template"] == {"name": "ltsa_pesan_baru", "language": {"code": "id"}}
        async with gw.services.db.transaction() as session:
            held = (await session.scalars(select(Outbox).where(Outbox.status == "held"))).all()
        assert len(held) == 1 and "24-hour window" in (held[0].last_error or "")
        answer = await say(gw, event("text", text="ya"))
        texts = [m.get("text", {}).get("body") for m in answer]
        assert texts[0] == "Dokumen Anda sudah siap."  # the held message, then the reply


async def test_a_username_identity_is_answered_by_user_id_and_a_known_number_keeps_its_history(
    gateway: Gateway,
) -> None:
    [answer] = await say(gateway, event("text_user_id"), to="ID.1502576394655843")
    assert answer["recipient"] == "ID.1502576394655843" and "to" not in answer
    await say(gateway, event("text"))  # known by phone number first
    async with gateway.services.db.transaction() as session:
        by_phone = await session.scalar(select(User.id).where(User.channel_user_id == PHONE))
    [menu] = await say(gateway, event("text_phone_and_user_id"))
    assert menu["to"] == PHONE  # the number, while Meta still gives it
    async with gateway.services.db.transaction() as session:
        moved = await session.scalar(
            select(User).where(User.channel_user_id == "ID.1187654321098765")
        )
        users = await session.scalar(select(func.count()).select_from(User))
    assert moved is not None and moved.id == by_phone and moved.channel_address == PHONE
    assert users == 2


async def test_media_and_voice_get_their_answers(gateway: Gateway) -> None:
    [voice] = await say(gateway, event("voice"))
    assert voice["interactive"]["body"]["text"].startswith("Maaf, saya belum bisa mendengarkan")
    await say(gateway, event("text", text="/petugas"))
    [kept] = await say(gateway, event("image"))
    assert kept["text"]["body"].startswith("File Anda sudah kami terima")
    async with gateway.services.db.transaction() as session:
        attachment = await session.scalar(select(Attachment))
        case = await session.scalar(select(Case))
    assert attachment is not None and case is not None
    assert (attachment.file_id, attachment.case_id, attachment.kind) == (
        "1479537139650973",
        case.id,
        "photo",
    )


async def test_bad_bodies_get_a_4xx_and_odd_events_are_acknowledged(gateway: Gateway) -> None:
    for body, status in [(b"{not json", 400), (b"[]", 422), (b"\xff", 400)]:
        response = await post_whatsapp(gateway.client, body)
        assert response.status_code == status, body
    odd: list[dict[str, Any]] = [
        {"object": "whatsapp_business_account", "entry": "x"},
        {"entry": [{"changes": [{"value": {"messages": [{"type": "text"}], "statuses": [1]}}]}]},
        {"entry": [{"changes": [{"value": {"messages": 5, "contacts": "y"}}]}]},
        event("text", type="reaction", reaction={"message_id": "wamid.x", "emoji": "👍"}),
    ]
    for data in odd:
        assert (await post_whatsapp(gateway.client, data)).status_code == 200
    assert gateway.fake.graph.requests == []


async def test_a_conversation_from_greeting_through_an_answer_to_a_person(
    gateway: Gateway,
) -> None:
    greeting = await say(gateway, event("text", text="assalamualaikum"))  # NLU down: the menu
    groups = await tap(gateway, greeting, "Tanya prosedur")
    topics = await tap(gateway, groups, "Syarat & dokumen")
    answer = await tap(gateway, topics, "Paspor")
    assert "kantor imigrasi" in json.dumps(answer, ensure_ascii=False)
    person = await say(gateway, event("text", text="/petugas"))
    assert "petugas" in json.dumps(person, ensure_ascii=False).lower()
    async with gateway.services.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 1


async def test_whatsapp_is_off_without_a_token(tmp_path: Path) -> None:
    async with running_app(service_settings(tmp_path)) as client:
        assert (await post_whatsapp(client, event("text"))).status_code == 404
        assert (await client.get("/webhooks/whatsapp")).status_code == 404


async def test_the_graph_api_is_called_with_the_bearer_token(gateway: Gateway) -> None:
    gateway.fake.graph.fail_next(Failure(500, {"error": {"message": "boom", "code": 1}}))
    await say(gateway, event("text"))
    assert len(gateway.fake.graph.requests) == 2  # the 500, then the retry
    assert len(gateway.fake.graph.accepted) == 1
