"""A message for the case worker on the direct path (`bot.db.direct_rows.relay`): kept as the
ORM path keeps it, the case marked as waiting for the worker, no reply from the bot."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from bot.db import queries as q
from bot.db.engine import Database
from bot.db.models import Case
from bot.render import Renderer
from nlu.langid import LanguageDetector
from tests.bot.db.test_turns import direct_turns, pipeline_on, postgres, rows, send

__all__ = ["postgres"]  # the fixture

TEXTS = ["syarat bikin paspor apa aja", "skck ngurus dimana"]
NUMBER = re.compile(r"\bK\d{4}-\d{4}\b")


async def _with_a_person(db: Database, chat: str) -> None:
    """A case worker takes the user's case, as the console does."""
    async with db.transaction() as session:
        user = await q.user_for(session, "telegram", chat)
        case = await session.scalar(select(Case).where(Case.user_id == user.id))
        assert case is not None
        case.status = "assigned"
        conv = await q.conversation_for(session, user.id)
        conv.mode, conv.flow, conv.state = "human", None, None


async def _case(db: Database, chat: str) -> tuple[str, bool]:
    async with db.transaction() as session:
        user = await q.user_for(session, "telegram", chat)
        case = await session.scalar(select(Case).where(Case.user_id == user.id))
        assert case is not None
        return case.status, case.last_user_at is not None


async def test_a_message_for_the_worker_is_kept_as_the_orm_path_keeps_it(
    postgres: Database,
    detector: LanguageDetector,
    renderer: Renderer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pipeline = pipeline_on(postgres, detector, renderer)
    seen: dict[str, tuple[list[list[str]], dict[str, object], tuple[str, bool]]] = {}
    for chat in ("801", "802"):
        if chat == "802":
            monkeypatch.setattr(postgres, "direct", None)  # all through the ORM
        await send(pipeline, chat, "/start")
        await send(pipeline, chat, "/human_request", f"{chat}-h")
        await _with_a_person(postgres, chat)
        written = direct_turns(monkeypatch)
        answers = [await send(pipeline, chat, text, f"{chat}-{i}") for i, text in enumerate(TEXTS)]
        if chat == "801":
            assert len(written) == len(TEXTS)  # each relayed on the direct path
        seen[chat] = (
            [[m.text for m in a] for a in answers],
            await rows(postgres, chat),
            await _case(postgres, chat),
        )
    one, other = (NUMBER.sub("<case>", json.dumps(seen[c], default=str)) for c in ("801", "802"))
    assert one == other  # the case numbers apart
    answers, _, case = seen["801"]
    assert answers == [[], []] and case == ("assigned", True)  # silent; the case shows the wait
