"""What every protection conversation shares: the hotlines, the way out ("berhenti"), and the
choices a person is offered. The flows that use them are `emergency`, `disclosure` and
`family`; `flows/protection.md` tells them in plain language for MRC staff.
"""

from __future__ import annotations

import re

from flows.actions import Action, EndFlow, Option, Say, SetSlot
from flows.payload import payload
from flows.store import FlowStore
from flows.turn import Conversation, Turn

# The country a worker is in, remembered for the embassy line (survives EndFlow: "_" slot).
COUNTRY = "_country"

# "berhenti" in every language, alone or in a short message ("udah berhenti aja").
_STOP = re.compile(
    r"\b(berhenti|stop|setop|cukup|sudahi|mandheg|mandeg|mandek|eureun|liren|lirén|ambu"
    r"|mandhek|batal|ora sida|teu jadi)\b"
)


def is_stop(turn: Turn) -> bool:
    """True when the user pressed "Berhenti" or wrote it (in a message of at most four words)."""
    if turn.intent == "protection_stop":
        return True
    words = turn.text.lower().split()
    return turn.payload is None and 0 < len(words) <= 4 and bool(_STOP.search(turn.text.lower()))


def stop_option() -> Option:
    return Option("protection.stop", payload("protection_stop"))


def stopped() -> list[Action]:
    """Ends the conversation at the user's wish, with the lines and the chat-safety tip."""
    return [EndFlow(), Say("protection.stopped"), Say("protection.safety_tip")]


def country_of(turn: Turn, conv: Conversation) -> str | None:
    """The country named now, or the one remembered from earlier in the conversation."""
    named = turn.entity("country")
    remembered = conv.slots.get(COUNTRY)
    return named or (str(remembered) if remembered else None)


def hotlines(turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
    """Police, KP2MI, SAPA 129, and the embassy or consulate of the worker's country."""
    country = country_of(turn, conv)
    actions: list[Action] = [Say("protection.hotlines")]
    if country and turn.entity("country"):
        actions.insert(0, SetSlot(COUNTRY, country))
    mission = store.mission(country)
    if mission:
        actions.append(Say("referral.mission", {"org": mission}))
    return actions


def talk_now_option() -> Option:
    """Talk to a case worker now (the case is already open; this says who and when)."""
    return Option("protection.talk_now", payload("human_request"))
