"""The user's bookings: see them (`check_booking`), cancel one (`cancel_booking`), move one
(`reschedule_booking`).

"Cek pendaftaran" lists the active bookings (code, what, when, where) with buttons to move or
cancel each; with none, it offers to book. Cancelling names the booking (a button, a typed code
such as "OPP-7KQ4", or the only one there is), asks to confirm, then cancels it: its reminders
are removed and the seat goes to the first person on the waitlist. Moving an OPP booking goes to
the session choice of `booking_opp`, a desk booking to the day choice of `booking_desk`; the
code stays the same.

```mermaid
flowchart LR
    check[check_booking] --> list[bookings + move / cancel buttons]
    cancel[cancel_booking] -->|which?| pick[choose a booking] --> sure{sure?}
    cancel --> sure -->|yes| done[cancelled, seat freed]
    move[reschedule_booking] --> pick2[choose a booking] --> opp[OPP sessions] & desk[desk days]
```
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from flows import booking_desk, booking_opp
from flows.actions import Action, Ask, CancelBooking, EndFlow, Goto, Option, Say, SetSlot
from flows.booking_steps import other_intent, validate_yes
from flows.payload import payload
from flows.store import BookingInfo, FlowStore
from flows.turn import Conversation, Turn

FLOW = "booking_manage"
STEP = "booking_step"
INTENTS = frozenset({"check_booking", "cancel_booking", "reschedule_booking"})
OWN = INTENTS | {STEP}
_CODE_CHARS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class State(StrEnum):
    CONFIRM_CANCEL = "confirm_cancel"


def typed_code(text: str) -> str | None:
    """A booking code in typed text: "opp 7kq4", "OPP-7KQ4", "lkt3mxp"."""
    words = "".join(ch if ch.isalnum() else " " for ch in text.upper()).split()
    for i, word in enumerate(words):
        joined = word + (words[i + 1] if i + 1 < len(words) and word in {"OPP", "LKT"} else "")
        for prefix in ("OPP", "LKT"):
            rest = joined.removeprefix(prefix)
            if rest != joined and len(rest) == 4 and all(c in _CODE_CHARS for c in rest):
                return f"{prefix}-{rest}"
    return None


def describe(info: BookingInfo) -> dict[str, Any]:
    """Render parameters of one booking."""
    return {
        "booking_code": info.code,
        "when": info.starts_at,
        "place": info.place,
        "ltsa": info.ltsa,
        **({"desk": info.desk} if info.desk else {}),
    }


def item(info: BookingInfo) -> Say:
    """One line of the list: what, when, where, code."""
    return Say(f"booking.item_{info.kind}", describe(info))


def none_yet() -> list[Action]:
    """No active booking: offers to book OPP or a desk."""
    options = (
        Option("intent.book_opp", payload("book_opp")),
        Option("intent.book_desk", payload("book_desk")),
    )
    return [EndFlow(), Ask("booking.none_mine", options)]


def pick(bookings: tuple[BookingInfo, ...], intent: str, key: str) -> list[Action]:
    """Which booking? One button per booking, sending `intent` with its code."""
    label = "booking.cancel_code" if intent == "cancel_booking" else "booking.move_code"
    options = tuple(
        Option(label, payload(intent, code=b.code), {"booking_code": b.code}) for b in bookings
    )
    return [EndFlow(), *(item(b) for b in bookings), Ask(key, options)]


class ManageBookingFlow:
    """Lists, cancels and moves the user's bookings."""

    name: ClassVar[str] = FLOW

    def handles(self, intent: str) -> bool:
        return intent in OWN

    async def start(self, turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
        """Lists the bookings, or picks the one to cancel or move."""
        bookings = await store.my_bookings()
        if not bookings:
            return none_yet()
        if turn.intent == "check_booking" or turn.intent == STEP:
            options: list[Option] = []
            for b in bookings[:3]:
                params = {"booking_code": b.code}
                options.append(
                    Option("booking.move_code", payload("reschedule_booking", code=b.code), params)
                )
                options.append(
                    Option("booking.cancel_code", payload("cancel_booking", code=b.code), params)
                )
            options.append(Option("menu.main", payload("ask_menu")))
            return [
                EndFlow(),
                Say("booking.mine"),
                *(item(b) for b in bookings),
                Ask("booking.mine_next", tuple(options)),
            ]
        code = turn.entity("code") or typed_code(turn.text)
        chosen = next((b for b in bookings if b.code == code), None)
        if chosen is None and code is None and len(bookings) == 1:
            chosen = bookings[0]
        if chosen is None:
            lead: list[Action] = [Say("booking.not_found", {"booking_code": code})] if code else []
            key = (
                "booking.cancel_which" if turn.intent == "cancel_booking" else "booking.move_which"
            )
            return [*lead, *pick(bookings, str(turn.intent), key)]
        if turn.intent == "cancel_booking":
            sure = (
                Option("booking.cancel_yes", payload(STEP, cancel=True)),
                Option("booking.keep", payload(STEP, cancel=False)),
            )
            return [
                EndFlow(),
                Goto(FLOW, State.CONFIRM_CANCEL),
                SetSlot("code", chosen.code),
                Ask("booking.cancel_confirm", sure, describe(chosen)),
            ]
        if chosen.kind == "opp":
            return [
                *booking_opp.start_reschedule(chosen),
                *await booking_opp.offer_sessions(
                    chosen.ltsa, store, exclude=chosen.session_id, waitlist=False
                ),
            ]
        return [
            *booking_desk.start_reschedule(chosen),
            *await booking_desk.ask_day(store, chosen.ltsa, chosen.desk or ""),
        ]

    async def resume(
        self, turn: Turn, conv: Conversation, store: FlowStore
    ) -> list[Action] | None:
        """Cancels on yes, keeps the booking on no."""
        if conv.state != State.CONFIRM_CANCEL or other_intent(turn, OWN) or turn.intent in INTENTS:
            return None
        agreed = validate_yes(turn, "cancel")
        code = str(conv.slots.get("code") or "")
        if agreed is None:
            return None
        if not agreed:
            return [EndFlow(), Say("booking.kept", {"booking_code": code})]
        on = {
            "cancelled": (EndFlow(), Say("booking.cancelled")),
            "not_found": (EndFlow(), Say("booking.not_found")),
        }
        return [CancelBooking(code, on=on)]


__all__ = ["ManageBookingFlow", "typed_code"]
