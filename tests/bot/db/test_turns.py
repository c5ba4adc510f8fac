"""A turn on PostgreSQL goes straight through asyncpg (`bot.db.turns`): a press, or the answer
to typed text, must write exactly what the ORM path writes (messages, the user, the
conversation, the outbox), answer the same, and leave to the ORM path every turn it does not
cover."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.channels.base import Incoming, Outgoing
from bot.db import turns
from bot.db.engine import Database
from bot.db.models import ContentGap, Conversation, FaqFeedback, Message, Outbox, User
from bot.delivery import Delivery
from bot.pipeline import Pipeline
from bot.ratelimit import Limits
from bot.render import Renderer
from flows import payload
from nlu.client import Parse
from nlu.langid import LanguageDetector
from tests.bot.test_pipeline_press import transactions
from tests.conftest import migrated_postgres

_ids = itertools.count()

# menus, answers and whether they helped, a language change, a group of topics, the language
# offer's yes, back home
PRESSES = [
    "/menu",
    "/menu_faq",
    "/faq/passport",
    payload("faq_feedback", topic="passport", helpful=True),
    payload("faq_feedback", topic="passport", helpful=False),
    payload("change_language", language="jv"),
    payload("menu_faq", group="documents"),
    "/faq/skck",
    "/ask_menu",
    "/menu",
]


# typed text between presses: questions, one in Javanese (the bot offers to switch), one it
# cannot place (a gap for staff)
TEXTS = {
    "syarat bikin paspor apa aja": Parse("", "faq/passport", 0.95),
    "piye carane gawe paspor kanggo nyambut gawe neng luar negeri": Parse("", "faq/passport", 0.9),
    "skck ngurus dimana": Parse("", "faq/skck", 0.93),
    "wkwk gimana ya": Parse("", "nlu_fallback", 0.2, (("faq/passport", 0.2), ("faq/skck", 0.1))),
}
CONVERSATION = [*TEXTS, "/menu", "/menu_faq", "syarat bikin paspor apa aja"]


class StandInNlu:
    """Reads each of TEXTS as its intent, at once."""

    async def parse(self, text: str) -> Parse:
        known = TEXTS[text]
        return Parse(text, known.intent, known.confidence, known.ranking)


class Platform:
    """A platform whose bodies name the stored message (so ids are compared too)."""

    name = "telegram"
    limits = Limits(rate=30, chat_rate=1, chat_burst=3)

    def recipient(self, user: User) -> str:
        return user.channel_user_id

    def bodies(self, message: Outgoing, language: str) -> list[dict[str, Any]]:
        parts = [{"text": message.text}, {"message": message.message_id, "lang": language}]
        return parts if message.buttons else parts[:1]

    def window_open(self, last_inbound_at: datetime | None) -> bool:
        return True

    def notice(self, kind: str, language: str) -> None:
        return None

    async def send(self, recipient: str, body: Mapping[str, Any]) -> str:
        raise AssertionError("nothing is sent in these tests")


@pytest.fixture
async def postgres() -> AsyncIterator[Database]:
    async with migrated_postgres() as db:
        yield db


def pipeline_on(db: Database, detector: LanguageDetector, renderer: Renderer) -> Pipeline:
    delivery = Delivery({"telegram": Platform()})
    return Pipeline(db, StandInNlu(), detector, renderer, outbox=delivery)


@contextmanager
def orm_transactions(db: Database) -> Iterator[list[int]]:
    """The transactions begun through SQLAlchemy meanwhile (one item each)."""
    begun: list[int] = []

    def on_begin(_conn: Any) -> None:
        begun.append(1)

    event.listen(db.engine.sync_engine, "begin", on_begin)
    try:
        yield begun
    finally:
        event.remove(db.engine.sync_engine, "begin", on_begin)


def direct_turns(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids of the messages answered on the direct path from now on."""
    written: list[int] = []
    finish = turns.finish

    async def counted(tx: Any, state: turns.TurnState, *args: Any) -> Any:
        written.append(state.message_id)
        return await finish(tx, state, *args)

    monkeypatch.setattr(turns, "finish", counted)
    return written


async def send(
    pipeline: Pipeline, chat: str, text: str, message_id: str | None = None
) -> list[Outgoing]:
    return await pipeline.handle(Incoming("telegram", chat, text, message_id))


async def talk(
    pipeline: Pipeline, chat: str, presses: list[str], first: str = "/start"
) -> list[list[Outgoing]]:
    answers = [await send(pipeline, chat, first)]
    for text in presses:
        answers.append(await send(pipeline, chat, text, f"m{next(_ids)}"))
    return answers


async def same_on_the_orm_path(
    pipeline: Pipeline,
    monkeypatch: pytest.MonkeyPatch,
    chat: str,
    direct: list[list[Outgoing]],
    said: list[str],
    first: str = "/start",
) -> dict[str, Any]:
    """Says the same again as another user with the direct path off (everything through the
    ORM); checks that the answers and every stored row are the same as `chat`'s. `chat`'s rows."""
    monkeypatch.setattr(pipeline.db, "direct", None)
    orm = await talk(pipeline, f"9{chat}", said, first)

    def shown(answers: list[list[Outgoing]]) -> list[list[tuple[str, tuple[Any, ...], str]]]:
        return [[(m.text, m.buttons, m.sender) for m in answer] for answer in answers]

    assert shown(direct) == shown(orm)
    one, other = await rows(pipeline.db, chat), await rows(pipeline.db, f"9{chat}")
    assert one == other
    return one


async def rows(db: Database, chat: str) -> dict[str, Any]:
    """Everything stored for a chat, ids replaced by their position."""
    async with db.transaction() as session:
        user = await session.scalar(select(User).where(User.channel_user_id == chat))
        assert user is not None
        conv = await session.scalar(select(Conversation).where(Conversation.user_id == user.id))
        messages = list(
            await session.scalars(
                select(Message).where(Message.user_id == user.id).order_by(Message.id)
            )
        )
        outbox = list(
            await session.scalars(
                select(Outbox).where(Outbox.user_id == user.id).order_by(Outbox.id)
            )
        )
        gaps = list(
            await session.scalars(
                select(ContentGap)
                .where(ContentGap.message_id.in_([m.id for m in messages]))
                .order_by(ContentGap.id)
            )
        )
        said = list(
            await session.scalars(
                select(FaqFeedback).where(FaqFeedback.user_id == user.id).order_by(FaqFeedback.id)
            )
        )
    position = {m.id: i for i, m in enumerate(messages)}
    skip = {"id", "user_id", "channel_user_id"}  # and the times, below
    skip |= {"created_at", "updated_at", "last_seen_at", "next_attempt_at"}

    def columns(row: Any) -> dict[str, Any]:
        return {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key not in skip}

    def message(m: Message) -> dict[str, Any]:
        values = columns(m)
        values["reply_to_id"] = position.get(m.reply_to_id) if m.reply_to_id else None
        values["dedupe_key"] = m.dedupe_key is not None
        return values

    def queued(o: Outbox) -> dict[str, Any]:
        values = columns(o) | {"message_id": position[o.message_id], "recipient": None}
        if "message" in o.body:
            values["body"] = {**o.body, "message": position[o.body["message"]]}
        return values

    assert conv is not None
    user_values = columns(user)
    user_values["last_inbound_at"] = user.last_inbound_at is not None
    return {
        "user": user_values,
        "conversation": columns(conv),
        "messages": [message(m) for m in messages],
        "outbox": [queued(o) for o in outbox],
        "gaps": [columns(g) | {"message_id": position[g.message_id]} for g in gaps],
        "feedback": [columns(f) for f in said],
    }


@pytest.mark.parametrize(
    ("said", "direct_ones"),
    # every turn, the first contact ("/start") too
    [(PRESSES, 1 + len(PRESSES)), (CONVERSATION, 1 + len(CONVERSATION))],
    ids=["presses", "typed text"],
)
async def test_a_turn_writes_what_the_orm_path_writes(
    postgres: Database,
    detector: LanguageDetector,
    renderer: Renderer,
    monkeypatch: pytest.MonkeyPatch,
    said: list[str],
    direct_ones: int,
) -> None:
    pipeline = pipeline_on(postgres, detector, renderer)
    written = direct_turns(monkeypatch)
    direct = await talk(pipeline, "101", said)
    assert len(written) == direct_ones
    one = await same_on_the_orm_path(pipeline, monkeypatch, "101", direct, said)
    assert len(one["outbox"]) > len(said)  # every reply queued for the platform
    # the gap for staff from the text it could not place; the two "helpful?" presses
    assert (len(one["gaps"]), len(one["feedback"])) == ((1, 0) if said is CONVERSATION else (0, 2))


async def test_replies_beyond_the_ids_taken_at_the_start_are_given_more(
    postgres: Database,
    detector: LanguageDetector,
    renderer: Renderer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pipeline = pipeline_on(postgres, detector, renderer)
    finish = turns.finish
    short: list[int] = []

    async def without_spare(tx: Any, state: turns.TurnState, *args: Any) -> Any:
        short.append(len(state.spare))
        state.spare = state.spare[:0]  # as a turn with more replies than SPARE
        return await finish(tx, state, *args)

    monkeypatch.setattr(turns, "finish", without_spare)
    direct = await talk(pipeline, "141", PRESSES)
    assert short == [turns.SPARE] * (1 + len(PRESSES))
    await same_on_the_orm_path(pipeline, monkeypatch, "141", direct, PRESSES)


@pytest.mark.parametrize(
    "first", ["/menu", "syarat bikin paspor apa aja"], ids=["a press", "typed text"]
)
async def test_a_first_contact_is_created_and_answered_as_the_orm_path_does(
    postgres: Database,
    detector: LanguageDetector,
    renderer: Renderer,
    monkeypatch: pytest.MonkeyPatch,
    first: str,
) -> None:
    pipeline = pipeline_on(postgres, detector, renderer)
    assert postgres.direct is not None
    written = direct_turns(monkeypatch)
    with orm_transactions(postgres) as begun:
        direct = await talk(pipeline, "121", ["/menu_faq"], first=first)
    assert len(written) == 2 and not begun  # no transaction through the ORM
    await same_on_the_orm_path(pipeline, monkeypatch, "121", direct, ["/menu_faq"], first)


async def test_the_first_messages_of_someone_new_at_once_make_one_user(
    postgres: Database, detector: LanguageDetector, renderer: Renderer
) -> None:
    pipeline = pipeline_on(postgres, detector, renderer)
    said = ["/menu", "syarat bikin paspor apa aja", "/menu_faq", "skck ngurus dimana"]
    answers = await asyncio.gather(
        *(send(pipeline, "131", text, f"n{i}") for i, text in enumerate(said))
    )
    assert all(answers)
    async with postgres.transaction() as session:
        users = list(await session.scalars(select(User).where(User.channel_user_id == "131")))
        assert len(users) == 1
        convs = await session.scalars(
            select(Conversation).where(Conversation.user_id == users[0].id)
        )
        assert len(list(convs)) == 1
    state = await rows(postgres, "131")
    assert sum(m["direction"] == "in" for m in state["messages"]) == len(said)
    assert all(m["handled"] for m in state["messages"])


async def test_the_offers_and_choices_of_a_language_are_kept(
    postgres: Database, detector: LanguageDetector, renderer: Renderer
) -> None:
    pipeline = pipeline_on(postgres, detector, renderer)
    javanese = "piye carane gawe paspor kanggo nyambut gawe neng luar negeri"
    await talk(pipeline, "111", ["syarat bikin paspor apa aja", javanese])
    state = await rows(postgres, "111")
    assert state["user"]["language"] == "id"
    assert state["conversation"]["slots"].get("_offered") == "jv"  # a JSON column written back
    await talk(pipeline, "111", PRESSES)
    user = (await rows(postgres, "111"))["user"]
    assert (user["language"], user["language_source"]) == ("jv", "explicit")


async def test_the_direct_path_leaves_other_turns_to_the_orm(
    postgres: Database, detector: LanguageDetector, renderer: Renderer
) -> None:
    pipeline = pipeline_on(postgres, detector, renderer)
    assert postgres.direct is not None
    await send(pipeline, "303", "/start")
    first = await send(pipeline, "303", "/menu_faq", "m1")
    again = await send(pipeline, "303", "/menu_faq", "m1")  # a redelivery: from the store
    assert [m.message_id for m in again] == [m.message_id for m in first]
    # a turn that reads the booking tables: rolled back, answered by the ORM path
    booked = await send(pipeline, "303", payload("book_opp"), "m2")
    assert booked and booked[0].message_id is not None
    state = await rows(postgres, "303")
    assert [m["payload"] for m in state["messages"] if m["direction"] == "in"] == [
        "/start",
        "/menu_faq",
        "/book_opp",
    ]
    assert all(m["handled"] for m in state["messages"])


async def test_presses_of_one_user_at_once_are_each_answered(
    postgres: Database, detector: LanguageDetector, renderer: Renderer
) -> None:
    pipeline = pipeline_on(postgres, detector, renderer)
    await send(pipeline, "404", "/start")
    answers = await asyncio.gather(
        *(send(pipeline, "404", text, f"c{i}") for i, text in enumerate(PRESSES))
    )
    assert all(answers)
    state = await rows(postgres, "404")
    messages = state["messages"]
    presses = {i for i, m in enumerate(messages) if m["direction"] == "in"}
    assert len(presses) == 1 + len(PRESSES)
    assert all(messages[i]["handled"] for i in presses)
    # each press has its own answer, none was answered twice
    assert {m["reply_to_id"] for m in messages if m["direction"] == "out"} == presses
    assert len(state["outbox"]) >= len(messages) - len(presses)


async def test_an_intent_that_needed_the_orm_goes_there_at_once_next_time(
    postgres: Database, detector: LanguageDetector, renderer: Renderer
) -> None:
    pipeline = pipeline_on(postgres, detector, renderer)
    assert postgres.direct is not None
    await send(pipeline, "505", "/start")
    book = payload("book_desk", ltsa="blitar", desk="imigrasi")  # its open days: ORM
    first = await send(pipeline, "505", book, "b1")
    before = postgres.direct.transactions
    again = await send(pipeline, "505", book, "b2")
    assert postgres.direct.transactions == before  # no direct attempt rolled back this time
    assert [m.text for m in again] == [m.text for m in first]
    with transactions(pipeline) as begun:  # other intents still take the direct path
        await send(pipeline, "505", "/menu", "b3")
    assert begun() == 1 and postgres.direct.transactions == before + 1


def test_an_intent_is_tried_on_the_direct_path_again_now_and_then() -> None:
    memory = turns.OrmTurns(retry=4)
    assert memory.direct("book_opp")
    memory.needed("book_opp")
    assert [memory.direct("book_opp") for _ in range(8)] == [False, False, False, True] * 2
    memory.sufficed("book_opp")  # the retry went through: forgotten
    assert memory.direct("book_opp") and memory.direct("menu")
