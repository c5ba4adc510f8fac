"""The shape every flow has, and the intent groups flows agree on."""

from __future__ import annotations

from typing import ClassVar, Protocol

from flows.actions import Action
from flows.store import FlowStore
from flows.turn import Conversation, Turn

PROTECTION_INTENTS = frozenset(
    {
        "emergency",
        "report_violence",
        "report_exploitation",
        "report_trafficking",
        "seek_counseling",
        "legal_aid",
        "family_lost_contact",
    }
)
# These interrupt any flow, from any state (DESIGN: safety comes first); within a protection
# flow only `emergency` does, so that more of a person's story continues their conversation.
SAFETY_INTENTS = PROTECTION_INTENTS
PROTECTION_FLOWS = frozenset({"disclosure", "family"})
# (flow, state) where the next typed message is text to pass on, not a request: an
# announcement being written ("waspada calo…") is not a report; only `emergency` interrupts.
DICTATION_STATES = frozenset({("announce", "write")})


class Flow(Protocol):
    """A small state machine. `start` begins it for a matching intent; `resume` continues it
    with the next message and returns None when that message is not for it."""

    name: ClassVar[str]

    def handles(self, intent: str) -> bool: ...

    async def start(self, turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]: ...

    async def resume(
        self, turn: Turn, conv: Conversation, store: FlowStore
    ) -> list[Action] | None: ...


class Stateless:
    """Base for flows that answer in one turn and never hold the conversation."""

    async def resume(
        self, turn: Turn, conv: Conversation, store: FlowStore
    ) -> list[Action] | None:
        return None
