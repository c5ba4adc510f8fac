"""KOPI coordinators: requests from the chat, verification by an LTSA admin, their records.

    request(session, user, ltsa, village, name)   pending (again, after a refusal or revoking)
    verify / reject / revoke(session, staff, user_id, ip)   the console's decisions (audited)
    info(session, user)                            what the flows see (`CoordinatorInfo`)

A verified coordinator is a row of booking's `coordinators` table (what lets them book for
villagers); revoking removes it. The user is told each decision on their channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import staff_queries as sq
from bot.db.models import Coordinator, CoordinatorRequest, Staff, User, utcnow
from flows.community_store import CoordinatorInfo

STATUSES = ("pending", "verified", "rejected", "revoked")


class DecisionRefused(Exception):
    """A decision that cannot be made.

    DecisionRefused
     ├── NotYours      the request belongs to another LTSA than the admin's
     └── WrongState    no request, or not in a state for this decision
    """


class NotYours(DecisionRefused):
    pass


class WrongState(DecisionRefused):
    pass


async def request(session: AsyncSession, user: User, ltsa: str, village: str, name: str) -> None:
    """Records (or reopens) the user's request to coordinate the village."""
    row = await session.get(CoordinatorRequest, user.id)
    now = utcnow()
    if row is None:
        row = CoordinatorRequest(user_id=user.id, created_at=now)
        session.add(row)
    row.ltsa_slug, row.village, row.name = ltsa, village, name
    if row.status != "verified" or await session.get(Coordinator, user.id) is None:
        row.status, row.created_at, row.decided_at = "pending", now, None


async def info(session: AsyncSession, user: User) -> CoordinatorInfo | None:
    """The user's coordinator record: verified (with a `coordinators` row), or the request."""
    row = await session.get(Coordinator, user.id)
    asked = await session.get(CoordinatorRequest, user.id)
    if row is not None:  # rows staff added by hand have no request: the user's LTSA is theirs
        ltsa = asked.ltsa_slug if asked is not None else (user.ltsa_slug or "")
        return CoordinatorInfo("verified", ltsa, row.village)
    if asked is None:
        return None
    status = "revoked" if asked.status == "verified" else asked.status
    return CoordinatorInfo(status, asked.ltsa_slug, asked.village)


async def villages(session: AsyncSession, ltsa: str) -> tuple[str, ...]:
    """The villages of the LTSA with a verified coordinator, by name."""
    of_ltsa = func.coalesce(CoordinatorRequest.ltsa_slug, User.ltsa_slug) == ltsa
    rows = await session.scalars(
        select(Coordinator.village)
        .join(User, User.id == Coordinator.user_id)
        .outerjoin(CoordinatorRequest, CoordinatorRequest.user_id == Coordinator.user_id)
        .where(of_ltsa, Coordinator.village != "")
        .distinct()
        .order_by(Coordinator.village)
    )
    return tuple(rows)


@dataclass(frozen=True)
class Listed:
    """A request as the console lists it."""

    user_id: int
    name: str
    ltsa: str
    village: str
    status: str
    channel: str
    asked_at: datetime
    decided_at: datetime | None


async def listed(
    session: AsyncSession, ltsa: str | None, statuses: tuple[str, ...] = STATUSES
) -> list[Listed]:
    """The requests of an LTSA (all with None), pending first, newest first."""
    query = (
        select(CoordinatorRequest, User.channel)
        .join(User, User.id == CoordinatorRequest.user_id)
        .where(CoordinatorRequest.status.in_(statuses))
        .order_by(CoordinatorRequest.created_at.desc())
    )
    if ltsa is not None:
        query = query.where(CoordinatorRequest.ltsa_slug == ltsa)
    rows = [
        Listed(r.user_id, r.name, r.ltsa_slug, r.village, r.status, ch, r.created_at, r.decided_at)
        for r, ch in await session.execute(query)
    ]
    return sorted(rows, key=lambda r: r.status != "pending")


async def _decide(
    session: AsyncSession, staff: Staff, user_id: int, allowed: tuple[str, ...], ip: str
) -> CoordinatorRequest:
    row = await session.get(CoordinatorRequest, user_id, with_for_update=True)
    if row is None:
        raise WrongState("no such request")
    if staff.ltsa_slug is not None and row.ltsa_slug != staff.ltsa_slug:
        raise NotYours("this request belongs to another LTSA")
    if row.status not in allowed:
        raise WrongState(f"the request is {row.status}")
    row.decided_at = utcnow()
    return row


async def verify(session: AsyncSession, staff: Staff, user_id: int, ip: str) -> User:
    """Verifies a pending (or revoked) request: the user becomes their village's coordinator."""
    row = await _decide(session, staff, user_id, ("pending", "revoked", "rejected"), ip)
    row.status = "verified"
    existing = await session.get(Coordinator, user_id)
    if existing is None:
        session.add(Coordinator(user_id=user_id, village=row.village, created_at=utcnow()))
    else:
        existing.village = row.village
    sq.audit(session, staff, "coordinator_verify", ip=ip, user=user_id, ltsa=row.ltsa_slug)
    return await session.get_one(User, user_id)


async def reject(session: AsyncSession, staff: Staff, user_id: int, ip: str) -> User:
    """Refuses a pending request."""
    row = await _decide(session, staff, user_id, ("pending",), ip)
    row.status = "rejected"
    sq.audit(session, staff, "coordinator_reject", ip=ip, user=user_id, ltsa=row.ltsa_slug)
    return await session.get_one(User, user_id)


async def revoke(session: AsyncSession, staff: Staff, user_id: int, ip: str) -> User:
    """Ends a coordinator's verification: they no longer book for others or announce."""
    row = await _decide(session, staff, user_id, ("verified",), ip)
    row.status = "revoked"
    existing = await session.get(Coordinator, user_id)
    if existing is not None:
        await session.delete(existing)
    sq.audit(session, staff, "coordinator_revoke", ip=ip, user=user_id, ltsa=row.ltsa_slug)
    return await session.get_one(User, user_id)
