"""When the bot did not understand.

Every miss is logged for staff as a content gap (`ltsa content gaps`).
First miss: the bot says so and offers the two likeliest topics as buttons (a protection topic
among them is always kept), plus "something else". Second miss in a row: it offers a person;
the button, or a typed "yes", hands the conversation over (a "no" shows the menu).
When the NLU is down, the bot says it understands buttons only for now and shows the menu.

```mermaid
flowchart LR
    m1[1st miss] --> clarify[two likeliest topics + menu]
    m2[2nd miss in a row] --> offer{offer a person}
    offer -->|yes| handoff[case opened]
    offer -->|no| menu
```
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from flows.actions import Action, Ask, CountMiss, EndFlow, Goto, HandOff, LogGap, Option
from flows.base import PROTECTION_INTENTS
from flows.handoff import requested
from flows.menu import intent_label, main_menu
from flows.payload import payload
from flows.store import FlowStore
from flows.turn import Conversation, Turn

# Intents that make no sense as a "did you mean" button.
_NOT_OFFERED = frozenset(
    {"affirm", "deny", "greet", "goodbye", "thanks", "out_of_scope", "nlu_fallback"}
)


def likeliest(turn: Turn, n: int = 2) -> tuple[str, ...]:
    """The n likeliest intents worth offering; a protection intent in the top n always stays."""
    ranked = [intent for intent, _ in turn.ranking if intent not in _NOT_OFFERED]
    top = ranked[:n]
    protection = [i for i in turn.ranking[:n] if i[0] in PROTECTION_INTENTS]
    for intent, _ in protection:
        if intent not in top:
            top = [*top[: n - 1], intent]
    return tuple(top)


class State(StrEnum):
    OFFERED_HUMAN = "offered_human"


def offer_human(key: str, reason: str) -> Ask:
    """Offers a person (the button hands over with `reason`) or the menu."""
    return Ask(
        key,
        (
            Option("menu.human", payload("human_request", reason=reason)),
            Option("menu.main", payload("ask_menu")),
        ),
    )


def accept_offer(turn: Turn, reason: str) -> list[Action] | None:
    """A typed "yes" to the offered person hands over; "no" shows the menu; else None."""
    if turn.intent == "affirm":
        return [EndFlow(), HandOff(reason), *requested()]
    if turn.intent == "deny":
        return [EndFlow(), main_menu()]
    return None


class FallbackFlow:
    """Clarifies with the two likeliest topics, then offers a person."""

    name: ClassVar[str] = "fallback"

    def handles(self, intent: str) -> bool:
        return intent == "nlu_fallback"

    async def start(self, turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
        """Offers the likeliest topics on a first miss and a person on the second."""
        if not turn.nlu_available:
            return [EndFlow(), main_menu("fallback.nlu_down")]
        nearest = turn.nearest_topics()
        if conv.misses >= 1:
            return [
                Goto(FallbackFlow.name, State.OFFERED_HUMAN),
                CountMiss(),
                LogGap("fallback", nearest),
                offer_human("fallback.offer_human", "fallback_twice"),
            ]
        options = tuple(Option(intent_label(i), payload(i)) for i in likeliest(turn))
        return [
            EndFlow(),
            CountMiss(),
            LogGap("fallback", nearest),
            Ask("fallback.clarify", (*options, Option("fallback.other", payload("ask_menu")))),
        ]

    async def resume(
        self, turn: Turn, conv: Conversation, store: FlowStore
    ) -> list[Action] | None:
        """Takes a typed "yes" / "no" to the offered person."""
        if conv.state != State.OFFERED_HUMAN:
            return None
        return accept_offer(turn, "fallback_twice")
