"""Content and code agree: every key a flow can say exists in every language."""

from __future__ import annotations

from pathlib import Path

from bot.content import Content
from bot.content_check import check_content
from flows import Conversation, Turn, dispatch
from flows.actions import Action, Ask, Say
from flows.faq import State
from flows.menu import FAQ_GROUPS
from nlu.intents import INTENTS
from tests.conftest import ROOT
from tests.flows.booking_store import (
    booking_conversations,
    booking_turns,
    follow_ups,
    seeded_stores,
)
from tests.flows.community_store import (
    community_conversations,
    community_stores,
    community_turns,
)


def _turns(content: Content) -> list[Turn]:
    turns = [
        Turn("x", intent, 0.9, ranking=((intent, 0.9), ("emergency", 0.05))) for intent in INTENTS
    ]
    turns += [Turn("", "menu_faq", 1.0, payload={"group": name}) for name, _ in FAQ_GROUPS]
    turns += [Turn("", "menu_faq", 1.0, payload={})]
    for name, topic in content.faq.items():
        turns += [
            Turn("", "faq_part", 1.0, payload={"topic": name, "part": p}) for p in topic.parts
        ]
        turns += [Turn("", "faq_local", 1.0, payload={"topic": name})]
    turns += [Turn("", i, 1.0) for i in ("empty_message", "no_words")]
    turns += [Turn("x", "nlu_fallback", 0.1, nlu_available=False)]
    return turns


def _conversations(content: Content) -> list[Conversation]:
    convs = [Conversation(), Conversation(misses=1)]
    convs += [Conversation(ltsa=slug) for slug in content.ltsa]
    convs += [
        Conversation(flow="faq", state=State.CHOOSE_LTSA, slots={"topic": t}) for t in content.faq
    ]
    return convs


def _keys(actions: list[Action]) -> set[str]:
    keys: set[str] = set()
    for action in [*actions, *follow_ups(actions)]:
        if isinstance(action, Say | Ask):
            keys.add(action.key)
        if isinstance(action, Ask):
            keys.update(o.label for o in action.options if not o.literal)
    return keys


async def test_every_key_a_flow_can_say_exists_in_every_language(
    content: Content, tmp_path: Path
) -> None:
    said: set[str] = set()
    async with seeded_stores(content, tmp_path) as stores:
        for conv in _conversations(content):
            for turn in _turns(content):
                said |= _keys(await dispatch(turn, conv, stores[0]))
        # booking steps read the database: a user without bookings, one holding bookings, a
        # coordinator; every step, every press and typed answer
        intents = [Turn("x", intent, 0.9) for intent in INTENTS]
        for store in stores:
            for conv in [Conversation(ltsa="ponorogo"), *booking_conversations()]:
                for turn in [*intents, *booking_turns()]:
                    said |= _keys(await dispatch(turn, conv, store))
    # the community flows: a new user, a subscriber, a pending requester, a coordinator
    async with community_stores(content, tmp_path) as stores:
        for store in stores:
            for conv in [Conversation(ltsa="ponorogo"), *community_conversations()]:
                for turn in community_turns():
                    said |= _keys(await dispatch(turn, conv, store))
    assert len(said) > 40
    missing = [
        (lang, key)
        for key in sorted(said)
        for lang in content.languages
        if not content.has(lang, key)
    ]
    assert missing == []


def test_the_content_check_passes() -> None:
    report = check_content(ROOT / "content")
    assert report.errors == []
