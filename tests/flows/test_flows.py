"""Flows as transcripts of actions: what the bot decides for each understood message."""

from __future__ import annotations

import pytest

from bot.content import Content
from bot.flowstore import ContentStore
from flows import Conversation, Entity, Turn, dispatch
from flows.actions import (
    CountMiss,
    EndFlow,
    Goto,
    HandOff,
    LogGap,
    RecordFeedback,
    Say,
    SetLanguage,
    SetLtsa,
    SetSlot,
)
from flows.faq import State
from flows.store import FaqTopic
from tests.flows.said import keys, payloads


@pytest.fixture
def store(content: Content) -> ContentStore:
    return ContentStore(content)


async def test_greeting_welcomes_with_the_menu(store: ContentStore) -> None:
    actions = await dispatch(Turn("halo", "greet", 0.9), Conversation(), store)
    assert keys(actions) == ["greeting.hello", "menu.prompt"]
    assert payloads(actions) == ["/menu_faq", "/human_request", "/change_language"]


async def test_faq_answers_with_source_parts_and_next_steps(store: ContentStore) -> None:
    actions = await dispatch(Turn("paspor gmn", "faq/passport", 0.9), Conversation(), store)
    assert keys(actions) == ["faq.passport.answer", "faq.source", "faq.more", "feedback.ask"]
    source = next(a for a in actions if isinstance(a, Say) and a.key == "faq.source")
    assert "UU 18/2017" in source.params["source"]
    assert '/faq_part{"topic":"passport","part":"documents"}' in payloads(actions)
    assert '/faq_local{"topic":"passport"}' in payloads(actions), "a local rule exists somewhere"


async def test_an_ltsa_named_in_the_question_answers_with_its_local_rule(
    store: ContentStore,
) -> None:
    turn = Turn("paspor di ponorogo", "faq/passport", 0.9, entities=(Entity("ltsa", "Ponorogo"),))
    actions = await dispatch(turn, Conversation(), store)
    assert SetLtsa("ponorogo") in actions
    assert keys(actions) == [
        "faq.passport.answer",
        "ltsa.ponorogo.rules.passport",
        "faq.source",
        "faq.more",
        "feedback.ask",
    ]


async def test_a_remembered_ltsa_gets_its_local_rule(store: ContentStore) -> None:
    actions = await dispatch(Turn("", "faq/passport", 0.9), Conversation(ltsa="ponorogo"), store)
    assert "ltsa.ponorogo.rules.passport" in keys(actions)


async def test_asking_for_the_local_rule_asks_the_ltsa_then_answers(store: ContentStore) -> None:
    first = await dispatch(
        Turn("/faq_local", "faq_local", 1.0, payload={"topic": "passport"}), Conversation(), store
    )
    assert Goto("faq", State.CHOOSE_LTSA) in first
    assert keys(first) == ["faq.ask_ltsa"]
    assert '/faq_local{"topic":"passport","ltsa":"ponorogo"}' in payloads(first)
    waiting = Conversation(flow="faq", state=State.CHOOSE_LTSA, slots={"topic": "passport"})
    typed = Turn("ponorogo", "nlu_fallback", 0.1, entities=(Entity("ltsa", "Ponorogo"),))
    second = await dispatch(typed, waiting, store)
    assert SetLtsa("ponorogo") in second
    assert "ltsa.ponorogo.rules.passport" in keys(second)


async def test_a_deeper_part_is_shown_with_the_other_parts_as_buttons(store: ContentStore) -> None:
    turn = Turn("", "faq_part", 1.0, payload={"topic": "passport", "part": "where"})
    actions = await dispatch(turn, Conversation(), store)
    assert keys(actions)[0] == "faq.passport.parts.where.text"
    assert '/faq_part{"topic":"passport","part":"documents"}' in payloads(actions)
    assert '/faq_part{"topic":"passport","part":"where"}' not in payloads(actions)


class _NoAnswers(ContentStore):
    def faq_topic(self, name: str) -> FaqTopic | None:
        return None


async def test_a_topic_without_content_is_logged_and_offers_a_person(content: Content) -> None:
    turn = Turn(
        "x", "faq/remittance", 0.8, ranking=(("faq/remittance", 0.8), ("faq/bpjs_claim", 0.1))
    )
    actions = await dispatch(turn, Conversation(), _NoAnswers(content))
    assert any(isinstance(a, LogGap) for a in actions)
    assert keys(actions) == ["faq.unknown"]
    assert "/human_request" in payloads(actions)


async def test_first_miss_clarifies_with_the_two_likeliest_topics(store: ContentStore) -> None:
    ranking = (("faq/skck", 0.3), ("faq/passport", 0.25), ("greet", 0.2))
    actions = await dispatch(
        Turn("??", "nlu_fallback", 0.3, ranking=ranking), Conversation(), store
    )
    assert CountMiss() in actions
    assert keys(actions) == ["fallback.clarify"]
    assert payloads(actions) == ["/faq/skck", "/faq/passport", "/ask_menu"]


async def test_a_protection_intent_in_the_top_two_is_always_offered(store: ContentStore) -> None:
    ranking = (("greet", 0.3), ("emergency", 0.25), ("faq/skck", 0.2), ("faq/passport", 0.1))
    actions = await dispatch(
        Turn("??", "nlu_fallback", 0.3, ranking=ranking), Conversation(), store
    )
    assert "/emergency" in payloads(actions)


async def test_second_miss_in_a_row_offers_a_person(store: ContentStore) -> None:
    actions = await dispatch(Turn("??", "nlu_fallback", 0.2), Conversation(misses=1), store)
    assert keys(actions) == ["fallback.offer_human"]
    assert payloads(actions) == ['/human_request{"reason":"fallback_twice"}', "/ask_menu"]


async def test_nlu_down_says_so_and_shows_the_menu(store: ContentStore) -> None:
    actions = await dispatch(
        Turn("halo", "nlu_fallback", nlu_available=False), Conversation(), store
    )
    assert keys(actions) == ["fallback.nlu_down"]
    assert "/menu_faq" in payloads(actions)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("pakai basa jawa", "jv"),
        ("basa sunda wae", "su"),
        ("bhasa madura", "mad"),
        ("bahasa indonesia aja", "id"),
    ],
)
async def test_a_named_language_is_set_at_once(
    store: ContentStore, text: str, language: str
) -> None:
    actions = await dispatch(Turn(text, "change_language", 0.9), Conversation(), store)
    assert SetLanguage(language) in actions
    assert keys(actions) == ["language.changed", "menu.prompt"]


async def test_an_unnamed_language_is_asked_with_four_buttons(store: ContentStore) -> None:
    actions = await dispatch(Turn("ganti bahasa", "change_language", 0.9), Conversation(), store)
    assert keys(actions) == ["language.choose"]
    assert len(payloads(actions)) == 4


async def test_asking_for_a_person_opens_a_case(store: ContentStore) -> None:
    actions = await dispatch(
        Turn("mau ngomong sama orang", "human_request", 0.9), Conversation(), store
    )
    assert HandOff("user_request") in actions
    assert keys(actions) == ["handoff.requested", "handoff.female_offer"]


async def test_a_menu_button_interrupts_an_active_flow(store: ContentStore) -> None:
    waiting = Conversation(flow="faq", state=State.CHOOSE_LTSA, slots={"topic": "passport"})
    actions = await dispatch(Turn("/menu", "ask_menu", 1.0, payload={}), waiting, store)
    assert EndFlow() in actions
    assert keys(actions) == ["menu.prompt"]


@pytest.mark.parametrize("intent", ["empty_message", "no_words"])
async def test_messages_without_words_get_a_clear_answer(store: ContentStore, intent: str) -> None:
    actions = await dispatch(Turn("", intent, 1.0), Conversation(), store)
    assert keys(actions) == ["system.empty" if intent == "empty_message" else "system.no_words"]


async def test_helpful_feedback_is_recorded_and_thanked(store: ContentStore) -> None:
    turn = Turn("", "faq_feedback", 1.0, payload={"topic": "passport", "helpful": True})
    actions = await dispatch(turn, Conversation(slots={"_unhelpful": 1}), store)
    assert RecordFeedback("passport", True) in actions
    assert SetSlot("_unhelpful", 0) in actions, "a helpful answer ends the run of misses"
    assert keys(actions) == ["feedback.thanks"]


async def test_not_helpful_twice_in_a_row_offers_a_person(store: ContentStore) -> None:
    turn = Turn("", "faq_feedback", 1.0, payload={"topic": "skck", "helpful": False})
    first = await dispatch(turn, Conversation(), store)
    assert RecordFeedback("skck", False) in first
    assert keys(first) == ["feedback.sorry"]
    assert SetSlot("_unhelpful", 1) in first
    second = await dispatch(turn, Conversation(slots={"_unhelpful": 1}), store)
    assert keys(second) == ["feedback.offer_human"]
    assert '/human_request{"reason":"unhelpful_twice"}' in payloads(second)


async def test_feedback_on_an_unknown_topic_is_not_counted(store: ContentStore) -> None:
    turn = Turn("", "faq_feedback", 1.0, payload={"topic": "nope", "helpful": False})
    actions = await dispatch(turn, Conversation(), store)
    assert not any(isinstance(a, RecordFeedback) for a in actions)
    assert keys(actions) == ["menu.prompt"]


async def test_questions_outside_the_service_are_logged_for_staff(store: ContentStore) -> None:
    turn = Turn("resep rendang", "out_of_scope", 0.8, ranking=(("faq/remittance", 0.1),))
    actions = await dispatch(turn, Conversation(), store)
    assert LogGap("out_of_scope", ("faq/remittance",)) in actions
