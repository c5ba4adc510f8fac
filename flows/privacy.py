"""What the service keeps about the user, and erasing it.

`/privasi` (privacy_info) explains what is kept (messages, language, LTSA, cases, bookings),
who sees it (case workers of the user's LTSA; protection cases only by case workers and
supervisors, encrypted), and for how long. `/hapus` (delete_my_data) first asks for
confirmation; on "yes" the messages, the conversation and the profile are erased. When an
open protection case needs them, its transcript stays until the case is closed, and the user
is told so honestly; the rest is erased at once.

```mermaid
flowchart LR
    hapus[/hapus] --> confirm{erase everything?}
    confirm -->|yes, no open protection case| erased[erased]
    confirm -->|yes, open protection case| kept[erased except the case, until it closes]
    confirm -->|no| menu
```
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from flows.actions import Action, Ask, EndFlow, EraseMyData, Goto, Option, Say
from flows.menu import main_menu
from flows.payload import payload
from flows.store import FlowStore
from flows.turn import Conversation, Turn


class State(StrEnum):
    CONFIRM = "confirm_delete"


def erase() -> list[Action]:
    """Erases, then says what was erased (and what an open protection case keeps)."""
    return [
        EndFlow(),
        EraseMyData(
            on={"erased": (Say("privacy.erased"),), "kept": (Say("privacy.erased_kept"),)}
        ),
    ]


class PrivacyFlow:
    """Explains what is kept; erases the user's data after a confirmation."""

    name: ClassVar[str] = "privacy"

    def handles(self, intent: str) -> bool:
        return intent in {"delete_my_data", "delete_confirmed", "privacy_info"}

    async def start(self, turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
        """Explains, asks to confirm the erasure, or erases."""
        if turn.intent == "privacy_info":
            return [
                EndFlow(),
                Say("privacy.info"),
                Ask(
                    "privacy.info_next",
                    (
                        Option("privacy.delete_button", payload("delete_my_data")),
                        Option("menu.main", payload("ask_menu")),
                    ),
                ),
            ]
        if turn.intent == "delete_my_data":
            return [
                Goto(PrivacyFlow.name, State.CONFIRM),
                Ask(
                    "privacy.delete_confirm",
                    (
                        Option("privacy.delete_yes", payload("delete_confirmed")),
                        Option("privacy.delete_no", payload("ask_menu")),
                    ),
                ),
            ]
        return erase()

    async def resume(
        self, turn: Turn, conv: Conversation, store: FlowStore
    ) -> list[Action] | None:
        """A typed "yes" erases; "no" keeps everything and shows the menu."""
        if conv.state != State.CONFIRM:
            return None
        if turn.intent == "affirm":
            return erase()
        if turn.intent == "deny":
            return [EndFlow(), main_menu("privacy.not_deleted")]
        return None
