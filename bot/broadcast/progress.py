"""How far broadcasts got: recipients follow their outbox rows; counts for the console and chat.

A recipient handed to the outbox (`sending`) becomes `sent` when every row of its message was
accepted by the platform, `failed` when one was refused for good, `held` while WhatsApp waits
for the user to write (the template went out). `reconcile` applies that in three UPDATEs; a
broadcast with nobody left `queued` or `sending` is `done`. On PostgreSQL one worker at a time
reconciles (a transaction-level advisory lock), so two gateways never deadlock over it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Exists, exists, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Broadcast, BroadcastRecipient, Outbox, utcnow

STATUSES = ("queued", "sending", "held", "sent", "failed", "skipped")
UNFINISHED = ("queued", "sending")
RECENT = dt.timedelta(days=7)  # held recipients of finished broadcasts are followed this long
_LOCK = 0x4C545341  # "LTSA": the advisory lock of reconciling
_ACCEPTED = ("sent", "delivered", "read")

R = BroadcastRecipient


@dataclass(frozen=True)
class Progress:
    """A broadcast's recipients by status."""

    counts: dict[str, int] = field(default_factory=dict)

    def of(self, *statuses: str) -> int:
        return sum(self.counts.get(s, 0) for s in statuses)

    @property
    def sent(self) -> int:
        return self.of("sent")

    @property
    def waiting(self) -> int:
        return self.of("queued", "sending", "held")

    @property
    def failed(self) -> int:
        return self.of("failed", "skipped")

    @property
    def total(self) -> int:
        return self.of(*STATUSES)


def _rows(*statuses: str) -> Exists:
    return exists().where(Outbox.message_id == R.message_id, Outbox.status.in_(statuses))


async def reconcile(
    session: AsyncSession, now: dt.datetime | None = None, *, held: bool = True
) -> bool:
    """Moves recipients on as their outbox rows went (`held`: those WhatsApp holds too, which
    change only when their user writes); False when another worker is at it."""
    if session.get_bind().dialect.name == "postgresql":
        locked = await session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _LOCK})
        if not locked:
            return False
    at = now or utcnow()
    current = select(Broadcast.id).where(
        or_(Broadcast.status == "sending", Broadcast.finished_at >= at - RECENT)
    )
    followed = (R.broadcast_id.in_(current), R.message_id.is_not(None))
    open_ = ("sending", "held") if held else ("sending",)
    moves = (
        (open_, _rows("failed"), "failed"),
        (open_, ~_rows("pending", "sending", "held", "failed"), "sent"),
        (("sending",), _rows("held"), "held"),
    )
    for before, condition, after in moves:
        await session.execute(
            update(R)
            .where(R.status.in_(before), *followed, condition)
            .values(status=after, updated_at=at)
            .execution_options(synchronize_session=False)
        )
    unfinished = exists().where(R.broadcast_id == Broadcast.id, R.status.in_(UNFINISHED))
    await session.execute(
        update(Broadcast)
        .where(Broadcast.status == "sending", ~unfinished)
        .values(status="done", finished_at=at)
        .execution_options(synchronize_session=False)
    )
    return True


async def progress(session: AsyncSession, ids: Sequence[int]) -> dict[int, Progress]:
    """The recipients of each broadcast by status."""
    if not ids:
        return {}
    rows = await session.execute(
        select(R.broadcast_id, R.status, func.count())
        .where(R.broadcast_id.in_(list(ids)))
        .group_by(R.broadcast_id, R.status)
    )
    found: dict[int, dict[str, int]] = {i: {} for i in ids}
    for broadcast_id, status, n in rows:
        found[int(broadcast_id)][str(status)] = int(n)
    return {i: Progress(counts) for i, counts in found.items()}


async def latest(
    session: AsyncSession,
    *,
    ltsa: str | None = None,
    user_id: int | None = None,
    limit: int = 50,
) -> list[tuple[Broadcast, Progress]]:
    """The newest broadcasts (of an LTSA, or by a coordinator) with their progress."""
    query = select(Broadcast).order_by(Broadcast.id.desc()).limit(limit)
    if ltsa is not None:
        query = query.where(Broadcast.ltsa_slug == ltsa)
    if user_id is not None:
        query = query.where(Broadcast.created_by_user_id == user_id)
    found = list(await session.scalars(query))
    counts = await progress(session, [b.id for b in found])
    return [(b, counts[b.id]) for b in found]


async def cancel(session: AsyncSession, broadcast: Broadcast) -> int:
    """Stops a broadcast: whoever is still queued is skipped; returns how many."""
    result = await session.execute(
        update(R)
        .where(R.broadcast_id == broadcast.id, R.status == "queued")
        .values(status="skipped", error="cancelled", updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    broadcast.status, broadcast.finished_at = "cancelled", utcnow()
    return int(getattr(result, "rowcount", 0) or 0)
