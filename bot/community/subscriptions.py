"""Subscriptions to announcements: join, leave, and who an announcement reaches.

An announcement to a village reaches the active subscribers of that village; one to the
district reaches every active subscriber of the LTSA, village subscribers included.
"""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Subscription, User, utcnow


async def subscribe(session: AsyncSession, user_id: int, ltsa: str, village: str = "") -> None:
    """Subscribes the user (or changes their choice, or brings them back)."""
    now = utcnow()
    row = await session.get(Subscription, user_id)
    if row is None:
        session.add(
            Subscription(
                user_id=user_id,
                ltsa_slug=ltsa,
                village=village,
                active=True,
                created_at=now,
                updated_at=now,
            )
        )
        return
    row.ltsa_slug, row.village, row.active, row.updated_at = ltsa, village, True, now


async def unsubscribe(session: AsyncSession, user_id: int) -> bool:
    """Ends the user's subscription; False when there was none."""
    row = await session.get(Subscription, user_id)
    if row is None or not row.active:
        return False
    row.active, row.updated_at = False, utcnow()
    return True


async def active(session: AsyncSession, user_id: int) -> Subscription | None:
    """The user's active subscription, if any."""
    row = await session.get(Subscription, user_id, populate_existing=True)
    return row if row is not None and row.active else None


def audience(ltsa: str, village: str = "") -> Select[int, str]:
    """(user id, channel) of everyone an announcement to the village ("": district) reaches."""
    query = (
        select(Subscription.user_id, User.channel)
        .join(User, User.id == Subscription.user_id)
        .where(Subscription.ltsa_slug == ltsa, Subscription.active.is_(True))
    )
    return query.where(Subscription.village == village) if village else query


def reaches(subscription: Subscription | None, ltsa: str, village: str) -> bool:
    """True while the subscription still asks for this announcement (checked at sending)."""
    if subscription is None or not subscription.active or subscription.ltsa_slug != ltsa:
        return False
    return not village or subscription.village == village


async def audience_size(session: AsyncSession, ltsa: str, village: str = "") -> int:
    """How many people an announcement to the village ("": district) reaches now."""
    found = audience(ltsa, village).subquery()
    return int(await session.scalar(select(func.count()).select_from(found)) or 0)


async def counts(session: AsyncSession, ltsa: str | None) -> list[tuple[str, str, int]]:
    """(LTSA, village, active subscribers) for the console, largest first."""
    query = (
        select(Subscription.ltsa_slug, Subscription.village, func.count())
        .where(Subscription.active.is_(True))
        .group_by(Subscription.ltsa_slug, Subscription.village)
        .order_by(func.count().desc())
    )
    if ltsa is not None:
        query = query.where(Subscription.ltsa_slug == ltsa)
    return [(str(slug), str(village), int(n)) for slug, village, n in await session.execute(query)]
