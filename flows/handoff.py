"""Asking for a person.

The user asks to talk to a person ("mau ngobrol sama petugas", /petugas, the menu button, or
"yes" when the bot offers one after two misunderstood messages or two unhelpful answers): a
case is opened for the LTSA's case workers and the user is told what happens next — a worker
will answer in this chat (outside office hours: from when), and the hotlines to use if it is
urgent. The answer offers a female case worker. Asking for one ("mau petugas perempuan", or
the button) flags the case so that only a female worker can take it; when none is on duty the
bot says so honestly and lets the user choose: wait for one, or any worker.

```mermaid
flowchart LR
    ask[human_request] --> case[case opened + what happens next]
    case -->|female worker| check{female worker on duty?}
    ask -->|"petugas perempuan"| check
    check -->|yes| flagged[case flagged: she will answer]
    check -->|no| choose{wait or anyone?}
    choose -->|wait| flagged
    choose -->|anyone| any[flag removed]
```
"""

from __future__ import annotations

from typing import ClassVar

from flows.actions import Action, Ask, CheckFemaleStaff, EndFlow, HandOff, Option, ResetMisses, Say
from flows.base import Stateless
from flows.payload import payload
from flows.store import FlowStore
from flows.turn import Conversation, Turn

# Why the user was handed over, when a button says so (the default: they asked).
REASONS = frozenset({"user_request", "fallback_twice", "unhelpful_twice"})


def validate_reason(turn: Turn) -> str:
    """The reason carried by the pressed button, or "user_request"."""
    reason = turn.entity("reason")
    return reason if reason in REASONS else "user_request"


def female_requested(turn: Turn) -> bool:
    """True when the user asked for a female case worker (button or words)."""
    return turn.intent == "female_worker" or turn.entity("staff_gender") == "female"


def requested() -> list[Action]:
    """What happens next, with the offer of a female case worker."""
    return [
        Say("handoff.requested"),
        Ask(
            "handoff.female_offer",
            (
                Option("handoff.female", payload("female_worker")),
                Option("menu.main", payload("ask_menu")),
            ),
        ),
    ]


def female_check(reason: str) -> list[Action]:
    """Flags the case; says whether a female case worker is on duty, and if not, asks."""
    return [
        HandOff(reason, female=True),
        CheckFemaleStaff(
            on={
                "on_duty": (Say("handoff.female_on_duty"),),
                "none": (
                    Ask(
                        "handoff.female_none",
                        (
                            Option("handoff.female_wait", payload("female_wait")),
                            Option("handoff.any_worker", payload("any_worker")),
                        ),
                    ),
                ),
            }
        ),
    ]


class HandoffFlow(Stateless):
    """Opens a case when the user asks for a person; flags it for a female case worker."""

    name: ClassVar[str] = "handoff"

    def handles(self, intent: str) -> bool:
        return intent in {"human_request", "female_worker", "female_wait", "any_worker"}

    async def start(self, turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
        """Opens the case and explains what happens next."""
        reason = validate_reason(turn)
        head: list[Action] = [EndFlow(), ResetMisses()]
        if turn.intent == "female_wait":
            return [*head, HandOff(reason, female=True), Say("handoff.female_waiting")]
        if turn.intent == "any_worker":
            return [*head, HandOff(reason, female=False), Say("handoff.any_worker_ok")]
        if female_requested(turn):
            return [*head, *female_check(reason)]
        return [*head, HandOff(reason), *requested()]
