"""What a message is taken to say before the flows see it: a button payload read at once,
typed text as the NLU read it, and a request for a female case worker noticed in either."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace

from flows import Entity, Turn, is_known_intent, parse_payload
from nlu.staff_request import female_staff_requested


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
