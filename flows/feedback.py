"""Whether an answer helped.

After a procedure answer the bot asks "Membantu / Kurang membantu?". "Membantu" is thanked and
counted. "Kurang membantu" is counted, and the bot offers the topics and a person; the second
"kurang" in a row offers a person first, because the bot has failed this user twice — its
button, or a typed "yes", hands the conversation over.

```mermaid
flowchart LR
    answer --> q{helpful?}
    q -->|membantu| thanks[thanks, count]
    q -->|kurang, 1st| sorry[sorry + topics + person]
    q -->|kurang, 2nd in a row| person{offer a person}
    person -->|yes| handoff[case opened]
```
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from flows.actions import Action, Ask, EndFlow, Goto, Option, RecordFeedback, Say, SetSlot
from flows.fallback import accept_offer, offer_human
from flows.menu import main_menu
from flows.payload import payload
from flows.store import FlowStore
from flows.turn import Conversation, Turn

# Consecutive "not helpful" presses; kept across flows (slots starting with "_" survive EndFlow).
UNHELPFUL = "_unhelpful"


def feedback_question(topic: str) -> Ask:
    """The "did this help?" question after the answer on `topic`."""
    return Ask(
        "feedback.ask",
        (
            Option("feedback.yes", payload("faq_feedback", topic=topic, helpful=True)),
            Option("feedback.no", payload("faq_feedback", topic=topic, helpful=False)),
        ),
    )


def validate_helpful(turn: Turn) -> bool | None:
    """True or False from the pressed button; None when the payload has no answer."""
    value = (turn.payload or {}).get("helpful")
    return value if isinstance(value, bool) else None


class State(StrEnum):
    OFFERED_HUMAN = "offered_human"


class FeedbackFlow:
    """Counts "helpful / not helpful" and offers a person after two misses in a row."""

    name: ClassVar[str] = "feedback"

    def handles(self, intent: str) -> bool:
        return intent == "faq_feedback"

    async def start(self, turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
        """Records the press; thanks, or apologises and offers help."""
        helpful = validate_helpful(turn)
        topic = turn.entity("topic") or ""
        if helpful is None or store.faq_topic(topic) is None:
            return [EndFlow(), main_menu()]
        if helpful:
            return [RecordFeedback(topic, True), SetSlot(UNHELPFUL, 0), Say("feedback.thanks")]
        misses = int(conv.slots.get(UNHELPFUL, 0) or 0) + 1
        person = Option("menu.human", payload("human_request"))
        if misses >= 2:
            return [
                Goto(FeedbackFlow.name, State.OFFERED_HUMAN),
                RecordFeedback(topic, False),
                SetSlot(UNHELPFUL, 0),
                offer_human("feedback.offer_human", "unhelpful_twice"),
            ]
        return [
            EndFlow(),
            RecordFeedback(topic, False),
            SetSlot(UNHELPFUL, misses),
            Ask("feedback.sorry", (Option("menu.faq", payload("menu_faq")), person)),
        ]

    async def resume(
        self, turn: Turn, conv: Conversation, store: FlowStore
    ) -> list[Action] | None:
        """Takes a typed "yes" / "no" to the offered person."""
        if conv.state != State.OFFERED_HUMAN:
            return None
        return accept_offer(turn, "unhelpful_twice")
