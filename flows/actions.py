"""What a flow returns: actions that name content keys, never text.

    Say(key)            a message from content, in the user's language
    Ask(key, options)   a message with buttons (an Option names its label's content key)
    Goto(flow, state)   the flow and state the next message goes to
    EndFlow()           no active flow any more
    SetSlot(name, v)    remember a value in the conversation
    SetLanguage(lang)   the user's language (explicit: chosen by the user, stored as a choice)
    SetLtsa(slug)       the user's LTSA
    CountMiss / ResetMisses   consecutive misunderstood messages
    HandOff(reason, priority, kind, female)   open a case for a person (female: the user
                        asked for a female case worker; False: anyone will do)
    Relay()             a person has the conversation: the message is kept for them, no reply
    ReturnToBot(outcome)      the user leaves the case worker; the case closes
    CheckFemaleStaff(on)      is a female case worker on duty? (results: on_duty | none)
    EraseMyData(on)     erase the user's data (results: erased | kept, when an open
                        protection case keeps its transcript)
    LogGap(reason, nearest)   a question the content does not answer, for staff
    RecordFeedback(topic, helpful)   a "helpful / not helpful" press after an answer
    RecordConsent(scope)      the user agreed to something being recorded (audited on the case)
    RecordReferral(org, service)   a referral made with consent; staff follow it up
    OpenFamilyCase(kind, details)  a family's report with a case number and a PIN
    PinFailed(number)         a wrong PIN for a case (too many lock the case's status)
    Subscribe(ltsa, village) / Unsubscribe()   announcements of an LTSA or a village
    RequestCoordinator(ltsa, village, name)     ask to be a KOPI coordinator (an admin verifies)
    QueueBroadcast(scope, text)   a verified coordinator's announcement to their village or
                        district (the target comes from their record; result: {recipients})
    Book / CancelBooking / Reschedule / JoinWaitlist   booking changes; their result (booked,
                        full, …) picks which of the flow's prepared follow-ups (`on`) is said

The store applies them; the renderer turns Say/Ask into text and buttons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Option:
    """A button: its label is a content key (or a literal shown as-is) and its payload."""

    label: str
    payload: str
    params: Mapping[str, Any] = field(default_factory=dict)
    literal: bool = False


@dataclass(frozen=True)
class Say:
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Ask:
    key: str
    options: tuple[Option, ...]
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Goto:
    flow: str
    state: str


@dataclass(frozen=True)
class EndFlow:
    pass


@dataclass(frozen=True)
class SetSlot:
    name: str
    value: Any


@dataclass(frozen=True)
class SetLanguage:
    language: str
    explicit: bool = True


@dataclass(frozen=True)
class SetLtsa:
    slug: str


@dataclass(frozen=True)
class CountMiss:
    pass


@dataclass(frozen=True)
class ResetMisses:
    pass


@dataclass(frozen=True)
class HandOff:
    reason: str
    priority: str = "normal"  # urgent | high | normal
    kind: str = "human_request"
    female: bool | None = None  # None: as before; True: a female case worker; False: anyone


@dataclass(frozen=True)
class Relay:
    """The message is for the case worker who has the conversation; the bot stays silent."""


@dataclass(frozen=True)
class ReturnToBot:
    """The user leaves the case worker: the case is closed with `outcome`, the bot answers."""

    outcome: str = "user_left"


@dataclass(frozen=True)
class CheckFemaleStaff:
    """Whether a female case worker is on duty for the user's LTSA; the result (on_duty |
    none) picks which prepared follow-up (`on`) is said."""

    on: Mapping[str, tuple[Action, ...]] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class EraseMyData:
    """Erase the user's messages, conversation and profile; results: erased | kept (an open
    protection case keeps its transcript until it is closed)."""

    on: Mapping[str, tuple[Action, ...]] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class LogGap:
    """The user asked something the content does not answer; staff see it in `content gaps`.

    reason: fallback (not understood), out_of_scope, no_content (a topic without an answer).
    """

    reason: str
    nearest: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordFeedback:
    """The user said whether the answer on `topic` helped."""

    topic: str
    helpful: bool


@dataclass(frozen=True)
class Book:
    """Take a seat: an OPP session (`session_id`) or a desk slot (`desk` at `starts_at`, ISO).

    Results: booked | full | duplicate (an active OPP booking exists) | past | closed.
    `consent` is who agreed to storing the name: self, or coordinator (for a villager).
    """

    kind: str  # opp | desk
    ltsa: str
    session_id: int | None = None
    desk: str | None = None
    starts_at: str | None = None
    name: str | None = None
    consent: str = "self"
    for_other: bool = False
    on: Mapping[str, tuple[Action, ...]] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class CancelBooking:
    """Cancel one of the user's bookings. Results: cancelled | not_found."""

    code: str
    on: Mapping[str, tuple[Action, ...]] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Reschedule:
    """Move a booking to another OPP session or desk slot, keeping its code.

    Results: moved | full | not_found | past | closed.
    """

    code: str
    session_id: int | None = None
    starts_at: str | None = None
    on: Mapping[str, tuple[Action, ...]] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class JoinWaitlist:
    """Wait for a seat in a full OPP session. Results: waiting | already | seat_free."""

    session_id: int
    name: str | None = None
    consent: str = "self"
    for_other: bool = False
    on: Mapping[str, tuple[Action, ...]] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class RecordConsent:
    """The user agreed (scope "record": details of their story may be kept for the case)."""

    scope: str


@dataclass(frozen=True)
class RecordReferral:
    """A referral to organisation `org` for `service`, made with the user's consent."""

    org: str
    service: str


@dataclass(frozen=True)
class OpenFamilyCase:
    """A family reports a worker abroad (kind: lost_contact | death | sick); the details are
    kept encrypted with the case, and the family gets a case number and a PIN."""

    kind: str
    details: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class PinFailed:
    """Someone gave a wrong PIN (or number) when asking for a case's status."""

    number: str


@dataclass(frozen=True)
class Subscribe:
    """The user wants the announcements of the LTSA (village "": the whole district)."""

    ltsa: str
    village: str = ""


@dataclass(frozen=True)
class Unsubscribe:
    """The user wants no more announcements."""


@dataclass(frozen=True)
class RequestCoordinator:
    """The user asks to be the KOPI coordinator of a village; an LTSA admin verifies it."""

    ltsa: str
    village: str
    name: str


@dataclass(frozen=True)
class QueueBroadcast:
    """A verified coordinator sends `text` to the subscribers of their village or district
    (scope "village" | "district"); the village is their own, never one the flow names."""

    scope: str
    text: str


BookingAction = Book | CancelBooking | Reschedule | JoinWaitlist
CommunityAction = Subscribe | Unsubscribe | RequestCoordinator | QueueBroadcast

Action = (
    Say
    | Ask
    | Goto
    | EndFlow
    | SetSlot
    | SetLanguage
    | SetLtsa
    | CountMiss
    | ResetMisses
    | HandOff
    | Relay
    | ReturnToBot
    | CheckFemaleStaff
    | EraseMyData
    | LogGap
    | RecordFeedback
    | RecordConsent
    | RecordReferral
    | OpenFamilyCase
    | PinFailed
    | Book
    | CancelBooking
    | Reschedule
    | JoinWaitlist
    | Subscribe
    | Unsubscribe
    | RequestCoordinator
    | QueueBroadcast
)
