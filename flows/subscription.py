"""Announcements by subscription: joining (`subscribe`) and leaving (`unsubscribe`).

The user asks for announcements ("mau langganan info", /langganan, the "Info & pengumuman"
button). The bot takes the LTSA from the message or memory, or asks for it; then asks whether
they want the announcements of the whole district or of one village: the villages with a
KOPI coordinator are buttons, any other can be typed. They are told what is kept (the choice
only) and how to leave. Someone already subscribed is shown their choice and may change it.

Leaving works at any time, in one step: "berhenti langganan", /berhenti_langganan, or the
button under every announcement. (Inside a protection conversation a typed "berhenti" still
ends that conversation: `flows.safety` sees the message first.)

```mermaid
flowchart LR
    sub[subscribe] -->|subscribed| already[your choice: change / stop]
    sub -->|LTSA unknown| ltsa[which LTSA?] --> scope
    sub --> scope{district or village?}
    scope -->|district / village button| done[subscribed]
    scope -->|other village| typed[village?] --> done
    unsub[unsubscribe] --> left[no more announcements]
```
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from flows.actions import Action, Ask, EndFlow, Goto, Option, Say, SetLtsa, SetSlot, Subscribe
from flows.actions import Unsubscribe as Leave
from flows.booking_steps import ask_ltsa, leaves_name_step, other_intent, param, validate_ltsa
from flows.community_steps import cancel_option, is_cancel, menu_option, validate_village
from flows.payload import payload
from flows.store import FlowStore
from flows.turn import Conversation, Turn

FLOW = "subscription"
STEP = "subscribe_step"
OWN = frozenset({"subscribe", "unsubscribe", STEP})
SHOWN_VILLAGES = 5


class State(StrEnum):
    CHOOSE_LTSA = "choose_ltsa"
    CHOOSE_SCOPE = "choose_scope"
    VILLAGE = "village"


def stop_option() -> Option:
    return Option("community.button.unsubscribe.label", payload("unsubscribe"))


async def ask_scope(ltsa: str, store: FlowStore) -> list[Action]:
    """District or village? The villages with a coordinator are buttons."""
    villages = (await store.villages(ltsa))[:SHOWN_VILLAGES]
    options = (
        Option("community.button.district.label", payload(STEP, scope="district")),
        *(Option(v, payload(STEP, village=v), literal=True) for v in villages),
        Option("community.button.other_village.label", payload(STEP, scope="village")),
        cancel_option(STEP),
    )
    return [
        SetLtsa(ltsa),
        SetSlot("ltsa", ltsa),
        Goto(FLOW, State.CHOOSE_SCOPE),
        Ask("community.subscribe.scope", options, {"ltsa": ltsa}),
    ]


def subscribed(ltsa: str, village: str) -> list[Action]:
    """Subscribes and says what was kept and how to leave."""
    key = "community.subscribe.done_village" if village else "community.subscribe.done_district"
    params = {"ltsa": ltsa, "village": village}
    return [Subscribe(ltsa, village), EndFlow(), Ask(key, (stop_option(), menu_option()), params)]


class SubscriptionFlow:
    """Subscribes the user to an LTSA's or a village's announcements, and unsubscribes."""

    name: ClassVar[str] = FLOW

    def handles(self, intent: str) -> bool:
        return intent in {"subscribe", "unsubscribe", STEP}

    async def start(self, turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
        """Leaves, shows the current choice, or asks the LTSA and the scope."""
        if turn.intent == "unsubscribe":
            return await self.leave(store)
        if turn.intent == STEP:  # a button of an earlier question: start over
            return await self.ask_again(turn, conv, store)
        current = await store.subscription()
        if current is not None:
            options = (
                Option("community.button.change.label", payload(STEP, change=True)),
                stop_option(),
                menu_option(),
            )
            key = (
                "community.subscribe.already_village"
                if current.village
                else ("community.subscribe.already_district")
            )
            params = {"ltsa": current.ltsa, "village": current.village}
            return [EndFlow(), Ask(key, options, params)]
        return await self.ask_again(turn, conv, store)

    async def ask_again(self, turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
        """Asks the LTSA (unless known) and then district or village."""
        ltsa = validate_ltsa(turn, store) if turn.entity("ltsa") else None
        ltsa = ltsa or conv.ltsa
        if ltsa is None:
            return [EndFlow(), Goto(FLOW, State.CHOOSE_LTSA), ask_ltsa(store, STEP)]
        return [EndFlow(), *await ask_scope(ltsa, store)]

    async def leave(self, store: FlowStore) -> list[Action]:
        """Ends the subscription (or says there was none)."""
        again = Option("community.button.subscribe.label", payload("subscribe"))
        if await store.subscription() is None:
            return [EndFlow(), Ask("community.unsubscribe.none", (again, menu_option()))]
        return [Leave(), EndFlow(), Ask("community.unsubscribe.done", (again, menu_option()))]

    async def resume(
        self, turn: Turn, conv: Conversation, store: FlowStore
    ) -> list[Action] | None:
        """Continues with the LTSA, the scope or the typed village."""
        if is_cancel(turn, STEP):
            return [EndFlow(), Say("community.subscribe.cancelled")]
        if turn.intent in {"subscribe", "unsubscribe"}:
            return None  # start() answers it
        ltsa = str(conv.slots.get("ltsa") or conv.ltsa or "")
        if conv.state == State.CHOOSE_LTSA:
            chosen = validate_ltsa(turn, store)
            if chosen is not None:
                return await ask_scope(chosen, store)
            return None if other_intent(turn, OWN) else [ask_ltsa(store, STEP)]
        if conv.state == State.CHOOSE_SCOPE and ltsa:
            return await self.choose_scope(turn, ltsa, store)
        if conv.state == State.VILLAGE and ltsa:
            if leaves_name_step(turn) or (turn.is_button and turn.intent != STEP):
                return None
            village = None if turn.is_button else validate_village(turn.text)
            if village is None:
                return [Ask("community.subscribe.bad_village", (cancel_option(STEP),))]
            return subscribed(ltsa, village)
        return None

    async def choose_scope(self, turn: Turn, ltsa: str, store: FlowStore) -> list[Action] | None:
        """District, a village button, or "another village" (then typed)."""
        chosen = param(turn, "village")
        village = validate_village(chosen) if isinstance(chosen, str) else None
        if param(turn, "scope") == "district":
            return subscribed(ltsa, "")
        if village is not None:
            return subscribed(ltsa, village)
        if param(turn, "scope") == "village":
            ask = Ask("community.subscribe.ask_village", (cancel_option(STEP),))
            return [Goto(FLOW, State.VILLAGE), ask]
        if other_intent(turn, OWN):
            return None
        typed = None if turn.is_button else validate_village(turn.text)
        if typed is not None:  # a village typed instead of pressed
            return subscribed(ltsa, typed)
        return await ask_scope(ltsa, store)


__all__ = ["SubscriptionFlow"]
