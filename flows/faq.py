"""Procedure questions (`faq/<topic>`).

The user asks a procedure question; the bot answers at once with the national answer, its
source and buttons for the deeper parts ("Dokumen apa saja?", "Di mana mengurusnya?"), then
asks whether the answer helped (see `flows.feedback`). When
the user's LTSA has its own rule for the topic (e.g. Ponorogo's commitment letter for a passport
recommendation) the rule follows the national answer. The LTSA is asked only when the answer
depends on it (address, hours, desks) or when the user asks for their local rule; an LTSA named
in the message answers that question.

```mermaid
flowchart LR
    q[faq/topic] -->|needs LTSA, unknown| ask[which LTSA?] --> a
    q --> a[answer + local rule + source + buttons]
    a -->|part button| p[deeper part + buttons]
    a -->|my LTSA's rule| ask
```
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from flows.actions import Action, Ask, EndFlow, Goto, LogGap, Option, Say, SetLtsa, SetSlot
from flows.feedback import feedback_question
from flows.menu import intent_label
from flows.payload import payload
from flows.store import FaqTopic, FlowStore
from flows.turn import Conversation, Turn


class State(StrEnum):
    CHOOSE_LTSA = "choose_ltsa"


# Topics after which a family can report its case (flows.family).
FAMILY_REPORTS = {"death_repatriation": "death", "sick_stranded_abroad": "sick"}


def validate_ltsa(turn: Turn, store: FlowStore) -> str | None:
    """The LTSA named in the message or chosen with a button, as a slug."""
    named = turn.entity("ltsa")
    return store.ltsa_slug(named) if named else None


def ask_ltsa(store: FlowStore, topic: str) -> list[Action]:
    """Asks which LTSA the user belongs to, to answer `topic` for it."""
    options = tuple(
        Option(name, payload("faq_local", topic=topic, ltsa=slug), literal=True)
        for slug, name in store.ltsas()
    )
    return [
        Goto(FaqFlow.name, State.CHOOSE_LTSA),
        SetSlot("topic", topic),
        Ask("faq.ask_ltsa", options),
    ]


def answer(
    topic: FaqTopic, ltsa: str | None, store: FlowStore, shown: str = "answer"
) -> list[Action]:
    """The answer (or one deeper part), the LTSA's own rule, the source, and what next."""
    name = topic.name
    params = {"ltsa": ltsa} if ltsa else {}
    key = f"faq.{name}.answer" if shown == "answer" else f"faq.{name}.parts.{shown}.text"
    actions: list[Action] = [Say(key, params)]
    if shown == "answer" and ltsa and store.local_rule(ltsa, name):
        actions.append(Say(f"ltsa.{ltsa}.rules.{name}"))
    actions.append(Say("faq.source", {"source": topic.source, "verified": topic.verified}))
    options = [
        Option(f"faq.{name}.parts.{part}.label", payload("faq_part", topic=name, part=part))
        for part in topic.parts
        if part != shown
    ]
    if ltsa is None and store.has_local_rules(name):
        options.append(Option("faq.my_ltsa", payload("faq_local", topic=name)))
    if name in FAMILY_REPORTS:
        options.insert(
            0, Option("family.report", payload("family_report", kind=FAMILY_REPORTS[name]))
        )
    options.append(Option("menu.faq", payload("menu_faq")))
    options.append(Option("menu.main", payload("ask_menu")))
    actions.append(Ask("faq.more", tuple(options)))
    if shown == "answer":
        actions.append(feedback_question(name))
    return actions


def unknown_topic(turn: Turn) -> list[Action]:
    """Says honestly that the content has no answer, offers near topics and a person."""
    nearest = turn.nearest_topics()
    options = tuple(Option(intent_label(i), payload(i)) for i in nearest)
    return [
        EndFlow(),
        LogGap("no_content", nearest),
        Ask("faq.unknown", (*options, Option("menu.human", payload("human_request")))),
    ]


class FaqFlow:
    """Answers procedure questions, with the user's LTSA rules where they exist."""

    name: ClassVar[str] = "faq"

    def handles(self, intent: str) -> bool:
        return intent.startswith("faq/") or intent in {"faq_part", "faq_local"}

    async def start(self, turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
        """Answers the topic asked (or a deeper part of it)."""
        if turn.intent in {"faq_part", "faq_local"}:
            name = turn.entity("topic") or ""
        else:
            name = (turn.intent or "").removeprefix("faq/")
        topic = store.faq_topic(name)
        if topic is None:
            return unknown_topic(turn)
        if turn.intent == "faq_part":
            part = turn.entity("part") or ""
            if part not in topic.parts:
                return [EndFlow(), *answer(topic, conv.ltsa, store)]
            return [EndFlow(), *answer(topic, conv.ltsa, store, shown=part)]
        named = validate_ltsa(turn, store)
        ltsa = named or conv.ltsa
        if turn.intent == "faq_local" and named is None:
            return ask_ltsa(store, topic.name)
        if topic.needs_ltsa and ltsa is None:
            return ask_ltsa(store, topic.name)
        actions: list[Action] = [EndFlow()]
        if named:
            actions.append(SetLtsa(named))
        return actions + answer(topic, ltsa, store)

    async def resume(
        self, turn: Turn, conv: Conversation, store: FlowStore
    ) -> list[Action] | None:
        """Takes the LTSA the user named and answers the waiting topic for it."""
        if conv.state != State.CHOOSE_LTSA:
            return None
        ltsa = validate_ltsa(turn, store)
        topic = store.faq_topic(str(conv.slots.get("topic", "")))
        if ltsa is None or topic is None:
            return None
        return [EndFlow(), SetLtsa(ltsa), *answer(topic, ltsa, store)]


__all__ = ["FaqFlow"]
