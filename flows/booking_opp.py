"""Registering for an OPP session (`book_opp`).

The user asks to join OPP ("daftar opp", "/book_opp"). Someone who already holds an active
OPP booking is told so, with its code, and offered to move or cancel it: one active OPP
booking per person. Otherwise the bot takes the LTSA from the message, from memory, or asks;
then it shows the next sessions that still have seats as buttons. After a session is chosen it
says what to bring, asks consent to store a name (the only personal data this needs; the chat
identity is already known), asks the name, repeats everything and asks to confirm. The seat is
taken at confirmation: the user gets a code ("OPP-7KQ4") and a calendar link, or, if the last
seat went meanwhile, the other sessions with seats and the waitlist of the full one.

A KOPI coordinator is first asked whom the booking is for; for a villager the coordinator
confirms that person agreed to have their name stored, and types the villager's name.
Rescheduling (from `booking_manage`) enters at the session choice and skips the name.

```mermaid
flowchart LR
    start[book_opp] -->|active OPP booking| already[refuse: reschedule / cancel]
    start -->|LTSA unknown| ltsa[which LTSA?] --> sessions
    start --> sessions[sessions with seats]
    sessions -->|all full| wait[waitlist offer]
    sessions --> bring[what to bring] -->|coordinator| whom[for me / villager] --> consent
    bring --> consent{consent?} -->|no| off[register at the office]
    consent -->|yes| name[name?] --> confirm{confirm?}
    confirm -->|yes, seat free| code[code + calendar link]
    confirm -->|yes, just full| sessions
    wait --> consent
```
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import ClassVar

from flows.actions import (
    Action,
    Ask,
    Book,
    EndFlow,
    Goto,
    JoinWaitlist,
    Option,
    Reschedule,
    Say,
    SetLtsa,
    SetSlot,
)
from flows.booking_steps import (
    already_booked,
    ask_consent,
    ask_ltsa,
    confirm_options,
    int_param,
    leaves_name_step,
    other_intent,
    own_opp,
    param,
    validate_ltsa,
    validate_name,
    validate_yes,
)
from flows.payload import payload
from flows.store import BookingInfo, FlowStore, OppSlot
from flows.turn import Conversation, Turn
from nlu.dates import parse_when

FLOW = "book_opp"
STEP = "opp_step"
OWN = frozenset({FLOW, STEP})


class State(StrEnum):
    CHOOSE_LTSA = "choose_ltsa"
    CHOOSE_SESSION = "choose_session"
    FOR_WHOM = "for_whom"
    CONSENT = "consent"
    NAME = "name"
    CONFIRM = "confirm"


def session_options(sessions: Sequence[OppSlot]) -> tuple[Option, ...]:
    """One button per session: its day, time and free seats."""
    return tuple(
        Option(
            "booking.opp.session_label",
            payload(STEP, session=s.id),
            {"when": s.starts_at, "seats": s.seats_left},
        )
        for s in sessions
    )


async def offer_sessions(
    ltsa: str,
    store: FlowStore,
    *,
    lead: Sequence[Action] = (),
    exclude: int | None = None,
    waitlist: bool = True,
    wait_for: OppSlot | None = None,
    known: Sequence[OppSlot] | None = None,
) -> list[Action]:
    """The sessions with seats as buttons, and the waitlist of `wait_for` (by default the
    soonest full session)."""
    listed = known if known is not None else await store.opp_sessions(ltsa)
    sessions = [s for s in listed if s.id != exclude]
    free = [s for s in sessions if s.seats_left > 0]
    full = wait_for or next((s for s in sessions if s.seats_left == 0), None)
    wait = (
        (Option("booking.opp.waitlist", payload(STEP, waitlist=full.id)),)
        if waitlist and full
        else ()
    )
    steps: list[Action] = [*lead, Goto(FLOW, State.CHOOSE_SESSION), SetSlot("ltsa", ltsa)]
    if free:
        options = (*session_options(free[:4]), *wait, Option("menu.main", payload("ask_menu")))
        return [*steps, Ask("booking.opp.sessions", options, {"ltsa": ltsa})]
    if wait and full:
        params = {"ltsa": ltsa, "when": full.starts_at}
        options = (*wait, Option("menu.human", payload("human_request")))
        return [*steps, Ask("booking.opp.all_full", options, params)]
    options = (
        Option("menu.human", payload("human_request")),
        Option("menu.main", payload("ask_menu")),
    )
    return [*lead, EndFlow(), Ask("booking.opp.none", options, {"ltsa": ltsa})]


def start_reschedule(info: BookingInfo) -> list[Action]:
    """Enters the session choice to move the booking `info` (called by `booking_manage`)."""
    return [EndFlow(), Goto(FLOW, State.CHOOSE_SESSION), SetSlot("reschedule", info.code)]


async def find_session(store: FlowStore, ltsa: str, session_id: int | None) -> OppSlot | None:
    """The LTSA's upcoming session with this id, or None."""
    return next((s for s in await store.opp_sessions(ltsa) if s.id == session_id), None)


async def validate_session(turn: Turn, ltsa: str, store: FlowStore) -> OppSlot | None:
    """The session pressed, or the one on the day the user typed ("Rabu depan")."""
    chosen = int_param(turn, "session")
    if chosen is not None:
        return await find_session(store, ltsa, chosen)
    when = None if turn.is_button else parse_when(turn.text, store.now())
    if when is None or when.date is None:
        return None
    return next(
        (s for s in await store.opp_sessions(ltsa) if s.starts_at.date() == when.date), None
    )


def confirm(opp: OppSlot, conv: Conversation, name: str | None) -> list[Action]:
    """Repeats what will be booked and asks to confirm."""
    params = {"when": opp.starts_at, "place": opp.place, "name": name or ""}
    if conv.slots.get("reschedule"):
        key = "booking.opp.confirm_move"
        params["booking_code"] = str(conv.slots["reschedule"])
    elif conv.slots.get("waitlist"):
        key = "booking.opp.confirm_waitlist"
    else:
        key = "booking.opp.confirm"
    return [Goto(FLOW, State.CONFIRM), Ask(key, confirm_options(STEP), params)]


class BookOppFlow:
    """Books a seat in an OPP session, or a place on its waitlist."""

    name: ClassVar[str] = FLOW

    def handles(self, intent: str) -> bool:
        return intent in OWN

    async def start(self, turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
        """Refuses a second OPP booking; otherwise asks the LTSA or shows its sessions."""
        own = own_opp(await store.my_bookings())
        if own is not None and not await store.is_coordinator():
            return already_booked(own)
        ltsa = validate_ltsa(turn, store) if turn.entity("ltsa") else None
        ltsa = ltsa or conv.ltsa
        if ltsa is None:
            return [EndFlow(), Goto(FLOW, State.CHOOSE_LTSA), ask_ltsa(store, FLOW)]
        return [EndFlow(), SetLtsa(ltsa), *await offer_sessions(ltsa, store)]

    async def resume(
        self, turn: Turn, conv: Conversation, store: FlowStore
    ) -> list[Action] | None:
        """Continues at the step the user is on."""
        state, slots = conv.state, conv.slots
        if turn.intent == FLOW and not (state == State.CHOOSE_LTSA and turn.entity("ltsa")):
            return await self.start(turn, conv, store)
        ltsa = str(slots.get("ltsa") or conv.ltsa or "")
        if state == State.NAME:
            if leaves_name_step(turn):
                return None
            return await self.take_name(turn, conv, store, ltsa)
        if other_intent(turn, OWN):
            return None
        if state == State.CHOOSE_LTSA:
            return await self.choose_ltsa(turn, store)
        if state == State.CHOOSE_SESSION:
            return await self.choose_session(turn, conv, store, ltsa)
        if state == State.FOR_WHOM:
            return await self.choose_whom(turn, store)
        if state == State.CONSENT:
            return self.take_consent(turn, conv, ltsa)
        if state == State.CONFIRM:
            return await self.take_confirmation(turn, conv, store, ltsa)
        return None

    async def choose_ltsa(self, turn: Turn, store: FlowStore) -> list[Action]:
        """Stores the chosen LTSA and shows its sessions."""
        ltsa = validate_ltsa(turn, store)
        if ltsa is None:
            return [ask_ltsa(store, FLOW)]
        return [SetLtsa(ltsa), *await offer_sessions(ltsa, store)]

    async def choose_session(
        self, turn: Turn, conv: Conversation, store: FlowStore, ltsa: str
    ) -> list[Action]:
        """Takes the chosen session (or its waitlist) and asks for consent, or confirms."""
        moving = conv.slots.get("reschedule")
        wait_id = None if moving else int_param(turn, "waitlist")
        if wait_id is not None:
            opp = await find_session(store, ltsa, wait_id)
            if opp is None:
                return await offer_sessions(ltsa, store)
            chosen: list[Action] = [SetSlot("session", opp.id), SetSlot("waitlist", True)]
        else:
            opp = await validate_session(turn, ltsa, store)
            if opp is None:
                lead = [Say("booking.pick_one")]
                return await offer_sessions(ltsa, store, lead=lead, waitlist=not moving)
            if opp.seats_left == 0:
                lead = [Say("booking.opp.just_full", {"when": opp.starts_at})]
                return await offer_sessions(ltsa, store, lead=lead, waitlist=not moving)
            chosen = [SetSlot("session", opp.id), SetSlot("waitlist", False)]
        if moving or conv.slots.get("name"):
            return [*chosen, *confirm(opp, conv, conv.slots.get("name"))]
        bring = Say("booking.opp.bring", {"when": opp.starts_at, "place": opp.place})
        if await store.is_coordinator():
            options = (
                Option("booking.for_me", payload(STEP, who="me")),
                Option("booking.for_other", payload(STEP, who="other")),
            )
            return [*chosen, bring, Goto(FLOW, State.FOR_WHOM), Ask("booking.for_whom", options)]
        return [*chosen, bring, Goto(FLOW, State.CONSENT), ask_consent(STEP, for_other=False)]

    async def choose_whom(self, turn: Turn, store: FlowStore) -> list[Action]:
        """A coordinator books for themself or for a villager."""
        who = param(turn, "who")
        if who == "me":
            own = own_opp(await store.my_bookings())
            if own is not None:
                return already_booked(own)
        elif who != "other":
            return [Say("booking.pick_one")]
        for_other = who == "other"
        return [
            SetSlot("for_other", for_other),
            Goto(FLOW, State.CONSENT),
            ask_consent(STEP, for_other),
        ]

    def take_consent(self, turn: Turn, conv: Conversation, ltsa: str) -> list[Action]:
        """With consent, asks the name; without it, points to the office."""
        agreed = validate_yes(turn, "consent")
        for_other = bool(conv.slots.get("for_other"))
        if agreed is None:
            return [ask_consent(STEP, for_other)]
        if not agreed:
            return [EndFlow(), Say("booking.no_consent", {"ltsa": ltsa})]
        key = "booking.ask_other_name" if for_other else "booking.ask_name"
        return [
            SetSlot("consent", "coordinator" if for_other else "self"),
            Goto(FLOW, State.NAME),
            Say(key),
        ]

    async def take_name(
        self, turn: Turn, conv: Conversation, store: FlowStore, ltsa: str
    ) -> list[Action]:
        """Stores the typed name and asks to confirm the booking."""
        name = None if turn.is_button else validate_name(turn.text)
        if name is None:
            return [Say("booking.bad_name")]
        session_id = conv.slots.get("session")
        opp = await find_session(store, ltsa, session_id if isinstance(session_id, int) else None)
        if opp is None:
            return [SetSlot("name", name), *await offer_sessions(ltsa, store)]
        return [SetSlot("name", name), *confirm(opp, conv, name)]

    async def take_confirmation(
        self, turn: Turn, conv: Conversation, store: FlowStore, ltsa: str
    ) -> list[Action]:
        """Books (or moves, or waits) on yes; other sessions on "change"; stops on no."""
        slots = conv.slots
        moving = slots.get("reschedule")
        if param(turn, "change") is True:
            return await offer_sessions(ltsa, store, waitlist=not moving)
        agreed = validate_yes(turn, "confirm")
        if agreed is False:
            return [EndFlow(), Say("booking.stopped")]
        known = await store.opp_sessions(ltsa)  # read once: every follow-up below uses it
        opp = next((s for s in known if s.id == slots.get("session")), None)
        if opp is None:
            return await offer_sessions(ltsa, store, waitlist=not moving, known=known)
        if agreed is None:
            return confirm(opp, conv, slots.get("name"))
        name = str(slots.get("name") or "") or None
        consent = str(slots.get("consent") or "self")
        for_other = bool(slots.get("for_other"))
        lead = [Say("booking.opp.just_full", {"when": opp.starts_at})]
        retry = tuple(
            await offer_sessions(
                ltsa, store, lead=lead, exclude=opp.id, waitlist=False, known=known
            )
        )
        done = (EndFlow(), Say("booking.calendar"))
        if moving:
            moved = (EndFlow(), Say("booking.rescheduled"), Say("booking.calendar"))
            on = {
                "moved": moved,
                "full": retry,
                "past": retry,
                "not_found": (EndFlow(), Say("booking.not_found")),
            }
            return [Reschedule(str(moving), session_id=opp.id, on=on)]
        if slots.get("waitlist"):
            seat_free = tuple(
                await offer_sessions(ltsa, store, lead=[Say("booking.opp.seat_free")], known=known)
            )
            on = {
                "waiting": (EndFlow(), Say("booking.waitlisted", {"when": opp.starts_at})),
                "already": (EndFlow(), Say("booking.waitlist_already", {"when": opp.starts_at})),
                "seat_free": seat_free,
                "past": retry,
            }
            return [JoinWaitlist(opp.id, name, consent, for_other, on=on)]
        with_wait = tuple(
            await offer_sessions(ltsa, store, lead=lead, exclude=opp.id, wait_for=opp, known=known)
        )
        on = {
            "booked": (Say("booking.booked"), *done),
            "full": with_wait,
            "past": retry,
            "duplicate": tuple(already_booked(None)),
        }
        return [
            Book(
                "opp",
                ltsa,
                session_id=opp.id,
                name=name,
                consent=consent,
                for_other=for_other,
                on=on,
            )
        ]


__all__ = ["BookOppFlow", "offer_sessions", "start_reschedule"]
