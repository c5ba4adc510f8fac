"""The message path on SQLite and PostgreSQL: transcripts through buttons, storage, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.db import feedback_queries as fq
from bot.db import queries as q
from bot.db.models import Case, Message, User
from bot.pipeline import Pipeline
from bot.render import Renderer
from bot.text import clean_text, nlu_text
from tests.helpers import Chat, said


async def count(pipeline: Pipeline, direction: str | None = None) -> int:
    async with pipeline.db.transaction() as session:
        query = select(func.count()).select_from(Message)
        if direction:
            query = query.where(Message.direction == direction)
        return int(await session.scalar(query) or 0)


async def test_start_then_buttons_down_to_a_sourced_answer(
    pipeline: Pipeline, renderer: Renderer
) -> None:
    chat = Chat(pipeline)
    await chat.send("/start")
    assert said(renderer, "id", "greeting.hello") in chat.text()
    assert chat.buttons() == ["Tanya prosedur", "Bicara dgn petugas", "Ganti bahasa"]
    await chat.press("Tanya prosedur")
    await chat.press("Syarat & dokumen")
    await chat.press("Paspor")
    assert said(renderer, "id", "faq.passport.answer") in chat.text()
    assert "Sumber: UU 18/2017 Pasal 13 huruf e" in chat.text()
    await chat.press("Di mana mengurusnya?")
    assert "kantor imigrasi" in chat.text()


async def test_every_message_in_and_out_is_stored(pipeline: Pipeline) -> None:
    chat = Chat(pipeline)
    for text in ["/start", "/menu_faq", "/faq/passport"]:
        await chat.send(text)
    assert await count(pipeline, "in") == 3
    assert await count(pipeline, "out") == 4  # the answer and its "did this help?"


async def test_a_redelivered_message_is_answered_once_from_the_store(pipeline: Pipeline) -> None:
    chat = Chat(pipeline)
    first = await chat.send("/start", message_id="m-1")
    again = await chat.send("/start", message_id="m-1")
    assert [m.text for m in again] == [m.text for m in first]
    assert [m.message_id for m in again] == [m.message_id for m in first]
    assert await count(pipeline, "in") == 1
    assert await count(pipeline, "out") == 1


async def test_typed_text_while_the_nlu_is_down_gets_the_menu_and_an_explanation(
    pipeline: Pipeline, renderer: Renderer
) -> None:
    chat = Chat(pipeline)
    await chat.send("halo, saya mau tanya syarat kerja ke taiwan")
    assert said(renderer, "id", "fallback.nlu_down") in chat.text()
    assert "Tanya prosedur" in chat.buttons()
    await chat.press("Tanya prosedur")  # buttons keep working
    assert "Syarat & dokumen" in chat.buttons()


async def test_the_chosen_language_is_kept(pipeline: Pipeline, renderer: Renderer) -> None:
    chat = Chat(pipeline)
    await chat.send("/bahasa")
    await chat.press("Basa Sunda")
    assert said(renderer, "su", "language.changed") in chat.text()
    await chat.send("/menu")
    assert chat.buttons() == ["Naros prosedur", "Nyarios sareng petugas", "Gentos basa"]
    async with pipeline.db.transaction() as session:
        user = await session.scalar(select(User))
        assert user is not None
        assert (user.language, user.language_source) == ("su", "explicit")


async def test_asking_for_a_person_records_a_case_and_says_its_number(pipeline: Pipeline) -> None:
    chat = Chat(pipeline)
    await chat.send("/petugas")
    async with pipeline.db.transaction() as session:
        case = await session.scalar(select(Case))
    assert case is not None
    assert (case.kind, case.status, case.priority) == ("human_request", "open", "normal")
    assert case.number in chat.text()
    await chat.send("/petugas")  # asking again keeps the same open case
    async with pipeline.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😀😀😀",
        "<script>alert('x')</script>",
        "<b>halo</b> & 'quotes' \"double\"",
        "a" * 10_000,
        "abc\x00def\x07",
        "\u200b\u200b",
        "مرحبا كيف حالك",
        "e\u0301\u0301\u0301 combining",
        "\u202eevil rtl",
        "{'message': 1}",
        "/unknown_command",
        '/faq_part{"topic": "nope", "part": 3}',
        '/change_language{"language": "xx"}',
    ],
)
async def test_bad_input_gets_a_reply_and_is_stored(pipeline: Pipeline, text: str) -> None:
    replies = await Chat(pipeline).send(text)
    assert replies and all(r.text for r in replies)
    assert await count(pipeline, "in") == 1
    async with pipeline.db.transaction() as session:
        stored = await session.scalar(select(Message.text).where(Message.direction == "in"))
    assert stored == clean_text(text)


def test_text_cleaning_keeps_words_and_drops_control_characters() -> None:
    assert clean_text("ha\x00lo\n") == "halo\n"
    assert nlu_text("  ha\u200blo   dunia ") == "halo dunia"
    assert len(nlu_text("x " * 5000)) <= 1000


async def test_feedback_is_counted_per_topic(pipeline: Pipeline) -> None:
    chat = Chat(pipeline)
    await chat.send("/faq/skck")
    await chat.press("👍 Membantu")
    assert "Terima kasih atas masukannya" in chat.text()
    await chat.send("/faq/skck")
    await chat.press("👎 Kurang membantu")
    await chat.send("/faq/passport")
    await chat.press("👎 Kurang membantu")
    assert "Bicara dgn petugas" in chat.buttons()
    assert "sudah dua kali" in chat.text()
    async with pipeline.db.transaction() as session:
        assert await fq.feedback_counts(session) == {"passport": (0, 1), "skck": (1, 1)}


async def test_unanswered_questions_are_counted_for_staff(pipeline: Pipeline) -> None:
    async with pipeline.db.transaction() as session:
        user = await q.user_for(session, "web", "u")
        for text in ["Bisa bawa anak?", "bisa  bawa anak?", "gaji di korea brp"]:
            message, _ = await q.store_inbound(session, user, "web", text, None)
            await fq.log_gap(session, message.id, text, "fallback", "id", ["faq/eligibility"])
    async with pipeline.db.transaction() as session:
        rows = await fq.gap_counts(session, datetime.now(UTC) - timedelta(days=1))
    assert [(question, reason, n) for question, reason, n, _ in rows] == [
        ("bisa bawa anak?", "fallback", 2),
        ("gaji di korea brp", "fallback", 1),
    ]
    assert all(last.tzinfo is not None for *_, last in rows)


async def test_a_name_typed_inside_a_flow_does_not_switch_the_language(
    pipeline: Pipeline,
) -> None:
    chat = Chat(pipeline)
    await chat.send("/family_lost_contact")
    await chat.press("Ya, boleh")
    await chat.send("Asep Sunarya")  # a Sundanese name, in an Indonesian conversation
    assert "Di negara mana" in chat.text()
    async with pipeline.db.transaction() as session:
        user = await session.scalar(select(User))
        assert user is not None and user.language == "id"
