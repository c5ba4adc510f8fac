"""An appointment at an LTSA desk (`book_desk`, entity `desk`).

The user asks for an appointment ("mau ke loket imigrasi", "/book_desk{"desk":"imigrasi"}").
The bot takes the LTSA as for OPP, then the desk from the message or as a choice of the desks
under that LTSA's roof; a desk that serves elsewhere is named with its place. Then the day:
buttons for the next open days, or typed in any of the four languages ("Rabu depan", "sesuk
jam 9", "isukan"), read in Asia/Jakarta. A past day, a weekday the office is closed, a public
holiday (named) or a closure is refused with the reason and the next open days. Then the time:
the free slots of that day (a typed time that is free is taken directly). Consent and name as
for OPP, a confirmation, and the code ("LKT-3MXP"); a slot taken meanwhile offers the others.
Rescheduling (from `booking_manage`) enters at the day choice and skips the name.

```mermaid
flowchart LR
    start[book_desk] --> ltsa[which LTSA?] --> desk[which desk?]
    start --> desk --> day[which day?]
    day -->|past / closed / holiday| day
    day --> time[which time?] --> consent{consent?} --> name[name?] --> confirm{confirm?}
    day -->|"sesuk jam 9", free| consent
    confirm -->|yes| code[code + calendar link]
    confirm -->|slot just taken| time
```
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import ClassVar

from flows.actions import (
    Action,
    Ask,
    Book,
    EndFlow,
    Goto,
    Option,
    Reschedule,
    Say,
    SetLtsa,
    SetSlot,
)
from flows.booking_steps import (
    ask_consent,
    ask_ltsa,
    confirm_options,
    hhmm,
    leaves_name_step,
    other_intent,
    param,
    validate_desk,
    validate_ltsa,
    validate_name,
    validate_yes,
)
from flows.payload import payload
from flows.store import BookingInfo, FlowStore
from flows.turn import Conversation, Turn
from nlu.dates import parse_when

FLOW = "book_desk"
STEP = "desk_step"
OWN = frozenset({FLOW, STEP})
MAX_TIMES = 8  # slot buttons shown at once


class State(StrEnum):
    CHOOSE_LTSA = "choose_ltsa"
    CHOOSE_DESK = "choose_desk"
    CHOOSE_DAY = "choose_day"
    CHOOSE_TIME = "choose_time"
    CONSENT = "consent"
    NAME = "name"
    CONFIRM = "confirm"


def validate_day(turn: Turn, store: FlowStore) -> tuple[dt.date | None, dt.time | None]:
    """The day (and maybe time) pressed or typed ("Rabu depan", "sesuk jam 9")."""
    pressed = param(turn, "day")
    if isinstance(pressed, str):
        try:
            return dt.date.fromisoformat(pressed), None
        except ValueError:
            return None, None
    if turn.is_button:
        return None, None
    when = parse_when(turn.text, store.now())
    return (when.date, when.time) if when else (None, None)


def ask_desk(store: FlowStore, ltsa: str, lead: tuple[Action, ...] = ()) -> list[Action]:
    """Which desk? The desks under the LTSA's roof as buttons."""
    desks = store.desks_here(ltsa)
    if not desks:
        human = (Option("menu.human", payload("human_request")),)
        return [*lead, EndFlow(), Ask("booking.desk.none", human, {"ltsa": ltsa})]
    options = tuple(Option(f"desk.{d}", payload(STEP, desk=d)) for d in desks)
    return [
        *lead,
        Goto(FLOW, State.CHOOSE_DESK),
        Ask("booking.desk.ask_desk", options, {"ltsa": ltsa}),
    ]


async def ask_day(
    store: FlowStore, ltsa: str, desk: str, key: str = "booking.desk.ask_day", **params: object
) -> list[Action]:
    """Which day? The next open days as buttons; typing a day works too."""
    days = await store.open_days(ltsa, desk)
    if not days:
        human = (Option("menu.human", payload("human_request")),)
        return [EndFlow(), Ask("booking.desk.no_days", human, {"ltsa": ltsa, "desk": desk})]
    options = tuple(
        Option("booking.day_label", payload(STEP, day=d.isoformat()), {"day": d}) for d in days
    )
    return [
        Goto(FLOW, State.CHOOSE_DAY),
        Ask(key, options, {"ltsa": ltsa, "desk": desk, **params}),
    ]


def time_options(slots: tuple[dt.datetime, ...]) -> tuple[Option, ...]:
    """The free times as buttons (the first few), and "another day"."""
    times = [
        Option("booking.time_label", payload(STEP, at=s.isoformat()), {"time": hhmm(s)})
        for s in slots[:MAX_TIMES]
    ]
    return (*times, Option("booking.other_day", payload(STEP, change=True)))


def stored_at(conv: Conversation) -> dt.datetime | None:
    """The slot chosen earlier in this conversation, if one is stored."""
    try:
        return dt.datetime.fromisoformat(str(conv.slots.get("at")))
    except ValueError:
        return None


def start_reschedule(info: BookingInfo) -> list[Action]:
    """Enters the day choice to move the desk booking `info` (called by `booking_manage`)."""
    return [
        EndFlow(),
        SetSlot("reschedule", info.code),
        SetSlot("ltsa", info.ltsa),
        SetSlot("desk", info.desk),
    ]


class BookDeskFlow:
    """Books a slot at one desk of an LTSA."""

    name: ClassVar[str] = FLOW

    def handles(self, intent: str) -> bool:
        return intent in OWN

    async def start(self, turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
        """Asks the LTSA, or the desk, or (both known) the day."""
        desk = validate_desk(turn) if turn.entity("desk") else None
        named = turn.entity("ltsa")
        ltsa = (store.ltsa_slug(named) if named else None) or conv.ltsa
        lead: list[Action] = [EndFlow(), *([SetSlot("desk", desk)] if desk else [])]
        if ltsa is None:
            return [
                *lead,
                Goto(FLOW, State.CHOOSE_LTSA),
                ask_ltsa(store, FLOW, **({"desk": desk} if desk else {})),
            ]
        return [
            *lead,
            SetLtsa(ltsa),
            SetSlot("ltsa", ltsa),
            *await self.after_ltsa(ltsa, desk, store),
        ]

    async def after_ltsa(self, ltsa: str, desk: str | None, store: FlowStore) -> list[Action]:
        """With the LTSA known: the desk, or (a desk of this LTSA) the day."""
        if desk is None:
            return ask_desk(store, ltsa)
        if desk not in store.desks_here(ltsa):
            place = store.desk_elsewhere(ltsa, desk)
            key = "booking.desk.elsewhere" if place else "booking.desk.not_here"
            return ask_desk(
                store, ltsa, (Say(key, {"ltsa": ltsa, "desk": desk, "place": place or ""}),)
            )
        return [SetSlot("desk", desk), *await ask_day(store, ltsa, desk)]

    async def resume(
        self, turn: Turn, conv: Conversation, store: FlowStore
    ) -> list[Action] | None:
        """Continues at the step the user is on."""
        state, slots = conv.state, conv.slots
        if turn.intent == FLOW and state != State.CHOOSE_LTSA:
            return await self.start(turn, conv, store)
        ltsa = str(slots.get("ltsa") or conv.ltsa or "")
        desk = str(slots.get("desk") or "")
        if state == State.NAME:
            if leaves_name_step(turn):
                return None
            return await self.take_name(turn, conv, store, ltsa, desk)
        if other_intent(turn, OWN):
            return None
        if state == State.CHOOSE_LTSA:
            chosen = validate_ltsa(turn, store)
            if chosen is None:
                return [ask_ltsa(store, FLOW)]
            desk_named = validate_desk(turn) if turn.entity("desk") else (desk or None)
            return [
                SetLtsa(chosen),
                SetSlot("ltsa", chosen),
                *await self.after_ltsa(chosen, desk_named, store),
            ]
        if state == State.CHOOSE_DESK:
            chosen_desk = validate_desk(turn)
            if chosen_desk is None:
                return ask_desk(store, ltsa, (Say("booking.pick_one"),))
            return await self.after_ltsa(ltsa, chosen_desk, store)
        if state == State.CHOOSE_DAY:
            return await self.choose_day(turn, conv, store, ltsa, desk)
        if state == State.CHOOSE_TIME:
            return await self.choose_time(turn, conv, store, ltsa, desk)
        if state == State.CONSENT:
            agreed = validate_yes(turn, "consent")
            if agreed is None:
                return [ask_consent(STEP, False)]
            if not agreed:
                return [EndFlow(), Say("booking.no_consent", {"ltsa": ltsa})]
            return [SetSlot("consent", "self"), Goto(FLOW, State.NAME), Say("booking.ask_name")]
        if state == State.CONFIRM:
            return await self.take_confirmation(turn, conv, store, ltsa, desk)
        return None

    async def choose_day(
        self, turn: Turn, conv: Conversation, store: FlowStore, ltsa: str, desk: str
    ) -> list[Action]:
        """Checks the day; refuses it with the reason, or shows its free times."""
        day, at = validate_day(turn, store)
        if day is None:
            return await ask_day(store, ltsa, desk, "booking.desk.bad_day")
        check = await store.check_day(ltsa, day)
        if check.refusal is not None:
            key = f"booking.refuse.{check.refusal}"
            return await ask_day(store, ltsa, desk, key, day=day, reason=check.reason)
        slots = await store.free_slots(ltsa, desk, day)
        if not slots:
            return await ask_day(store, ltsa, desk, "booking.desk.day_full", day=day)
        if at is not None:
            wanted = dt.datetime.combine(day, at, tzinfo=slots[0].tzinfo)
            if wanted in slots:
                return self.after_slot(conv, ltsa, desk, wanted)
            return [
                Goto(FLOW, State.CHOOSE_TIME),
                SetSlot("day", day.isoformat()),
                Ask(
                    "booking.desk.time_taken",
                    time_options(slots),
                    {"day": day, "time": hhmm(wanted)},
                ),
            ]
        return [
            Goto(FLOW, State.CHOOSE_TIME),
            SetSlot("day", day.isoformat()),
            Ask("booking.desk.ask_time", time_options(slots), {"day": day, "desk": desk}),
        ]

    async def choose_time(
        self, turn: Turn, conv: Conversation, store: FlowStore, ltsa: str, desk: str
    ) -> list[Action]:
        """Takes a free time of the chosen day; another day on request."""
        if param(turn, "change") is True:
            return await ask_day(store, ltsa, desk)
        try:
            day = dt.date.fromisoformat(str(conv.slots.get("day")))
        except ValueError:  # no day stored (an old conversation): ask it again
            return await ask_day(store, ltsa, desk)
        slots = await store.free_slots(ltsa, desk, day)
        pressed = param(turn, "at")
        wanted: dt.datetime | None = None
        if isinstance(pressed, str):
            try:
                wanted = dt.datetime.fromisoformat(pressed)
            except ValueError:
                wanted = None
        elif not turn.is_button:
            when = parse_when(turn.text, store.now())
            if when is not None and when.date not in (None, day):
                return await self.choose_day(turn, conv, store, ltsa, desk)
            if when is not None and when.time is not None and slots:
                wanted = dt.datetime.combine(day, when.time, tzinfo=slots[0].tzinfo)
        if wanted is not None and wanted in slots:
            return self.after_slot(conv, ltsa, desk, wanted)
        if not slots:
            return await ask_day(store, ltsa, desk, "booking.desk.day_full", day=day)
        key = "booking.desk.time_taken" if wanted is not None else "booking.desk.ask_time"
        params = {"day": day, "desk": desk, "time": hhmm(wanted) if wanted else ""}
        return [Ask(key, time_options(slots), params)]

    def after_slot(
        self, conv: Conversation, ltsa: str, desk: str, at: dt.datetime
    ) -> list[Action]:
        """With a free slot chosen: confirm (name known) or ask consent first."""
        chosen: list[Action] = [
            SetSlot("at", at.isoformat()),
            SetSlot("day", at.date().isoformat()),
        ]
        if conv.slots.get("reschedule") or conv.slots.get("name"):
            return [*chosen, *self.confirm(conv, ltsa, desk, at, conv.slots.get("name"))]
        bring = Say("booking.desk.bring", {"desk": desk})
        return [*chosen, bring, Goto(FLOW, State.CONSENT), ask_consent(STEP, False)]

    def confirm(
        self, conv: Conversation, ltsa: str, desk: str, at: dt.datetime, name: object
    ) -> list[Action]:
        """Repeats the appointment and asks to confirm."""
        params = {"ltsa": ltsa, "desk": desk, "when": at, "name": str(name or "")}
        key = "booking.desk.confirm"
        if conv.slots.get("reschedule"):
            key, params["booking_code"] = (
                "booking.desk.confirm_move",
                str(conv.slots["reschedule"]),
            )
        return [Goto(FLOW, State.CONFIRM), Ask(key, confirm_options(STEP), params)]

    async def take_name(
        self, turn: Turn, conv: Conversation, store: FlowStore, ltsa: str, desk: str
    ) -> list[Action]:
        """Stores the typed name and asks to confirm."""
        name = None if turn.is_button else validate_name(turn.text)
        if name is None:
            return [Say("booking.bad_name")]
        at = stored_at(conv)
        if at is None:
            return [SetSlot("name", name), *await ask_day(store, ltsa, desk)]
        return [SetSlot("name", name), *self.confirm(conv, ltsa, desk, at, name)]

    async def take_confirmation(
        self, turn: Turn, conv: Conversation, store: FlowStore, ltsa: str, desk: str
    ) -> list[Action]:
        """Books (or moves) on yes; another day on "change"; stops on no."""
        slots = conv.slots
        if param(turn, "change") is True:
            return await ask_day(store, ltsa, desk)
        agreed = validate_yes(turn, "confirm")
        if agreed is False:
            return [EndFlow(), Say("booking.stopped")]
        at = stored_at(conv)
        if at is None:
            return await ask_day(store, ltsa, desk)
        if agreed is None:
            return self.confirm(conv, ltsa, desk, at, slots.get("name"))
        others = tuple(s for s in await store.free_slots(ltsa, desk, at.date()) if s != at)
        if others:
            retry: tuple[Action, ...] = (
                Goto(FLOW, State.CHOOSE_TIME),
                Ask(
                    "booking.desk.slot_taken",
                    time_options(others),
                    {"day": at.date(), "time": hhmm(at)},
                ),
            )
        else:
            retry = tuple(await ask_day(store, ltsa, desk, "booking.desk.day_full", day=at.date()))
        again = tuple(await ask_day(store, ltsa, desk))
        done = (EndFlow(), Say("booking.calendar"))
        moving = slots.get("reschedule")
        if moving:
            on = {
                "moved": (Say("booking.rescheduled"), *done),
                "full": retry,
                "past": again,
                "closed": again,
                "not_found": (EndFlow(), Say("booking.not_found")),
            }
            return [Reschedule(str(moving), starts_at=at.isoformat(), on=on)]
        name = str(slots.get("name") or "") or None
        on = {
            "booked": (Say("booking.booked"), *done),
            "full": retry,
            "past": again,
            "closed": again,
        }
        return [Book("desk", ltsa, desk=desk, starts_at=at.isoformat(), name=name, on=on)]


__all__ = ["BookDeskFlow", "ask_day", "start_reschedule"]
