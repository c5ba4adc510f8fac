"""KOPI village coordinators: asking to be one, and the coordinator's menu (`coordinator`).

Anyone may ask to be the coordinator of their village (/koordinator, the "Koordinator KOPI"
button): the bot says what a coordinator does, asks the LTSA (unless known), the village and
their name, says that these and the chat account are shown to the LTSA admin, and with their
agreement sends the request; the admin verifies it in the console. A pending request is only
told it is waiting.

A verified coordinator gets their menu: write an announcement (`flows.announce`), see how
their announcements went, the next OPP sessions with how many people of the village are
booked, and help a villager: book them for OPP (the booking flow asks whom it is for and for
the villager's consent), or, when the villager agreed, hand the conversation to a case worker.

```mermaid
flowchart LR
    c[coordinator] -->|verified| menu[announce / status / OPP of the village / help]
    c -->|pending| wait[waiting for the admin]
    c -->|not yet| about[what a coordinator does] --> ltsa[LTSA?] --> village --> name
    name --> consent{shown to the admin?} -->|yes| sent[request sent]
    menu -->|help| help{villager agreed?} -->|yes| person[case worker]
```
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, ClassVar

from flows.actions import (
    Action,
    Ask,
    EndFlow,
    Goto,
    HandOff,
    Option,
    RequestCoordinator,
    Say,
    SetLtsa,
    SetSlot,
)
from flows.booking_steps import (
    ask_ltsa,
    leaves_name_step,
    other_intent,
    param,
    validate_ltsa,
    validate_name,
    validate_yes,
)
from flows.community_steps import cancel_option, is_cancel, menu_option, validate_village
from flows.community_store import CoordinatorInfo
from flows.payload import payload
from flows.store import FlowStore
from flows.turn import Conversation, Turn

FLOW = "coordinator"
STEP = "coordinator_step"
OWN = frozenset({FLOW, STEP})
SESSIONS_SHOWN = 4


class State(StrEnum):
    CHOOSE_LTSA = "choose_ltsa"
    VILLAGE = "village"
    NAME = "name"
    CONSENT = "consent"


def coordinator_menu(info: CoordinatorInfo, key: str = "community.coordinator.menu") -> Ask:
    """What a verified coordinator can do, as buttons."""
    options = (
        Option("community.button.announce.label", payload("announce")),
        Option("community.button.announce_status.label", payload("announce", status=True)),
        Option("community.button.village_opp.label", payload(STEP, opp=True)),
        Option("community.button.help_villager.label", payload(STEP, help=True)),
        menu_option(),
    )
    return Ask(key, options, {"village": info.village, "ltsa": info.ltsa})


def ask_consent(slots: Mapping[str, Any]) -> Ask:
    """Your name, village and chat account go to the LTSA admin: agreed?"""
    options = (
        Option("booking.consent_yes", payload(STEP, consent=True)),
        Option("booking.consent_no", payload(STEP, consent=False)),
    )
    params = {"name": str(slots.get("name", "")), "village": str(slots.get("village", ""))}
    return Ask("community.coordinator.consent", options, params)


def about() -> list[Action]:
    """What a coordinator does, and the button to ask to be one."""
    ask = Option("community.button.request.label", payload(STEP, request=True))
    return [EndFlow(), Ask("community.coordinator.about", (ask, menu_option()))]


class CoordinatorFlow:
    """A coordinator's menu; for others, the request to become one."""

    name: ClassVar[str] = FLOW

    def handles(self, intent: str) -> bool:
        return intent in OWN

    async def start(self, turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
        """The menu, the pending note, or what a coordinator does; a menu button's step."""
        info = await store.coordinator()
        if info is not None and info.verified:
            return await self.verified_step(turn, info, store)
        if info is not None and info.status == "pending":
            return [EndFlow(), Say("community.coordinator.pending", {"village": info.village})]
        if turn.intent == STEP and param(turn, "request") is True:
            named = validate_ltsa(turn, store) if turn.entity("ltsa") else None
            return self.ask_village(named or conv.ltsa, store)
        return about()

    async def verified_step(
        self, turn: Turn, info: CoordinatorInfo, store: FlowStore
    ) -> list[Action]:
        """The village's OPP sessions, help for a villager, or the menu."""
        if param(turn, "opp") is True:
            return await self.village_sessions(info, store)
        if param(turn, "help") is True:
            options = (
                Option("community.button.book_villager.label", payload("book_opp")),
                Option("community.button.villager_agreed.label", payload(STEP, agreed=True)),
                menu_option(),
            )
            return [EndFlow(), Ask("community.coordinator.help", options)]
        if param(turn, "agreed") is True:
            return [
                EndFlow(),
                HandOff("coordinator_help"),
                Say("community.coordinator.help_handoff"),
            ]
        return [EndFlow(), coordinator_menu(info)]

    async def village_sessions(self, info: CoordinatorInfo, store: FlowStore) -> list[Action]:
        """The next OPP sessions, with how many of the village are booked."""
        found = (await store.village_sessions(info.ltsa, info.village))[:SESSIONS_SHOWN]
        book = Option("community.button.book_villager.label", payload("book_opp"))
        if not found:
            return [EndFlow(), Ask("community.coordinator.opp_none", (book, menu_option()))]
        lines: list[Action] = [
            Say(
                "community.coordinator.opp_line",
                {"when": slot.starts_at, "seats": slot.seats_left, "booked": booked},
            )
            for slot, booked in found
        ]
        params = {"village": info.village, "ltsa": info.ltsa}
        return [
            EndFlow(),
            Say("community.coordinator.opp_header", params),
            *lines,
            Ask("community.coordinator.opp_footer", (book, menu_option())),
        ]

    def ask_village(self, ltsa: str | None, store: FlowStore) -> list[Action]:
        """The request starts with the LTSA (unless known), then the village."""
        if ltsa is None:
            return [EndFlow(), Goto(FLOW, State.CHOOSE_LTSA), ask_ltsa(store, STEP, request=True)]
        return [
            EndFlow(),
            SetLtsa(ltsa),
            SetSlot("ltsa", ltsa),
            Goto(FLOW, State.VILLAGE),
            Ask("community.coordinator.ask_village", (cancel_option(STEP),)),
        ]

    async def resume(
        self, turn: Turn, conv: Conversation, store: FlowStore
    ) -> list[Action] | None:
        """Continues the request: LTSA, village, name, consent."""
        if is_cancel(turn, STEP):
            return [EndFlow(), Say("community.coordinator.cancelled")]
        if turn.intent == FLOW or (turn.is_button and turn.intent != STEP):
            return None
        state, slots = conv.state, conv.slots
        if state == State.CHOOSE_LTSA:
            chosen = validate_ltsa(turn, store)
            if chosen is None:
                return None if other_intent(turn, OWN) else [ask_ltsa(store, STEP, request=True)]
            return self.ask_village(chosen, store)
        if state in {State.VILLAGE, State.NAME}:
            if leaves_name_step(turn):
                return None
            if turn.is_button:  # another button of this flow: the menu or the request
                return await self.start(turn, conv, store)
            return self.take_text(turn, str(state), slots)
        if state == State.CONSENT:
            agreed = validate_yes(turn, "consent")
            if agreed is None:
                return None if other_intent(turn, OWN) else [ask_consent(slots)]
            if not agreed:
                return [EndFlow(), Say("community.coordinator.not_sent")]
            ltsa, village, name = (str(slots.get(k, "")) for k in ("ltsa", "village", "name"))
            if not (ltsa and village and name):
                return about()
            return [
                RequestCoordinator(ltsa, village, name),
                EndFlow(),
                Say("community.coordinator.requested", {"village": village, "ltsa": ltsa}),
            ]
        return None

    def take_text(self, turn: Turn, state: str, slots: Mapping[str, Any]) -> list[Action]:
        """Stores the typed village (then asks the name) or the name (then asks consent)."""
        if state == State.VILLAGE:
            village = validate_village(turn.text)
            if village is None:
                return [Ask("community.coordinator.bad_village", (cancel_option(STEP),))]
            return [
                SetSlot("village", village),
                Goto(FLOW, State.NAME),
                Ask("community.coordinator.ask_name", (cancel_option(STEP),)),
            ]
        name = validate_name(turn.text)
        if name is None:
            return [Ask("community.coordinator.bad_name", (cancel_option(STEP),))]
        consent = ask_consent({**slots, "name": name})
        return [SetSlot("name", name), Goto(FLOW, State.CONSENT), consent]


__all__ = ["CoordinatorFlow", "coordinator_menu"]
