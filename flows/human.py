"""While a case worker has the conversation.

Once a worker takes the case the bot steps aside: the user is told a person has joined (that
notice is the only acknowledgement), what the user writes is kept for the worker, and the bot
says nothing more — the worker's own replies are the answer. A few commands still work.
`/menu` (or /start) asks whether to leave the worker: "stay" keeps the conversation with them,
"back to the bot" closes the case and shows the menu. `/petugas` says they are already talking
to a person. Changing the language and the privacy commands (`/hapus`, `/privasi`) work as
anywhere else (`dispatch` lets them through). When the worker closes the case the service tells
the user and the bot answers again.

```mermaid
flowchart LR
    text[any message] --> kept[kept for the worker, no bot reply]
    menu[/menu] --> ask{leave the worker?}
    ask -->|stay| kept
    ask -->|back to the bot| bot[case closed, menu]
```
"""

from __future__ import annotations

from typing import ClassVar

from flows.actions import Action, Ask, EndFlow, HandOff, Option, Relay, ReturnToBot, Say
from flows.menu import main_menu
from flows.payload import payload
from flows.store import FlowStore
from flows.turn import Conversation, Turn

HUMAN = "human"
# Buttons and commands that work the same with a person as with the bot.
PASS_THROUGH = frozenset({"change_language", "delete_my_data", "delete_confirmed", "privacy_info"})


def passes_through(turn: Turn) -> bool:
    """True when the message goes to the usual flows although a person has the conversation."""
    return turn.is_button and turn.intent in PASS_THROUGH


def leave_question() -> Ask:
    """Stay with the case worker, or go back to the bot?"""
    return Ask(
        "human.leave_ask",
        (
            Option("human.stay", payload("human_stay")),
            Option("human.leave", payload("human_leave")),
        ),
    )


class WithPersonFlow:
    """Keeps the bot silent while a person has the conversation; lets the user leave."""

    name: ClassVar[str] = "with_person"

    def handles(self, intent: str) -> bool:
        return intent in {"human_stay", "human_leave"}

    async def start(self, turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
        """A stale "stay / back" button when the bot already answers: the menu."""
        if conv.mode == HUMAN:
            return await self.with_person(turn, conv, store)
        return [EndFlow(), main_menu()]

    async def resume(
        self, turn: Turn, conv: Conversation, store: FlowStore
    ) -> list[Action] | None:
        return None

    async def with_person(self, turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
        """Keeps the message for the worker; answers only the few commands that still work."""
        if not turn.is_button:
            if turn.intent == "emergency":  # the danger lexicon: lines now, the case urgent
                return [
                    Relay(),
                    HandOff("emergency", priority="urgent", kind="emergency"),
                    Say("protection.hotlines"),
                ]
            return [Relay()]
        if turn.intent in {"ask_menu", "greet"}:
            return [leave_question()]
        if turn.intent == "human_stay":
            return [Say("human.staying")]
        if turn.intent == "human_leave":
            return [ReturnToBot("user_left"), EndFlow(), Say("human.left"), main_menu()]
        if turn.intent == "human_request":
            return [Say("human.already")]
        return [Relay()]
