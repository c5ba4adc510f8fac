"""What the community flows read (`flows.community_store.CommunityStore`), for `TurnStore`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import reads
from bot.broadcast import progress
from bot.community import coordinators, subscriptions
from bot.db.models import Booking, Coordinator, CoordinatorRequest, Subscription, User
from flows.community_store import BroadcastInfo, CoordinatorInfo, SubscriptionInfo
from flows.store import OppSlot
from nlu.dates import TZ


class CommunityReads:
    """The community reads of one message's store: its session, user and time."""

    session: AsyncSession
    user_id: int
    _now: dt.datetime

    async def subscription(self) -> SubscriptionInfo | None:
        row = await subscriptions.active(self.session, self.user_id)
        return SubscriptionInfo(row.ltsa_slug, row.village) if row is not None else None

    async def coordinator(self) -> CoordinatorInfo | None:
        user = await self.session.get_one(User, self.user_id)
        return await coordinators.info(self.session, user)

    async def villages(self, ltsa: str) -> tuple[str, ...]:
        return await coordinators.villages(self.session, ltsa)

    async def audience(self, ltsa: str, village: str) -> int:
        return await subscriptions.audience_size(self.session, ltsa, village)

    async def my_broadcasts(self) -> tuple[BroadcastInfo, ...]:
        found = await progress.latest(self.session, user_id=self.user_id, limit=5)
        return tuple(
            BroadcastInfo(
                id=b.id,
                ltsa=b.ltsa_slug,
                village=b.village,
                created=b.created_at.astimezone(TZ).date(),
                total=b.total,
                sent=p.sent,
                waiting=p.waiting,
                failed=p.failed,
            )
            for b, p in found
        )

    async def village_sessions(self, ltsa: str, village: str) -> tuple[tuple[OppSlot, int], ...]:
        slots = await reads.opp_sessions(self.session, ltsa, self._now)
        booked = await village_bookings(self.session, ltsa, village, [s.id for s in slots])
        return tuple((slot, booked.get(slot.id, 0)) for slot in slots)


async def village_bookings(
    session: AsyncSession, ltsa: str, village: str, session_ids: list[int]
) -> dict[int, int]:
    """Active bookings per OPP session of people of the village: booked by one of its
    coordinators, or by (or for) one of its subscribers. Counts only, no names."""
    if not session_ids:
        return {}
    of_ltsa = func.coalesce(CoordinatorRequest.ltsa_slug, User.ltsa_slug) == ltsa
    coordinating = (
        select(Coordinator.user_id)
        .join(User, User.id == Coordinator.user_id)
        .outerjoin(CoordinatorRequest, CoordinatorRequest.user_id == Coordinator.user_id)
        .where(Coordinator.village == village, of_ltsa)
    )
    subscribed = select(Subscription.user_id).where(
        Subscription.ltsa_slug == ltsa,
        Subscription.village == village,
        Subscription.active.is_(True),
    )
    rows = await session.execute(
        select(Booking.opp_session_id, func.count())
        .where(
            Booking.opp_session_id.in_(session_ids),
            Booking.status == "booked",
            or_(
                Booking.booked_by_user_id.in_(coordinating),
                Booking.user_id.in_(coordinating),
                Booking.user_id.in_(subscribed),
            ),
        )
        .group_by(Booking.opp_session_id)
    )
    return {int(sid): int(n) for sid, n in rows if sid is not None}
