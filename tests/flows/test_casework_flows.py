"""Case-work flows as transcripts of actions: handing over, a person holding the chat, privacy."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.console.cases import CANNED
from bot.content import Content
from bot.flowstore import ContentStore
from flows import Conversation, Entity, Turn, dispatch
from flows.actions import (
    Action,
    Ask,
    CheckFemaleStaff,
    EndFlow,
    EraseMyData,
    HandOff,
    Relay,
    ReturnToBot,
    Say,
)
from nlu.staff_request import female_staff_requested
from tests.flows.said import keys, payloads

HUMAN = Conversation(mode="human")


@pytest.fixture
def store(content: Content) -> ContentStore:
    return ContentStore(content)


def button(intent: str, **params: object) -> Turn:
    return Turn(f"/{intent}", intent, 1.0, payload=params)


async def test_typed_text_while_a_person_has_the_chat_is_relayed_silently(
    store: ContentStore,
) -> None:
    for turn in [
        Turn("tolong bantu saya", None, nlu_available=False),
        button("faq/passport"),
        button("menu_faq"),
    ]:
        assert await dispatch(turn, HUMAN, store) == [Relay()]


async def test_menu_with_a_person_asks_whether_to_leave_them(store: ContentStore) -> None:
    actions = await dispatch(button("ask_menu"), HUMAN, store)
    assert keys(actions) == ["human.leave_ask"]
    assert payloads(actions) == ["/human_stay", "/human_leave"]
    assert keys(await dispatch(button("human_stay"), HUMAN, store)) == ["human.staying"]
    left = await dispatch(button("human_leave"), HUMAN, store)
    assert ReturnToBot("user_left") in left
    assert keys(left) == ["human.left", "menu.prompt"]


async def test_asking_for_a_person_again_says_one_is_there(store: ContentStore) -> None:
    actions = await dispatch(button("human_request"), HUMAN, store)
    assert keys(actions) == ["human.already"]
    assert not any(isinstance(a, HandOff) for a in actions)


async def test_privacy_and_language_buttons_work_with_a_person(store: ContentStore) -> None:
    assert keys(await dispatch(button("delete_my_data"), HUMAN, store)) == [
        "privacy.delete_confirm"
    ]
    assert keys(await dispatch(button("change_language"), HUMAN, store)) == ["language.choose"]


async def test_a_stale_stay_button_with_the_bot_shows_the_menu(store: ContentStore) -> None:
    assert keys(await dispatch(button("human_leave"), Conversation(), store)) == ["menu.prompt"]


async def test_a_request_offers_a_female_case_worker(store: ContentStore) -> None:
    actions = await dispatch(button("human_request"), Conversation(), store)
    assert HandOff("user_request") in actions
    assert "/female_worker" in payloads(actions)


@pytest.mark.parametrize(
    "turn",
    [
        button("female_worker"),
        Turn(
            "mau petugas perempuan",
            "human_request",
            0.9,
            entities=(Entity("staff_gender", "female"),),
        ),
    ],
)
async def test_asking_for_a_female_worker_flags_the_case_and_checks_who_is_on_duty(
    store: ContentStore, turn: Turn
) -> None:
    actions = await dispatch(turn, Conversation(), store)
    assert HandOff("user_request", female=True) in actions
    check = next(a for a in actions if isinstance(a, CheckFemaleStaff))
    assert keys(check.on["on_duty"]) == ["handoff.female_on_duty"]
    assert keys(check.on["none"]) == ["handoff.female_none"]
    assert payloads(check.on["none"]) == ["/female_wait", "/any_worker"]


async def test_no_female_worker_on_duty_the_user_chooses(store: ContentStore) -> None:
    wait = await dispatch(button("female_wait"), Conversation(), store)
    assert HandOff("user_request", female=True) in wait
    assert keys(wait) == ["handoff.female_waiting"]
    anyone = await dispatch(button("any_worker"), Conversation(), store)
    assert HandOff("user_request", female=False) in anyone
    assert keys(anyone) == ["handoff.any_worker_ok"]


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("mau petugas perempuan", True),
        ("Ada PETUGAS wanita?", True),
        ("nyuwun petugas estri", True),
        ("hoyong petugas istri", True),
        ("ngiding petugas binè'", True),
        ("bisa ngobrol sama cewek aja?", True),
        ("saya perempuan, mau tanya paspor", False),
        ("mau bicara dengan istri saya", False),
        ("petugas", False),
    ],
)
def test_words_asking_for_a_female_worker(text: str, asked: bool) -> None:
    assert female_staff_requested(text) is asked


async def test_yes_after_the_second_miss_hands_over(store: ContentStore) -> None:
    offered = await dispatch(Turn("??", "nlu_fallback", 0.2), Conversation(misses=1), store)
    assert keys(offered) == ["fallback.offer_human"]
    waiting = Conversation(flow="fallback", state="offered_human", misses=2)
    yes = await dispatch(Turn("iya", "affirm", 1.0), waiting, store)
    assert HandOff("fallback_twice") in yes
    assert "handoff.requested" in keys(yes)
    no = await dispatch(Turn("nggak", "deny", 1.0), waiting, store)
    assert keys(no) == ["menu.prompt"]
    assert not any(isinstance(a, HandOff) for a in no)


async def test_the_offered_person_button_carries_its_reason(store: ContentStore) -> None:
    actions = await dispatch(
        button("human_request", reason="fallback_twice"), Conversation(), store
    )
    assert HandOff("fallback_twice") in actions


async def test_yes_after_two_unhelpful_answers_hands_over(store: ContentStore) -> None:
    turn = Turn("", "faq_feedback", 1.0, payload={"topic": "skck", "helpful": False})
    offered = await dispatch(turn, Conversation(slots={"_unhelpful": 1}), store)
    assert keys(offered) == ["feedback.offer_human"]
    waiting = Conversation(flow="feedback", state="offered_human")
    yes = await dispatch(Turn("mau", "affirm", 1.0), waiting, store)
    assert HandOff("unhelpful_twice") in yes


async def test_erasing_asks_first_and_a_typed_yes_erases(store: ContentStore) -> None:
    asked = await dispatch(button("delete_my_data"), Conversation(), store)
    assert keys(asked) == ["privacy.delete_confirm"]
    assert payloads(asked) == ["/delete_confirmed", "/ask_menu"]
    assert not any(isinstance(a, EraseMyData) for a in asked)
    confirming = Conversation(flow="privacy", state="confirm_delete")
    erased = await dispatch(Turn("ya", "affirm", 1.0), confirming, store)
    erase = next(a for a in erased if isinstance(a, EraseMyData))
    assert keys(erase.on["erased"]) == ["privacy.erased"]
    assert keys(erase.on["kept"]) == ["privacy.erased_kept"]
    kept = await dispatch(Turn("tidak", "deny", 1.0), confirming, store)
    assert keys(kept) == ["privacy.not_deleted"]
    assert EndFlow() in kept


async def test_privacy_info_explains_and_offers_erasure(store: ContentStore) -> None:
    actions = await dispatch(button("privacy_info"), Conversation(), store)
    assert keys(actions) == ["privacy.info", "privacy.info_next"]
    assert "/delete_my_data" in payloads(actions)


def _said(actions: Sequence[Action]) -> set[str]:
    """Content keys of the actions, with the follow-ups their results may pick."""
    found: set[str] = set()
    for action in actions:
        if isinstance(action, Say | Ask):
            found.add(action.key)
        if isinstance(action, Ask):
            found.update(o.label for o in action.options if not o.literal)
        if isinstance(action, CheckFemaleStaff | EraseMyData):
            for follow_up in action.on.values():
                found |= _said(follow_up)
    return found


# Said by the service itself (bot.casework), not by a flow.
SERVICE_KEYS = {
    "handoff.out_of_hours",
    "handoff.out_of_hours_unknown",
    "handoff.joined",
    "handoff.escalated",
    "handoff.closed",
    *(f"console.canned.{name}" for name in CANNED),
}


async def test_every_case_work_key_exists_in_every_language(
    store: ContentStore, content: Content
) -> None:
    intents = [
        "human_request",
        "female_worker",
        "female_wait",
        "any_worker",
        "human_stay",
        "human_leave",
        "ask_menu",
        "delete_my_data",
        "delete_confirmed",
        "privacy_info",
    ]
    said: set[str] = set(SERVICE_KEYS)
    for conv in (Conversation(), HUMAN, Conversation(misses=1)):
        for intent in intents:
            said |= _said(await dispatch(button(intent), conv, store))
        said |= _said(await dispatch(Turn("x", "nlu_fallback", 0.2), conv, store))
    for conv in (
        Conversation(flow="fallback", state="offered_human"),
        Conversation(flow="privacy", state="confirm_delete"),
    ):
        for intent in ("affirm", "deny"):
            said |= _said(await dispatch(Turn("x", intent, 1.0), conv, store))
    missing = [
        (lang, key)
        for key in sorted(said)
        for lang in content.languages
        if not content.has(lang, key)
    ]
    assert missing == []
    assert len(said) > 30
