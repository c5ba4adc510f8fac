"""Telegram through its real request path: webhook in, PTB's HTTPXRequest out to a fake Bot API.

The Rasa server is down here: typed text gets the menu; the conversation runs on buttons
and commands, as it does for users when the NLU is away.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.channels.base import Button, Outgoing
from bot.channels.split import utf16_length
from bot.channels.telegram import TEXT_LIMIT, bodies_of
from bot.db import outbox_queries as oq
from bot.db.models import Attachment, Case, Message, Outbox, User
from tests.bot.channels.conftest import (
    Gateway,
    channel_settings,
    eventually,
    fixture,
    post_telegram,
    running_gateway,
)
from tests.bot.channels.fakes import FakeApis
from tests.conftest import running_app, service_settings

CHAT = 5550001
OTHER = 5550077
GROUP = -1001987654321
_ids = itertools.count(1)


def update(name: str, **message: Any) -> dict[str, Any]:
    """A recorded update with fresh ids (and changed message fields)."""
    data = fixture(f"telegram/{name}")
    data["update_id"] = 800_000_000 + next(_ids)
    inner = data.get("message") or data.get("edited_message")
    if inner is not None and "edited_message" not in data:
        inner["message_id"] = 10_000 + next(_ids)
    if inner is not None:
        inner.update(message)
    return data


def press(data: str, user: int = CHAT) -> dict[str, Any]:
    """A callback query pressing the button with `data`."""
    query = update("callback_query")
    query["callback_query"]["id"] = f"{user}{next(_ids):08d}"
    query["callback_query"]["data"] = data
    query["callback_query"]["from"]["id"] = user
    return query


def keyboard(params: dict[str, Any]) -> list[tuple[str, str]]:
    """(title, callback_data) of a sent message's inline keyboard."""
    rows = (params.get("reply_markup") or {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


async def drained(gw: Gateway) -> None:
    """Waits until the outbox has nothing left to send."""

    async def empty() -> bool:
        async with gw.services.db.transaction() as session:
            return await oq.unsent_count(session) == 0

    await eventually(empty, "the outbox to be sent")


async def say(gw: Gateway, data: dict[str, Any], chat: int = CHAT) -> list[dict[str, Any]]:
    """Posts an update; returns the messages sent to `chat` in answer."""
    before = len(gw.fake.telegram.sent(chat))
    response = await post_telegram(gw.client, data)
    assert response.status_code == 200, response.text
    await drained(gw)
    return gw.fake.telegram.sent(chat)[before:]


async def tap(gw: Gateway, replies: list[dict[str, Any]], title: str) -> list[dict[str, Any]]:
    """Presses the button titled `title` in `replies`."""
    buttons = dict(b for r in replies for b in keyboard(r))
    assert title in buttons, f"no button {title!r} in {list(buttons)}"
    return await say(gw, press(buttons[title]))


async def test_an_update_with_the_right_secret_is_answered_with_an_inline_keyboard(
    gateway: Gateway,
) -> None:
    [reply] = await say(gateway, update("text_start"))
    assert int(reply["chat_id"]) == CHAT
    assert reply["text"].startswith("Halo!")
    assert reply["link_preview_options"] == {"is_disabled": True}
    titles = [title for title, _ in keyboard(reply)]
    assert titles == ["Tanya prosedur", "Bicara dgn petugas", "Ganti bahasa"]
    assert all(re.fullmatch(r"b:\d+:\d", data) for _, data in keyboard(reply))


@pytest.mark.parametrize("secret", [None, "", "wrong-secret"])
async def test_a_wrong_or_missing_secret_is_refused(gateway: Gateway, secret: str | None) -> None:
    response = await post_telegram(gateway.client, update("text_start"), secret=secret)
    assert response.status_code == 403
    assert response.json()["error"] == "wrong_secret"
    async with gateway.services.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Message)) == 0


async def test_a_press_is_answered_and_resolved_to_the_stored_button(gateway: Gateway) -> None:
    menu = await say(gateway, update("text_start"))
    groups = await tap(gateway, menu, "Tanya prosedur")
    [answered] = gateway.fake.telegram.called("answerCallbackQuery")
    assert answered["callback_query_id"].startswith(str(CHAT))
    assert "text" not in answered  # nothing to tell: the press worked
    assert groups[0]["text"] == "Pilih topik:"
    assert "Syarat & dokumen" in [t for t, _ in keyboard(groups[0])]


async def test_a_press_on_another_users_message_is_refused(gateway: Gateway) -> None:
    [menu] = await say(gateway, update("text_start"))
    _, data = keyboard(menu)[0]
    assert await say(gateway, press(data, user=OTHER), chat=OTHER) == []
    [answered] = gateway.fake.telegram.called("answerCallbackQuery")
    assert answered["text"].startswith("Tombol ini sudah tidak berlaku")
    assert answered["show_alert"] == "true"
    assert await say(gateway, press("b:999999:0")) == []  # no such message
    assert await say(gateway, press("game-short-name")) == []  # not ours at all
    malformed = press("b:1:0")
    malformed["callback_query"]["data"] = [None]  # signed, yet broken: no press, not a 500
    assert await say(gateway, malformed) == []
    # every query is answered (the spinner on the user's button stops), the broken one too
    assert len(gateway.fake.telegram.called("answerCallbackQuery")) == 4


async def test_a_redelivered_update_is_answered_once(gateway: Gateway) -> None:
    first = update("text_start")
    assert len(await say(gateway, first)) == 1
    assert await say(gateway, first) == []  # Telegram retried: the reply is not sent again
    async with gateway.services.db.transaction() as session:
        rows = (await session.scalars(select(Outbox))).all()
    assert [r.status for r in rows] == ["sent"]


@pytest.mark.parametrize(
    ("name", "start"),
    [
        ("voice", "Maaf, saya belum bisa mendengarkan pesan suara"),
        ("sticker", "Terima kasih stikernya!"),
        ("location", "Terima kasih. Saya belum bisa memakai lokasi"),
        ("contact", "Saya belum bisa membaca kartu kontak"),
    ],
)
async def test_non_text_messages_get_a_polite_answer_and_the_menu(
    gateway: Gateway, name: str, start: str
) -> None:
    [reply] = await say(gateway, update(name))
    assert reply["text"].startswith(start)
    assert keyboard(reply)[0][0] == "Tanya prosedur"
    async with gateway.services.db.transaction() as session:
        stored = (await session.scalars(select(Message.text))).all()
    assert "+6281234567890" not in stored  # a contact's number is not kept
    assert not any("-7.871" in t for t in stored)  # nor a location


async def test_a_file_is_kept_only_with_an_open_case(gateway: Gateway) -> None:
    [refused] = await say(gateway, update("photo"))
    assert refused["text"].startswith("File hanya kami simpan untuk percakapan dengan petugas")
    await say(gateway, update("text_start", text="/petugas"))
    [kept] = await say(gateway, update("photo"))
    assert kept["text"].startswith("File Anda sudah kami terima")
    [kept_doc] = await say(gateway, update("document"))
    assert kept_doc["text"] == kept["text"]
    async with gateway.services.db.transaction() as session:
        files = (await session.scalars(select(Attachment).order_by(Attachment.id))).all()
        case = await session.scalar(select(Case))
    assert [(f.kind, f.file_id) for f in files] == [
        ("photo", "AgACAgUAAxkBAAIBY2cPhotoLarge"),
        ("document", "BQACAgUAAxkBAAIBZWcDocument"),
    ]
    assert case is not None and {f.case_id for f in files} == {case.id}
    assert files[0].caption == "ini paspor saya"
    assert files[1].file_name == "kontrak_kerja.pdf" and files[1].mime_type == "application/pdf"


async def test_in_a_group_only_commands_are_answered_with_a_private_chat_note(
    gateway: Gateway,
) -> None:
    assert await say(gateway, update("group_chatter"), chat=GROUP) == []
    [note] = await say(gateway, update("group_command"), chat=GROUP)
    assert note["text"].startswith("Halo! Supaya data Anda aman")
    assert keyboard(note) == []
    other_bot = update("group_command", text="/menu@SomeOtherBot")
    assert await say(gateway, other_bot, chat=GROUP) == []
    mention = update(
        "group_chatter",
        text="@LtsaTestBot tolong",
        entities=[{"offset": 0, "length": 12, "type": "mention"}],
    )
    assert len(await say(gateway, mention, chat=GROUP)) == 1


async def test_an_edited_message_gets_one_note_and_is_not_answered_again(
    gateway: Gateway,
) -> None:
    edit = update("edited")
    [note] = await say(gateway, edit)
    assert note["text"].startswith("Pesan yang diubah tidak saya baca ulang")
    again = update("edited")
    again["edited_message"]["edit_date"] += 60
    assert await say(gateway, again) == []


async def test_other_update_kinds_and_bad_bodies_are_acknowledged_or_refused(
    gateway: Gateway,
) -> None:
    assert await say(gateway, update("my_chat_member")) == []
    client = gateway.client
    headers = {"X-Telegram-Bot-Api-Secret-Token": "tg-webhook-secret_42"}
    for body, status in [
        (b"{not json", 400),
        (b"\xff\xfe", 400),
        (b"[1, 2]", 422),
        (b'{"update_id": "x"}', 422),
        (b'{"update_id": 1, "message": "not an object"}', 200),
        (b'{"update_id": 2, "message": {"message_id": 1}}', 200),
    ]:
        response = await client.post("/webhooks/telegram", content=body, headers=headers)
        assert response.status_code == status, body
    huge = {"update_id": 3, "message": {"text": "x" * 300_000}}
    assert (await post_telegram(client, huge)).status_code == 413


def test_long_texts_are_cut_below_the_limit_with_the_buttons_on_the_last_part() -> None:
    paragraph = "Paspor dibuat di kantor imigrasi. 🛂 " * 40
    text = "\n\n".join([paragraph] * 12)
    message = Outgoing(text, (Button("Menu utama", "/ask_menu"),), message_id=77)
    parts = bodies_of(message)
    assert len(parts) > 1
    assert all(utf16_length(p["text"]) <= TEXT_LIMIT for p in parts)
    assert all(p["text"].startswith("Paspor") for p in parts)  # cut at paragraphs
    assert [p.get("buttons") for p in parts[:-1]] == [None] * (len(parts) - 1)
    assert parts[-1]["buttons"] == [{"text": "Menu utama", "data": "b:77:0"}]


async def test_a_conversation_from_greeting_through_an_answer_to_a_person(
    gateway: Gateway,
) -> None:
    menu = await say(gateway, update("text_start", text="halo"))  # NLU down: the menu
    assert "Tanya prosedur" in [t for r in menu for t, _ in keyboard(r)]
    groups = await tap(gateway, menu, "Tanya prosedur")
    topics = await tap(gateway, groups, "Syarat & dokumen")
    answer = await tap(gateway, topics, "Paspor")
    assert "kantor imigrasi" in answer[0]["text"]
    person = await say(gateway, update("text_start", text="/petugas"))
    assert "petugas" in " ".join(r["text"] for r in person).lower()
    async with gateway.services.db.transaction() as session:
        user = await session.scalar(select(User).where(User.channel_user_id == str(CHAT)))
        assert user is not None
        cases = (await session.scalars(select(Case).where(Case.user_id == user.id))).all()
    assert len(cases) == 1


async def test_polling_feeds_the_same_pipeline(tmp_path: Any, fake: FakeApis) -> None:
    settings = channel_settings(
        tmp_path, f"sqlite:///{tmp_path}/ltsa.db", fake, TELEGRAM_POLLING="true"
    )
    async with running_gateway(settings, fake) as gw:
        fake.telegram.updates.append(update("text_start"))
        sent = await eventually(lambda: fake.telegram.sent(CHAT), "a reply to a polled update")
        assert sent[0]["text"].startswith("Halo!")
        assert fake.telegram.called("deleteWebhook")
        await eventually(
            lambda: any(
                int(p.get("offset") or 0) > fake.telegram.updates[0]["update_id"]
                for p in fake.telegram.called("getUpdates")
            ),
            "the offset to move past the answered update",
        )
        assert gw.services.channels is not None


async def test_telegram_is_off_without_a_token(tmp_path: Any) -> None:
    async with running_app(service_settings(tmp_path)) as client:
        response = await post_telegram(client, update("text_start"))
    assert response.status_code == 404
    assert response.json()["error"] == "channel_off"
