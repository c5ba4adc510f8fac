"""The store flows read from: the loaded content, and per message the booking tables."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import direct, opening, reads
from bot.community.reads import CommunityReads
from bot.content import Content
from bot.db import protection
from bot.db.direct import Transaction
from flows.store import BookingInfo, CaseLookup, DayCheck, FaqTopic, OppSlot
from nlu.dates import TZ


class ContentStore:
    """Implements `flows.FlowStore` over `content/`."""

    def __init__(self, content: Content) -> None:
        self.content = content

    def faq_topic(self, name: str) -> FaqTopic | None:
        return self.content.faq.get(name)

    def faq_topics(self) -> tuple[str, ...]:
        return tuple(self.content.faq)

    def ltsas(self) -> tuple[tuple[str, str], ...]:
        return tuple(
            (slug, entry.district or entry.name) for slug, entry in self.content.ltsa.items()
        )

    def ltsa_slug(self, name: str) -> str | None:
        return self.content.ltsa_slug(name)

    def local_rule(self, ltsa: str, topic: str) -> bool:
        entry = self.content.ltsa.get(ltsa)
        return entry is not None and topic in entry.rules

    def has_local_rules(self, topic: str) -> bool:
        return any(topic in entry.rules for entry in self.content.ltsa.values())

    def desks_here(self, ltsa: str) -> tuple[str, ...]:
        entry = self.content.ltsa.get(ltsa)
        return tuple(str(d) for d in entry.data.get("desks_here", ())) if entry else ()

    def desk_elsewhere(self, ltsa: str, desk: str) -> str | None:
        entry = self.content.ltsa.get(ltsa)
        place = (entry.data.get("desks_elsewhere") or {}).get(desk) if entry else None
        return str(place) if place else None

    def referrals(
        self, service: str, ltsa: str | None, country: str | None, women: bool = False
    ) -> tuple[str, ...]:
        directory = self.content.referrals
        if directory is None:
            return ()
        found = directory.find(service, ltsa=ltsa, province=None, country=country, women=women)
        return tuple(org.id for org in found)

    def mission(self, country: str | None) -> str | None:
        directory = self.content.referrals
        missions = directory.mission(country) if directory is not None and country else []
        return missions[0].id if missions else None


class TurnStore(CommunityReads, ContentStore):
    """Implements `flows.FlowStore` for one message: content plus booking and community reads,
    in the message's transaction, for its user, at the message's time."""

    def __init__(
        self,
        content: Content,
        session: AsyncSession,
        user_id: int,
        now: dt.datetime,
        direct: Transaction | None = None,
    ) -> None:
        super().__init__(content)
        self.session = session
        self.direct = direct  # the turn's transaction on the direct path: bookings read there
        self.user_id = user_id
        self._now = now.astimezone(TZ)

    def now(self) -> dt.datetime:
        return self._now

    async def opp_sessions(self, ltsa: str) -> tuple[OppSlot, ...]:
        if self.direct is not None:
            return await direct.opp_sessions(self.direct, ltsa, self._now)
        return await reads.opp_sessions(self.session, ltsa, self._now)

    async def check_day(self, ltsa: str, day: dt.date) -> DayCheck:
        row = await opening.ltsa_row(self.session, ltsa)
        if row is None:
            return DayCheck(day, "closed")
        return await opening.check_day(self.session, row, day, self._now)

    async def open_days(
        self, ltsa: str, desk: str, start: dt.date | None = None
    ) -> tuple[dt.date, ...]:
        row = await opening.ltsa_row(self.session, ltsa)
        desk_row = await opening.desk_row(self.session, row, desk) if row else None
        if row is None or desk_row is None:
            return ()
        first = start or self._now.date()
        return tuple(await opening.open_days(self.session, row, desk_row, first, self._now))

    async def free_slots(self, ltsa: str, desk: str, day: dt.date) -> tuple[dt.datetime, ...]:
        row = await opening.ltsa_row(self.session, ltsa)
        desk_row = await opening.desk_row(self.session, row, desk) if row else None
        if row is None or desk_row is None:
            return ()
        slots = await opening.free_slots(self.session, row, desk_row, day, self._now)
        return tuple(s.astimezone(TZ) for s in slots)

    async def my_bookings(self) -> tuple[BookingInfo, ...]:
        if self.direct is not None:
            return await direct.my_bookings(self.direct, self.user_id)
        return await reads.my_bookings(self.session, self.user_id)

    async def is_coordinator(self) -> bool:
        if self.direct is not None:
            return await direct.is_coordinator(self.direct, self.user_id)
        return await reads.is_coordinator(self.session, self.user_id)

    async def case_status(self, number: str, pin: str) -> CaseLookup:
        return await protection.look_up_case(self.session, number, pin)
