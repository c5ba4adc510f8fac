"""The community flows as transcripts of actions: subscribing and leaving, asking to be a KOPI
coordinator, a coordinator's announcement (write, preview, confirm, cancel), and the rules that
keep "berhenti" a protection word inside a protection conversation."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from bot.community.subscriptions import unsubscribe
from bot.content import Content
from bot.flowstore import TurnStore
from flows import Conversation, Turn, dispatch
from flows.actions import (
    Action,
    Ask,
    EndFlow,
    Goto,
    HandOff,
    QueueBroadcast,
    RequestCoordinator,
    Say,
    SetSlot,
    Subscribe,
    Unsubscribe,
)
from flows.announce import State as Announce
from flows.community_steps import validate_village
from flows.coordinator import State as Coordinator
from flows.subscription import State as Subscription
from nlu.rules import rule_parse
from tests.flows.community_store import LTSA, VILLAGE, community_stores
from tests.flows.said import keys, payloads

TEXT = "Sosialisasi OPP hari Rabu jam 9 di balai desa. Waspada calo yang minta uang!"


@pytest.fixture
async def stores(content: Content, tmp_path: Path) -> AsyncIterator[list[TurnStore]]:
    """new, subscriber, pending, kopi (a verified coordinator of Paringan)."""
    async with community_stores(content, tmp_path) as found:
        yield found


def said(actions: Sequence[Action], key: str) -> Mapping[str, Any]:
    """The parameters of the message `key` among the actions."""
    return next(a.params for a in actions if isinstance(a, Say | Ask) and a.key == key)


def press(intent: str, **params: object) -> Turn:
    return Turn("", intent, 1.0, payload=params)


def typed(text: str, intent: str = "nlu_fallback") -> Turn:
    return Turn(text, intent, 0.1 if intent == "nlu_fallback" else 1.0)


def test_a_typed_village_is_cleaned_and_nonsense_refused() -> None:
    assert validate_village("  desa   paringan ") == "Paringan"
    assert validate_village("Kel. Sumber Agung") == "Sumber Agung"
    assert validate_village("x") is None
    assert validate_village("/menu") is None
    assert validate_village("12345") is None


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("berhenti langganan", "unsubscribe"),
        ("Stop langganan!", "unsubscribe"),
        ("mandheg langganan", "unsubscribe"),
        ("eureun langganan", "unsubscribe"),
        ("ambu langganan", "unsubscribe"),
        ("mau langganan info", "subscribe"),
        ("badhe langganan info", "subscribe"),
        ("hoyong langganan info", "subscribe"),
        ("terro langganan info", "subscribe"),
    ],
)
def test_subscription_words_are_rules_in_all_four_languages(text: str, intent: str) -> None:
    parse = rule_parse(text)
    assert parse is not None and parse.intent == intent


def test_berhenti_alone_is_not_a_subscription_rule() -> None:
    assert rule_parse("berhenti") is None
    assert rule_parse("stop") is None


async def test_subscribing_asks_the_ltsa_then_district_or_village(
    stores: list[TurnStore],
) -> None:
    new = stores[0]
    first = await dispatch(press("subscribe"), Conversation(), new)
    assert Goto("subscription", Subscription.CHOOSE_LTSA) in first
    assert keys(first) == ["booking.ask_ltsa"]
    assert '/subscribe_step{"ltsa":"ponorogo"}' in payloads(first)
    scope = await dispatch(
        press("subscribe_step", ltsa=LTSA), Conversation("subscription", "choose_ltsa"), new
    )
    assert keys(scope) == ["community.subscribe.scope"]
    # the village with a verified coordinator is a button
    assert '/subscribe_step{"village":"Paringan"}' in payloads(scope)
    done = await dispatch(
        press("subscribe_step", village=VILLAGE),
        Conversation("subscription", "choose_scope", {"ltsa": LTSA}),
        new,
    )
    assert Subscribe(LTSA, VILLAGE) in done
    assert keys(done) == ["community.subscribe.done_village"]
    assert payloads(done)[0] == "/unsubscribe"


async def test_another_village_is_typed(stores: list[TurnStore]) -> None:
    conv = Conversation("subscription", "choose_scope", {"ltsa": LTSA})
    other = await dispatch(press("subscribe_step", scope="village"), conv, stores[0])
    assert Goto("subscription", Subscription.VILLAGE) in other
    conv = Conversation("subscription", "village", {"ltsa": LTSA})
    bad = await dispatch(typed("x"), conv, stores[0])
    assert keys(bad) == ["community.subscribe.bad_village"]
    done = await dispatch(typed("desa ngrayun"), conv, stores[0])
    assert Subscribe(LTSA, "Ngrayun") in done


async def test_a_subscriber_sees_their_choice_and_leaves_in_one_step(
    stores: list[TurnStore],
) -> None:
    subscriber = stores[1]
    again = await dispatch(press("subscribe"), Conversation(ltsa=LTSA), subscriber)
    assert keys(again) == ["community.subscribe.already_village"]
    assert "/unsubscribe" in payloads(again)
    left = await dispatch(typed("berhenti langganan", "unsubscribe"), Conversation(), subscriber)
    assert Unsubscribe() in left
    assert keys(left) == ["community.unsubscribe.done"]
    nothing = await dispatch(press("unsubscribe"), Conversation(), stores[0])
    assert Unsubscribe() not in nothing
    assert keys(nothing) == ["community.unsubscribe.none"]


async def test_the_unsubscribe_button_leaves_even_in_the_middle_of_a_booking(
    stores: list[TurnStore],
) -> None:
    booking = Conversation("book_opp", "name", {"ltsa": LTSA, "session": 1})
    actions = await dispatch(press("unsubscribe"), booking, stores[1])
    assert Unsubscribe() in actions


async def test_berhenti_langganan_inside_a_protection_conversation_ends_that_conversation(
    stores: list[TurnStore],
) -> None:
    disclosure = Conversation("disclosure", "choose", {"kind": "report_violence"})
    actions = await dispatch(typed("berhenti langganan", "unsubscribe"), disclosure, stores[1])
    assert keys(actions)[:1] == ["protection.stopped"]
    assert Unsubscribe() not in actions


async def test_asking_to_be_a_coordinator_needs_village_name_and_consent(
    stores: list[TurnStore],
) -> None:
    new = stores[0]
    about = await dispatch(press("coordinator"), Conversation(ltsa=LTSA), new)
    assert keys(about) == ["community.coordinator.about"]
    asked = await dispatch(press("coordinator_step", request=True), Conversation(ltsa=LTSA), new)
    assert Goto("coordinator", Coordinator.VILLAGE) in asked
    conv = Conversation("coordinator", "village", {"ltsa": LTSA})
    named = await dispatch(typed("Paringan"), conv, new)
    assert SetSlot("village", VILLAGE) in named
    conv = Conversation("coordinator", "name", {"ltsa": LTSA, "village": VILLAGE})
    consent = await dispatch(typed("Sri Wahyuni"), conv, new)
    assert keys(consent) == ["community.coordinator.consent"]
    slots = {"ltsa": LTSA, "village": VILLAGE, "name": "Sri Wahyuni"}
    conv = Conversation("coordinator", "consent", slots)
    refused = await dispatch(press("coordinator_step", consent=False), conv, new)
    assert not any(isinstance(a, RequestCoordinator) for a in refused)
    sent = await dispatch(press("coordinator_step", consent=True), conv, new)
    assert RequestCoordinator(LTSA, VILLAGE, "Sri Wahyuni") in sent
    assert keys(sent) == ["community.coordinator.requested"]


async def test_a_pending_request_is_told_to_wait_and_cannot_announce(
    stores: list[TurnStore],
) -> None:
    pending = stores[2]
    assert keys(await dispatch(press("coordinator"), Conversation(), pending)) == [
        "community.coordinator.pending"
    ]
    refused = await dispatch(press("announce"), Conversation(), pending)
    assert keys(refused) == ["community.announce.only_coordinators"]


async def test_a_coordinator_writes_previews_and_sends_an_announcement(
    stores: list[TurnStore],
) -> None:
    kopi = stores[3]
    menu = await dispatch(press("coordinator"), Conversation(), kopi)
    assert keys(menu) == ["community.coordinator.menu"]
    assert payloads(menu)[:2] == ["/announce", '/announce{"status":true}']
    scope = await dispatch(typed("/umumkan", "announce"), Conversation(), kopi)
    assert keys(scope) == ["community.announce.scope"]
    write = await dispatch(
        press("announce_step", scope="village"), Conversation("announce", "scope"), kopi
    )
    assert Goto("announce", Announce.WRITE) in write
    conv = Conversation("announce", "write", {"scope": "village"})
    short = await dispatch(typed("rapat"), conv, kopi)
    assert keys(short) == ["community.announce.too_short"]
    preview = await dispatch(typed(TEXT), conv, kopi)
    assert keys(preview) == ["community.announce.preview_village"]
    assert said(preview, "community.announce.preview_village")["reach"] == 1
    conv = Conversation("announce", "preview", {"scope": "village", "text": TEXT})
    sent = await dispatch(press("announce_step", send=True), conv, kopi)
    assert QueueBroadcast("village", TEXT) in sent
    assert EndFlow() in sent
    assert keys(sent) == ["community.announce.queued"]


async def test_cancel_works_at_every_step(stores: list[TurnStore]) -> None:
    kopi = stores[3]
    for state, slots in (
        ("scope", {}),
        ("write", {"scope": "village"}),
        ("preview", {"scope": "village", "text": TEXT}),
    ):
        conv = Conversation("announce", state, slots)
        for turn in (press("announce_step", cancel=True), typed("batal")):
            actions = await dispatch(turn, conv, kopi)
            assert keys(actions) == ["community.announce.cancelled"], (state, turn)
            assert not any(isinstance(a, QueueBroadcast) for a in actions)


async def test_a_report_typed_into_an_announcement_is_its_text_but_an_emergency_interrupts(
    stores: list[TurnStore],
) -> None:
    kopi = stores[3]
    conv = Conversation("announce", "write", {"scope": "district"})
    text = "Hati-hati calo yang menahan paspor dan menjual warga ke luar negeri."
    report = Turn(text, "report_trafficking", 0.95)
    actions = await dispatch(report, conv, kopi)
    assert keys(actions) == ["community.announce.preview_district"]
    emergency = await dispatch(Turn("tolong saya dikunci", "emergency", 1.0), conv, kopi)
    assert "community.announce.preview_district" not in keys(emergency)


async def test_the_village_of_an_announcement_is_never_taken_from_the_button(
    stores: list[TurnStore],
) -> None:
    conv = Conversation("announce", "preview", {"scope": "village", "text": TEXT})
    forged = press("announce_step", send=True, village="Desa Lain", ltsa="blitar")
    actions = await dispatch(forged, conv, stores[3])
    assert [a for a in actions if isinstance(a, QueueBroadcast)] == [
        QueueBroadcast("village", TEXT)
    ]


async def test_no_subscribers_yet_offers_the_whole_district_instead(
    stores: list[TurnStore],
) -> None:
    kopi = stores[3]
    await unsubscribe(kopi.session, stores[1].user_id)
    conv = Conversation("announce", "write", {"scope": "village"})
    actions = await dispatch(typed(TEXT), conv, kopi)
    assert keys(actions) == ["community.announce.no_audience_village"]
    assert '/announce_step{"scope":"district"}' in payloads(actions)


async def test_status_and_the_villages_opp_sessions(stores: list[TurnStore]) -> None:
    kopi = stores[3]
    status = await dispatch(typed("/umumkan status", "announce"), Conversation(), kopi)
    assert keys(status) == [
        "community.announce.status_header",
        "community.announce.status_village",
        "community.announce.status_footer",
    ]
    line = said(status, "community.announce.status_village")
    assert (line["total"], line["waiting"], line["sent"]) == (1, 1, 0)
    sessions = await dispatch(press("coordinator_step", opp=True), Conversation(), kopi)
    assert keys(sessions)[:2] == [
        "community.coordinator.opp_header",
        "community.coordinator.opp_line",
    ]
    assert said(sessions, "community.coordinator.opp_line")["booked"] == 1  # Budi, by kopi


async def test_helping_a_villager_books_through_the_booking_flow_or_asks_a_person(
    stores: list[TurnStore],
) -> None:
    kopi = stores[3]
    help_ = await dispatch(press("coordinator_step", help=True), Conversation(), kopi)
    assert payloads(help_)[0] == "/book_opp"
    handed = await dispatch(press("coordinator_step", agreed=True), Conversation(), kopi)
    assert HandOff("coordinator_help") in handed
    assert keys(handed) == ["community.coordinator.help_handoff"]
    # the booking flow itself asks a coordinator whom a booking is for (and for consent)
    booking = await dispatch(press("book_opp", ltsa=LTSA), Conversation(ltsa=LTSA), kopi)
    session = next(p for p in payloads(booking) if '"session"' in p)
    chosen = await dispatch(
        Turn("", "opp_step", 1.0, payload={"session": int(session.split(":")[1][:-1])}),
        Conversation("book_opp", "choose_session", {"ltsa": LTSA}),
        kopi,
    )
    assert "booking.for_whom" in keys(chosen)
