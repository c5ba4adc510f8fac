"""What a message is taken to say before the flows see it: a button payload read at once,
typed text as the NLU read it, and a request for a female case worker noticed in either."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import Protocol

from bot.metrics import stage
from bot.text import nlu_text
from flows import Entity, Turn, is_known_intent, parse_payload
from nlu.client import NluUnavailable, Parse
from nlu.danger import danger_match
from nlu.staff_request import female_staff_requested


class Parser(Protocol):
    """What understanding typed text needs of the NLU."""

    async def parse(self, text: str) -> Parse: ...


@dataclass(frozen=True)
class Understood:
    turn: Turn
    payload: str | None


def pressed_button(text: str) -> Understood | None:
    """The Turn of a button payload or command of a known intent (None for typed text)."""
    parsed = parse_payload(text)
    if parsed is None or not is_known_intent(parsed[0]):
        return None
    intent, params = parsed
    return Understood(Turn(text=text, intent=intent, confidence=1.0, payload=params), text.strip())


def drop(tasks: list[asyncio.Task[Understood]]) -> None:
    """Cancels parses whose result is no longer wanted (one that already failed has its
    error collected, so that it is not reported as never retrieved)."""
    for task in tasks:
        if not task.done():
            task.cancel()
        elif not task.cancelled():
            task.exception()


def with_staff_preference(understood: Understood) -> Understood:
    """Typed text asking for a female case worker carries `staff_gender: female`; when the
    NLU had nothing better (down, unsure, a plain request) it is a request for a person."""
    turn = understood.turn
    if turn.is_button or turn.intent is None or not female_staff_requested(turn.text):
        return understood
    entities = (*turn.entities, Entity("staff_gender", "female"))
    if turn.intent in {"human_request", "nlu_fallback", "out_of_scope"}:
        turn = replace(turn, intent="human_request", confidence=1.0, nlu_available=True)
    return Understood(replace(turn, entities=entities), understood.payload)


async def understand(nlu: Parser, text: str, *, interpret: bool = True) -> Understood:
    """A Turn from a button payload or command, or from the NLU (degraded when it is down);
    `interpret=False`: typed text is not interpreted (a case worker reads it)."""
    pressed = pressed_button(text)
    if pressed is not None:
        return pressed
    if not interpret:
        # a cry for help is still recognised (the lexicon is local and cheap): the worker's
        # case becomes urgent and the user gets the lines at once
        danger = "emergency" if danger_match(text) else None
        return Understood(Turn(text=text, intent=danger, nlu_available=False), None)
    clean = nlu_text(text)
    if not any(ch.isalnum() for ch in clean):
        intent = "empty_message" if not clean else "no_words"
        return Understood(Turn(text=text, intent=intent, confidence=1.0), None)
    try:
        with stage("nlu"):
            parse = await nlu.parse(clean)
    except NluUnavailable:
        return Understood(Turn(text=text, intent="nlu_fallback", nlu_available=False), None)
    turn = Turn(
        text=text,
        intent=parse.intent,
        confidence=parse.confidence,
        ranking=parse.ranking,
        entities=tuple(Entity(e.entity, e.value) for e in parse.entities),
    )
    return Understood(turn, None)
