"""A family asks how its case is going.

With the case number and PIN given when the case was opened ("K2612-0042", six digits), the
bot says what kind of case it is, whether a case worker has it, and when it last changed. The
number and PIN can come in one message ("status K2612-0042 123456"), or one after the other.
A wrong PIN says only that the number or PIN is wrong (a stranger learns nothing); after five
wrong tries in a day the case's status is locked and the family is told to ask a case worker.

```mermaid
flowchart LR
    ask[case_status] -->|no number| n[ask number] --> p[ask PIN]
    ask -->|number| p --> look{lookup}
    look -->|ok| status[kind, status, dates]
    look -->|wrong| again[try again] --> p
    look -->|locked| person[ask a case worker]
```
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import ClassVar

from flows.actions import Action, Ask, EndFlow, Goto, Option, PinFailed, Say, SetSlot
from flows.payload import payload
from flows.store import FlowStore
from flows.turn import Conversation, Turn

NUMBER = re.compile(r"\b([Kk]\d{4}-\d{4,})\b")
PIN = re.compile(r"(?<!\d)(\d{6})(?!\d)")


# Kinds of case the status answer names (anything else is "other").
CASE_KINDS = ("lost_contact", "sick", "death", "protection", "emergency", "human_request")


class State(StrEnum):
    ASK_NUMBER = "ask_number"
    ASK_PIN = "ask_pin"


def validate_number(turn: Turn) -> str | None:
    """A case number in the message ("K2612-0042"), upper-cased."""
    named = turn.entity("case_number")
    found = NUMBER.search(named or turn.text)
    return found.group(1).upper() if found else None


def validate_pin(turn: Turn) -> str | None:
    """Six digits in the message (outside the case number)."""
    named = turn.entity("case_pin")
    found = PIN.search(named or NUMBER.sub(" ", turn.text))
    return found.group(1) if found else None


def _menu() -> Option:
    return Option("menu.main", payload("ask_menu"))


class CaseStatusFlow:
    """Answers "how is my case going?" for the holder of its number and PIN."""

    name: ClassVar[str] = "case_status"

    def handles(self, intent: str) -> bool:
        return intent == "case_status"

    async def start(self, turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
        """Looks the case up, or asks for what is missing."""
        number = validate_number(turn)
        if number is None:
            return [Goto(self.name, State.ASK_NUMBER), Ask("case_status.ask_number", (_menu(),))]
        pin = validate_pin(turn)
        if pin is None:
            return [
                Goto(self.name, State.ASK_PIN),
                SetSlot("number", number),
                Ask("case_status.ask_pin", (_menu(),)),
            ]
        return await self._look_up(number, pin, store)

    async def resume(
        self, turn: Turn, conv: Conversation, store: FlowStore
    ) -> list[Action] | None:
        """Takes the number, then the PIN."""
        if turn.is_button:
            return None
        if conv.state == State.ASK_NUMBER:
            number = validate_number(turn)
            if number is None:
                return [EndFlow(), Ask("case_status.bad_number", (_menu(),))]
            pin = validate_pin(turn)
            if pin is not None:
                return await self._look_up(number, pin, store)
            return [
                Goto(self.name, State.ASK_PIN),
                SetSlot("number", number),
                Ask("case_status.ask_pin", (_menu(),)),
            ]
        if conv.state == State.ASK_PIN:
            pin = validate_pin(turn)
            number = str(conv.slots.get("number", ""))
            if pin is None or not number:
                return [EndFlow(), Ask("case_status.bad_pin", (_menu(),))]
            return await self._look_up(number, pin, store)
        return None

    async def _look_up(self, number: str, pin: str, store: FlowStore) -> list[Action]:
        """The status, or why it cannot be shown."""
        found = await store.case_status(number, pin)
        if found.result == "locked":
            person = Option("menu.human", payload("human_request"))
            return [EndFlow(), Ask("case_status.locked", (person, _menu()))]
        if found.result != "ok":
            return [EndFlow(), PinFailed(number), Ask("case_status.wrong", (_menu(),))]
        dates = {"number": found.number, "opened": found.opened, "updated": found.updated}
        kind = found.reason if found.kind == "family" else found.kind
        return [
            EndFlow(),
            Say("case_status.result", dates),
            Say(f"case_status.kind.{kind if kind in CASE_KINDS else 'other'}"),
            Say(f"case_status.status.{found.status}"),
        ]
