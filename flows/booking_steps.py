"""Steps the booking flows share: which LTSA, consent and name, yes/no, and leaving a flow.

Not a flow itself: `booking_opp`, `booking_desk` and `booking_manage` build on these.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flows.actions import Action, Ask, EndFlow, Option
from flows.payload import payload
from flows.store import BookingInfo, FlowStore
from flows.turn import Turn

# Typed in the middle of a booking, these leave it (the matching flow answers instead).
GLOBAL = frozenset(
    {"ask_menu", "human_request", "change_language", "delete_my_data", "privacy_info"}
)
_NEUTRAL = frozenset({None, "nlu_fallback", "affirm", "deny", "empty_message", "no_words"})
# What people call the desks, as the NLU or a typed word gives them.
DESK_NAMES = {
    "imigrasi": "imigrasi",
    "paspor": "imigrasi",
    "kepolisian": "kepolisian",
    "polisi": "kepolisian",
    "polres": "kepolisian",
    "skck": "kepolisian",
    "kesehatan": "kesehatan",
    "dukcapil": "dukcapil",
    "disnaker": "disnaker",
    "kp2mi": "kp2mi",
    "bp2mi": "kp2mi",
    "bp3mi": "kp2mi",
    "bpjs": "bpjs",
    "bpjs ketenagakerjaan": "bpjs",
    "bank": "bank",
}

_NAME = re.compile(r"^[^\W\d_]+(?:[ .'\-][^\W\d_]+)*\.?$")


def param(turn: Turn, name: str) -> Any:
    """A value of the pressed button's payload (any JSON type), or None."""
    return (turn.payload or {}).get(name)


def int_param(turn: Turn, name: str) -> int | None:
    """A whole-number payload value, or None."""
    value = param(turn, name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def other_intent(turn: Turn, own: frozenset[str]) -> bool:
    """True when the message asks for something else, which another flow should answer."""
    if turn.is_button:
        return turn.intent not in own
    if turn.intent in _NEUTRAL or turn.intent in own:
        return False
    return turn.confidence >= 0.6


def leaves_name_step(turn: Turn) -> bool:
    """While a name is typed only a clear command leaves: any other text may be a name."""
    if turn.is_button:
        return turn.intent in GLOBAL
    return turn.intent in GLOBAL and turn.confidence >= 0.9


def validate_ltsa(turn: Turn, store: FlowStore) -> str | None:
    """The LTSA named in the message, chosen with a button, or typed as its name."""
    named = turn.entity("ltsa")
    if named:
        return store.ltsa_slug(named)
    if not turn.is_button and len(turn.text) <= 60:
        return store.ltsa_slug(turn.text.strip())
    return None


def validate_yes(turn: Turn, name: str) -> bool | None:
    """True or False from a yes/no button (payload `name`) or a typed yes or no."""
    value = param(turn, name)
    if isinstance(value, bool):
        return value
    if not turn.is_button and turn.intent in {"affirm", "deny"}:
        return turn.intent == "affirm"
    return None


def validate_name(text: str) -> str | None:
    """A person's name as typed: letters, spaces, dots, apostrophes, hyphens; 3–80 chars."""
    name = " ".join(text.split())
    if not 3 <= len(name) <= 80 or name.startswith("/") or not _NAME.match(name):
        return None
    return name


def hhmm(moment: dt.datetime) -> str:
    """ "08.30": the clock as written in Indonesian, for slot buttons."""
    return f"{moment:%H.%M}"


def ask_ltsa(store: FlowStore, intent: str, **params: Any) -> Ask:
    """Which LTSA? Buttons send `intent` again with the chosen LTSA."""
    options = tuple(
        Option(name, payload(intent, ltsa=slug, **params), literal=True)
        for slug, name in store.ltsas()
    )
    return Ask("booking.ask_ltsa", options)


def ask_consent(step: str, for_other: bool) -> Ask:
    """May we store the name? (For a villager: did they agree?)"""
    return Ask(
        "booking.consent_other" if for_other else "booking.consent",
        (
            Option("booking.consent_yes", payload(step, consent=True)),
            Option("booking.consent_no", payload(step, consent=False)),
        ),
    )


def confirm_options(step: str) -> tuple[Option, ...]:
    """Yes, another time, stop: the buttons under a confirmation."""
    return (
        Option("booking.confirm_yes", payload(step, confirm=True)),
        Option("booking.change", payload(step, change=True)),
        Option("booking.stop", payload(step, confirm=False)),
    )


def already_booked(info: BookingInfo | None) -> list[Action]:
    """The refusal of a second active OPP booking, with ways to change the first."""
    if info is None:
        options: tuple[Option, ...] = (Option("intent.check_booking", payload("check_booking")),)
        params: dict[str, Any] = {}
    else:
        options = (
            Option("booking.reschedule", payload("reschedule_booking", code=info.code)),
            Option("booking.cancel", payload("cancel_booking", code=info.code)),
        )
        params = {"booking_code": info.code, "when": info.starts_at, "place": info.place}
    return [
        EndFlow(),
        Ask("booking.opp.already", (*options, Option("menu.main", payload("ask_menu"))), params),
    ]


def own_opp(bookings: tuple[BookingInfo, ...]) -> BookingInfo | None:
    """The user's own active OPP booking (not one made for a villager)."""
    return next((b for b in bookings if b.kind == "opp" and not b.for_other), None)


def validate_desk(turn: Turn) -> str | None:
    """The desk named in the message or pressed, as its code."""
    named = turn.entity("desk")
    if named is None and not turn.is_button and len(turn.text) <= 40:
        named = turn.text
    return DESK_NAMES.get(" ".join((named or "").lower().split()))
