"""A button press of someone the service knows is stored and answered in one transaction; a
press whose answer fails is still stored and apologised for; typed text is parsed while it is
stored. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

import bot.pipeline as pipeline_module
from bot import intake
from bot.db import queries as q
from bot.db.models import Conversation, Message, utcnow
from bot.pipeline import Pipeline
from bot.render import Renderer
from nlu.client import Parse
from nlu.langid import LanguageDetector
from tests.helpers import Chat, said


@contextmanager
def transactions(pipeline: Pipeline) -> Iterator[Callable[[], int]]:
    """Counts the transactions begun on the pipeline's database meanwhile, through SQLAlchemy
    or (a press on PostgreSQL) straight through asyncpg."""
    begun: list[int] = []
    direct = pipeline.db.direct
    before = direct.transactions if direct is not None else 0

    def on_begin(_conn: Any) -> None:
        begun.append(1)

    def count() -> int:
        return len(begun) + (direct.transactions - before if direct is not None else 0)

    engine = pipeline.db.engine.sync_engine
    event.listen(engine, "begin", on_begin)
    try:
        yield count
    finally:
        event.remove(engine, "begin", on_begin)


async def inbound(pipeline: Pipeline) -> list[Message]:
    async with pipeline.db.transaction() as session:
        rows = await session.scalars(
            select(Message).where(Message.direction == "in").order_by(Message.id)
        )
        return list(rows)


async def test_a_known_user_s_press_is_stored_and_answered_in_one_transaction(
    pipeline: Pipeline, renderer: Renderer
) -> None:
    chat = Chat(pipeline)
    await chat.send("/start")  # first contact: the user and the conversation are created
    with transactions(pipeline) as begun:
        replies = await chat.press("Tanya prosedur")
    assert begun() == 1
    assert "Syarat & dokumen" in chat.buttons()
    press = (await inbound(pipeline))[-1]
    assert press.handled and press.payload == "/menu_faq" and press.confidence == 1.0
    async with pipeline.db.transaction() as session:
        stored = await q.replies_to(session, press.id)
    assert [m.id for m in stored] == [r.message_id for r in replies]


async def test_a_press_whose_answer_fails_is_kept_and_apologised_for(
    pipeline: Pipeline, renderer: Renderer, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = Chat(pipeline)
    await chat.send("/start")

    async def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("a flow failed")

    monkeypatch.setattr(pipeline_module, "dispatch", broken)
    await chat.send("/menu_faq")
    assert said(renderer, "id", "system.error") in chat.text()
    presses = await inbound(pipeline)
    assert [m.text for m in presses] == ["/start", "/menu_faq"]  # rolled back, stored again
    async with pipeline.db.transaction() as session:
        apology = await q.replies_to(session, presses[-1].id)
    assert [m.text for m in apology] == [r.text for r in chat.last]


async def test_a_redelivered_press_is_answered_once(pipeline: Pipeline) -> None:
    chat = Chat(pipeline)
    await chat.send("/start", message_id="m-1")
    first = await chat.send("/menu_faq", message_id="m-2")
    again = await chat.send("/menu_faq", message_id="m-2")
    assert [m.message_id for m in again] == [m.message_id for m in first]
    assert len(await inbound(pipeline)) == 2


async def test_the_last_inbound_time_is_rewritten_at_most_once_a_minute(
    pipeline: Pipeline,
) -> None:
    async with pipeline.db.transaction() as session:
        user = await q.user_for(session, "whatsapp", "628111")
        recent = utcnow() - timedelta(seconds=20)
        user.last_inbound_at = recent
        await q.store_inbound(session, user, "whatsapp", "halo", None)
        assert user.last_inbound_at == recent  # within the minute: the row is left alone
        user.last_inbound_at = utcnow() - q.INBOUND_EVERY
        message, _ = await q.store_inbound(session, user, "whatsapp", "halo lagi", None)
        assert user.last_inbound_at == message.created_at


class NoticedNlu:
    """An NLU that says when a parse has begun."""

    def __init__(self) -> None:
        self.begun = asyncio.Event()
        self.texts: list[str] = []

    async def parse(self, text: str) -> Parse:
        self.texts.append(text)
        self.begun.set()
        return Parse(text=text, intent="faq/passport", confidence=0.95)


async def test_typed_text_is_parsed_while_it_is_stored(
    pipeline: Pipeline,
    detector: LanguageDetector,
    renderer: Renderer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nlu = NoticedNlu()
    chat = Chat(Pipeline(pipeline.db, nlu, detector, renderer))
    await chat.send("/start")
    storing = q.store_inbound if pipeline.db.direct is None else intake.store_text
    parsed_meanwhile: list[bool] = []

    async def store_waiting_for_the_parse(*args: Any) -> Any:
        try:
            await asyncio.wait_for(nlu.begun.wait(), timeout=5)
            parsed_meanwhile.append(True)
        except TimeoutError:  # the parse waits for the store: it never begins meanwhile
            parsed_meanwhile.append(False)
        return await storing(*args)

    if pipeline.db.direct is None:  # SQLite: the ORM's transaction
        monkeypatch.setattr(q, "store_inbound", store_waiting_for_the_parse)
    else:  # PostgreSQL: the statement after the read of who answers
        monkeypatch.setattr(intake, "store_text", store_waiting_for_the_parse)
    await chat.send("syarat bikin paspor apa aja")
    assert parsed_meanwhile == [True]
    assert said(renderer, "id", "faq.passport.answer") in chat.text()
    texts = [m.text for m in await inbound(pipeline)]
    assert texts == ["/start", "syarat bikin paspor apa aja"]


async def test_a_case_worker_s_chat_never_goes_to_the_nlu(
    pipeline: Pipeline, detector: LanguageDetector, renderer: Renderer
) -> None:
    nlu = NoticedNlu()
    chat = Chat(Pipeline(pipeline.db, nlu, detector, renderer))
    await chat.send("/start")
    async with pipeline.db.transaction() as session:
        conversation = await session.scalar(select(Conversation))
        assert conversation is not None
        conversation.mode = "human"
    await chat.send("bu, sy mau cerita soal majikan sy")
    assert nlu.texts == []
    texts = [m.text for m in await inbound(pipeline)]
    assert texts == ["/start", "bu, sy mau cerita soal majikan sy"]
