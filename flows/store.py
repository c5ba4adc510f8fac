"""The small read interface flows use; the service implements it over content and database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from flows.community_store import CommunityStore


@dataclass(frozen=True)
class FaqTopic:
    """A procedure topic: its deeper parts (buttons), its source, and whether the answer
    depends on the user's LTSA."""

    name: str
    source: str
    verified: str
    parts: tuple[str, ...] = ()
    needs_ltsa: bool = False


@dataclass(frozen=True)
class OppSlot:
    """An upcoming OPP session as the booking flows see it (times in Asia/Jakarta)."""

    id: int
    ltsa: str
    starts_at: dt.datetime
    place: str
    capacity: int
    seats_left: int


@dataclass(frozen=True)
class DayCheck:
    """Whether an LTSA takes appointments on a day; `refusal` says why not.

    refusal: past | closed (no opening hours that weekday) | holiday | closure | too_far;
    `reason` names the holiday or the closure.
    """

    day: dt.date
    refusal: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class BookingInfo:
    """One of the user's active bookings (or one they made for a villager)."""

    code: str
    kind: str  # opp | desk
    ltsa: str
    starts_at: dt.datetime
    place: str
    desk: str | None = None
    session_id: int | None = None
    for_other: bool = False


class ReferralStore(Protocol):
    """What the protection flows read of the referral directory (ids of organisations)."""

    def referrals(
        self, service: str, ltsa: str | None, country: str | None, women: bool = False
    ) -> tuple[str, ...]:
        """Organisations for a service, most local first (at most three)."""
        ...

    def mission(self, country: str | None) -> str | None:
        """The Indonesian embassy or consulate for a country, if known."""
        ...


@dataclass(frozen=True)
class CaseLookup:
    """A family's status question answered: result ok | wrong (number or PIN) | locked."""

    result: str
    number: str = ""
    kind: str = ""
    reason: str = ""
    status: str = ""  # open | assigned | closed
    opened: str = ""  # ISO date
    updated: str = ""  # ISO date


class CaseStore(Protocol):
    async def case_status(self, number: str, pin: str) -> CaseLookup:
        """The status of a case, for whoever holds its number and PIN."""
        ...


class FlowStore(ReferralStore, CaseStore, CommunityStore, Protocol):
    def faq_topic(self, name: str) -> FaqTopic | None:
        """The topic of `faq/<name>`, or None when the content has no answer for it."""
        ...

    def faq_topics(self) -> tuple[str, ...]:
        """Every topic the content answers."""
        ...

    def ltsas(self) -> tuple[tuple[str, str], ...]:
        """(slug, name) of every LTSA in the directory."""
        ...

    def ltsa_slug(self, name: str) -> str | None:
        """The slug of an LTSA given its name or slug, or None when unknown."""
        ...

    def local_rule(self, ltsa: str, topic: str) -> bool:
        """True when the LTSA has its own rule for the topic (shown after the national answer)."""
        ...

    def has_local_rules(self, topic: str) -> bool:
        """True when some LTSA has its own rule for the topic."""
        ...

    def desks_here(self, ltsa: str) -> tuple[str, ...]:
        """The desks serving under the LTSA's roof (appointments can be booked there)."""
        ...

    def desk_elsewhere(self, ltsa: str, desk: str) -> str | None:
        """Where a desk that is not at the LTSA serves, or None."""
        ...

    def now(self) -> dt.datetime:
        """The current time in Asia/Jakarta (the clock bookings are judged by)."""
        ...

    async def opp_sessions(self, ltsa: str) -> tuple[OppSlot, ...]:
        """The next scheduled OPP sessions of the LTSA, full ones included, soonest first."""
        ...

    async def check_day(self, ltsa: str, day: dt.date) -> DayCheck:
        """Whether the LTSA is open for appointments on `day`."""
        ...

    async def open_days(
        self, ltsa: str, desk: str, start: dt.date | None = None
    ) -> tuple[dt.date, ...]:
        """The next few days (from `start`, default today) with a free slot at the desk."""
        ...

    async def free_slots(self, ltsa: str, desk: str, day: dt.date) -> tuple[dt.datetime, ...]:
        """The desk's slots on `day` that are still ahead and not full."""
        ...

    async def my_bookings(self) -> tuple[BookingInfo, ...]:
        """The user's active bookings, soonest first."""
        ...

    async def is_coordinator(self) -> bool:
        """True when the user is a known KOPI village coordinator (may book for villagers)."""
        ...
