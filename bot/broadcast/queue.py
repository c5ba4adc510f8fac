"""Queueing a broadcast: the announcement and one `queued` row per subscriber it reaches.

The recipients are the subscribers at the moment it is queued (one INSERT … SELECT); anyone
who leaves before their turn is skipped when the worker reaches them (`bot.broadcast.worker`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.community.subscriptions import audience
from bot.db.models import Broadcast, BroadcastRecipient, UtcDateTime, utcnow

MIN_TEXT, MAX_TEXT = 10, 600
SOURCES = ("coordinator", "console", "cli")


class BadBroadcast(ValueError):
    """The announcement cannot be queued (empty or too long a text, an unknown source)."""


@dataclass(frozen=True)
class Target:
    """Who an announcement goes to: the subscribers of an LTSA, or of one of its villages."""

    ltsa: str
    village: str = ""


def clean_text(text: str) -> str:
    """The text as sent: trimmed; BadBroadcast when it is too short or too long."""
    cleaned = text.strip()
    if not MIN_TEXT <= len(cleaned) <= MAX_TEXT:
        raise BadBroadcast(f"an announcement has {MIN_TEXT} to {MAX_TEXT} characters")
    return cleaned


async def create(
    session: AsyncSession,
    target: Target,
    text: str,
    *,
    source: str,
    created_by: str,
    user_id: int | None = None,
    from_village: str = "",
) -> Broadcast:
    """Stores the broadcast and its recipients, all `queued`; the worker sends it."""
    if source not in SOURCES:
        raise BadBroadcast(f"unknown source {source!r}")
    now = utcnow()
    broadcast = Broadcast(
        ltsa_slug=target.ltsa,
        village=target.village,
        text=clean_text(text),
        source=source,
        from_village=from_village,
        created_by=created_by[:64],
        created_by_user_id=user_id,
        status="sending",
        total=0,
        created_at=now,
    )
    session.add(broadcast)
    await session.flush()
    found = audience(target.ltsa, target.village).subquery()
    rows = select(
        literal(broadcast.id),
        found.c.user_id,
        found.c.channel,
        literal("queued"),
        literal(now, UtcDateTime()),
    )
    columns = ["broadcast_id", "user_id", "channel", "status", "updated_at"]
    await session.execute(insert(BroadcastRecipient).from_select(columns, rows))
    broadcast.total = int(
        await session.scalar(
            select(func.count())
            .select_from(BroadcastRecipient)
            .where(BroadcastRecipient.broadcast_id == broadcast.id)
        )
        or 0
    )
    return broadcast
