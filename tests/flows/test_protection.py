"""Protection flows as transcripts of actions: emergency, disclosure, family intake."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.content import Content
from bot.flowstore import ContentStore
from flows import Conversation, Entity, Turn, dispatch
from flows.actions import (
    Action,
    EndFlow,
    Goto,
    HandOff,
    OpenFamilyCase,
    RecordConsent,
    RecordReferral,
    Say,
    SetSlot,
)
from flows.disclosure import DISCLOSURES
from flows.disclosure import State as D
from flows.family import State as F
from tests.flows.said import keys, payloads


@pytest.fixture
def store(content: Content) -> ContentStore:
    return ContentStore(content)


def handoffs(actions: Sequence[Action]) -> list[HandOff]:
    return [a for a in actions if isinstance(a, HandOff)]


def button(intent: str, **params: object) -> Turn:
    return Turn("", intent, 1.0, payload=params)


MID_BOOKING = Conversation(flow="booking_opp", state="choose_session", slots={"ltsa": "blitar"})


@pytest.mark.parametrize("conv", [Conversation(), MID_BOOKING], ids=["idle", "mid-booking"])
async def test_an_emergency_gives_the_lines_and_opens_an_urgent_case_at_once(
    store: ContentStore, conv: Conversation
) -> None:
    turn = Turn("tolong saya disekap", "emergency", 0.9, entities=(Entity("country", "Malaysia"),))
    actions = await dispatch(turn, conv, store)
    assert EndFlow() in actions, "the booking is interrupted"
    assert handoffs(actions) == [HandOff("emergency", "urgent", "emergency")]
    assert keys(actions)[:2] == ["protection.emergency", "protection.hotlines"]
    mission = next(a for a in actions if isinstance(a, Say) and a.key == "referral.mission")
    assert mission.params["org"] == "kbri-kuala-lumpur"
    assert SetSlot("_country", "Malaysia") in actions
    assert "/human_request" in payloads(actions)


@pytest.mark.parametrize("intent", DISCLOSURES)
async def test_every_disclosure_is_believed_with_lines_and_a_case_from_any_state(
    store: ContentStore, intent: str
) -> None:
    actions = await dispatch(Turn("cerita", intent, 0.8), MID_BOOKING, store)
    assert Goto("disclosure", D.ASK_SAFE) in actions
    assert keys(actions) == [
        f"protection.ack.{intent}",
        "protection.lines_short",
        "protection.ask_safe",
    ]
    [handoff] = handoffs(actions)
    assert handoff.kind == "protection"
    expected = "urgent" if intent in {"report_violence", "report_trafficking"} else "high"
    assert handoff.priority == expected
    assert not any(isinstance(a, RecordConsent | RecordReferral) for a in actions)


def in_state(state: str, **slots: object) -> Conversation:
    return Conversation(flow="disclosure", state=state, slots={"kind": "report_violence", **slots})


async def test_safe_now_explains_confidentiality_and_offers_choices(store: ContentStore) -> None:
    actions = await dispatch(button("protection_safe", safe=True), in_state(D.ASK_SAFE), store)
    assert keys(actions) == [
        "protection.confidentiality",
        "protection.safety_tip",
        "protection.choose",
    ]
    assert '/protection_choice{"choice":"worker_female"}' in payloads(actions)
    assert "/protection_stop" in payloads(actions)


async def test_not_safe_gives_the_lines_and_makes_the_case_urgent(store: ContentStore) -> None:
    conv = in_state(D.ASK_SAFE, kind="report_exploitation")
    actions = await dispatch(button("protection_safe", safe=False), conv, store)
    assert HandOff("report_exploitation", "urgent", "protection") in actions
    assert "protection.hotlines" in keys(actions)


async def test_more_of_the_story_is_acknowledged_and_never_questioned(
    store: ContentStore,
) -> None:
    turn = Turn("dia juga mengancam anak saya", "report_violence", 0.9)
    actions = await dispatch(turn, in_state(D.ASK_SAFE), store)
    assert keys(actions) == ["protection.heard", "protection.ask_safe"]
    assert not handoffs(actions), "the conversation continues; no second opening"


async def test_a_service_asks_consent_first_and_records_only_with_it(
    store: ContentStore,
) -> None:
    pick = button("protection_choice", choice="counselling")
    first = await dispatch(pick, in_state(D.CHOOSE), store)
    assert keys(first) == ["protection.ask_consent"]
    assert SetSlot("pending", "counselling") in first
    pending = in_state(D.ASK_CONSENT, pending="counselling")
    agreed = await dispatch(button("protection_consent", consent=True), pending, store)
    assert RecordConsent("record") in agreed
    referral = next(a for a in agreed if isinstance(a, RecordReferral))
    assert referral.service == "counselling"
    assert "protection.referral_recorded" in keys(agreed)
    refused = await dispatch(button("protection_consent", consent=False), pending, store)
    assert not any(isinstance(a, RecordConsent | RecordReferral) for a in refused)
    assert "referral.item" in keys(refused), "the contacts are given anyway"


async def test_a_female_case_worker_can_be_asked_for(store: ContentStore) -> None:
    conv = in_state(D.CHOOSE, consent=True)
    actions = await dispatch(button("protection_choice", choice="worker_female"), conv, store)
    assert HandOff("female_worker", "urgent", "protection") in actions
    assert "protection.worker_female" in keys(actions)


@pytest.mark.parametrize("text", ["berhenti", "stop", "eureun", "mandeg wae", "/protection_stop"])
async def test_berhenti_stops_at_any_point(store: ContentStore, text: str) -> None:
    turn = button("protection_stop") if text.startswith("/") else Turn(text, "nlu_fallback", 0.1)
    for conv in (
        in_state(D.ASK_SAFE),
        in_state(D.CHOOSE),
        Conversation(flow="family", state=F.COUNTRY),
    ):
        actions = await dispatch(turn, conv, store)
        assert keys(actions) == ["protection.stopped", "protection.safety_tip"]
        assert EndFlow() in actions


async def test_an_emergency_inside_a_disclosure_still_interrupts(store: ContentStore) -> None:
    actions = await dispatch(
        Turn("dia datang bawa pisau", "emergency", 0.9), in_state(D.CHOOSE), store
    )
    assert "protection.emergency" in keys(actions)


async def test_a_family_report_asks_consent_then_four_questions_then_opens_a_case(
    store: ContentStore,
) -> None:
    turn = Turn("adik saya di taiwan hilang kontak", "family_lost_contact", 0.9)
    start = await dispatch(turn, Conversation(), store)
    assert keys(start) == [
        "family.ack.lost_contact",
        "protection.lines_short",
        "family.ask_consent",
    ]
    assert not any(isinstance(a, OpenFamilyCase) for a in start), "nothing before consent"

    conv = Conversation(flow="family", state=F.CONSENT, slots={"kind": "lost_contact"})
    no = await dispatch(button("family_consent", consent=False), conv, store)
    assert "family.no_consent" in keys(no) and EndFlow() in no
    yes = await dispatch(button("family_consent", consent=True), conv, store)
    assert keys(yes) == ["family.ask.worker_name"]

    slots: dict[str, object] = {"kind": "lost_contact"}
    answers = [
        (F.WORKER_NAME, Turn("Siti Aminah", "nlu_fallback", 0.2), F.COUNTRY),
        (F.COUNTRY, button("family_country", country="Taiwan"), F.EMPLOYER),
        (F.EMPLOYER, Turn("gak tau", "deny", 0.5), F.LAST_CONTACT),
        (F.LAST_CONTACT, Turn("3 minggu lalu", "nlu_fallback", 0.2), F.CONFIRM),
    ]
    for state, answer, nxt in answers:
        actions = await dispatch(
            answer, Conversation(flow="family", state=state, slots=slots), store
        )
        assert Goto("family", nxt) in actions, (state, keys(actions))
        slots.update({a.name: a.value for a in actions if isinstance(a, SetSlot)})
    assert slots["worker_name"] == "Siti Aminah" and slots["employer"] == "–"
    confirm = Conversation(flow="family", state=F.CONFIRM, slots=slots)
    done = await dispatch(button("family_confirm", ok=True), confirm, store)
    [opened] = [a for a in done if isinstance(a, OpenFamilyCase)]
    assert opened.kind == "lost_contact"
    assert opened.details == {
        "worker_name": "Siti Aminah",
        "country": "Taiwan",
        "employer": "–",
        "last_contact": "3 minggu lalu",
    }
    assert "family.opened" in keys(done)


async def test_the_death_answer_offers_a_family_report(store: ContentStore) -> None:
    actions = await dispatch(Turn("", "faq/death_repatriation", 0.9), Conversation(), store)
    assert '/family_report{"kind":"death"}' in payloads(actions)
