"""Named queries of the outbox: enqueue, claim due rows, record what sending did.

Rows of one chat go out in order: a row is claimed only when no earlier row of its chat is
still pending or being sent. Claiming takes `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two
workers never claim the same row; on SQLite the writer lock (`BEGIN IMMEDIATE`) does it.
A claimed row carries a lease (`locked_until`): if its worker dies, the row is due again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.models import Outbox, User, utcnow

LEASE = timedelta(seconds=60)
UNSENT = ("pending", "sending")
# WhatsApp reports sent, delivered, read in any order; a status never goes back
_RANK = {"sending": 0, "pending": 0, "held": 0, "sent": 1, "delivered": 2, "read": 3}


@dataclass(frozen=True)
class Claimed:
    """A row a worker holds: what to send where, and the user's last message time."""

    id: int
    channel: str
    recipient: str
    body: dict[str, Any]
    attempts: int
    user_id: int
    last_inbound_at: datetime | None


def add(
    session: AsyncSession,
    *,
    message_id: int,
    user_id: int,
    channel: str,
    recipient: str,
    bodies: Sequence[dict[str, Any]],
    status: str = "pending",
    note: str | None = None,
) -> None:
    """Adds one row per body, in order (sent when the transaction commits)."""
    now = utcnow()
    session.add_all(
        Outbox(
            message_id=message_id,
            user_id=user_id,
            channel=channel,
            recipient=recipient,
            body=body,
            status=status,
            attempts=0,
            next_attempt_at=now,
            last_error=note,
            created_at=now,
        )
        for body in bodies
    )


# The claim statement is built once per shape: building it (an aliased table, an EXISTS) cost
# more CPU than running it, and a broadcast claims once per message sent.
_EARLIER = aliased(Outbox, name="earlier")
_NOW = bindparam("now", type_=Outbox.__table__.c.next_attempt_at.type)
_BLOCKED = exists().where(
    _EARLIER.channel == Outbox.channel,
    _EARLIER.recipient == Outbox.recipient,
    _EARLIER.id < Outbox.id,
    _EARLIER.status.in_(UNSENT),
)
_DUE = or_(
    and_(Outbox.status == "pending", Outbox.next_attempt_at <= _NOW),
    and_(Outbox.status == "sending", Outbox.locked_until < _NOW),
)


@cache
def _claim_query(lock: bool, one_chat: bool) -> Select[Outbox, datetime | None]:
    query = (
        select(Outbox, User.last_inbound_at)
        .join(User, User.id == Outbox.user_id)
        .where(_DUE, ~_BLOCKED, Outbox.channel.in_(bindparam("channels", expanding=True)))
        .order_by(Outbox.id)
        .limit(bindparam("limit"))
    )
    if one_chat:
        query = query.where(
            Outbox.channel == bindparam("chat_channel"),
            Outbox.recipient == bindparam("chat_recipient"),
        )
    return query.with_for_update(skip_locked=True, of=Outbox) if lock else query


async def claim(
    session: AsyncSession,
    channels: Sequence[str],
    limit: int,
    *,
    chat: tuple[str, str] | None = None,
    skip_chats: Sequence[tuple[str, str]] = (),
) -> list[Claimed]:
    """Claims up to `limit` due rows, the first unsent one of each chat (or of `chat`)."""
    now = utcnow()
    lock = session.get_bind().dialect.name != "sqlite"
    params: dict[str, Any] = {"now": now, "channels": list(channels), "limit": limit}
    if chat is not None:
        params |= {"chat_channel": chat[0], "chat_recipient": chat[1]}
    query = _claim_query(lock, chat is not None)
    rows = (await session.execute(query, params)).all()
    claimed = []
    for row, last_inbound_at in rows:
        if (row.channel, row.recipient) in skip_chats:
            continue
        row.status = "sending"
        row.locked_until = now + LEASE
        row.attempts += 1
        claimed.append(
            Claimed(
                row.id,
                row.channel,
                row.recipient,
                dict(row.body),
                row.attempts,
                row.user_id,
                last_inbound_at,
            )
        )
    return claimed


async def sent(session: AsyncSession, row_id: int, platform_id: str | None) -> None:
    """The platform accepted the row."""
    await _set(
        session, row_id, status="sent", sent_at=utcnow(), platform_id=platform_id, last_error=None
    )


async def release(session: AsyncSession, row_id: int) -> None:
    """A claimed row goes back unsent (its worker stopped before sending): due at once, and
    the claim does not count as an attempt."""
    await session.execute(
        update(Outbox)
        .where(Outbox.id == row_id, Outbox.status == "sending")
        .values(status="pending", locked_until=None, attempts=Outbox.attempts - 1)
    )


async def retry(session: AsyncSession, row_id: int, at: datetime, error: str) -> None:
    """The row is due again at `at` (the platform was busy, down or out of reach)."""
    await _set(session, row_id, status="pending", next_attempt_at=at, last_error=error[:500])


async def failed(session: AsyncSession, row_id: int, error: str) -> None:
    """The row will not be sent: the platform refused it, or attempts ran out."""
    await _set(session, row_id, status="failed", last_error=error[:500])


async def hold(session: AsyncSession, row_id: int, reason: str) -> None:
    """The row waits until the user writes again (WhatsApp's 24-hour window is closed)."""
    await _set(session, row_id, status="held", last_error=reason[:500])


async def _set(session: AsyncSession, row_id: int, **values: Any) -> None:
    await session.execute(
        update(Outbox).where(Outbox.id == row_id).values(locked_until=None, **values)
    )


async def release_held(session: AsyncSession, user_id: int) -> int:
    """The user wrote: their held rows are due now. Returns how many."""
    result = await session.execute(
        update(Outbox)
        .where(Outbox.user_id == user_id, Outbox.status == "held")
        .values(status="pending", next_attempt_at=utcnow(), last_error=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def record_status(
    session: AsyncSession, platform_id: str, status: str, at: datetime, error: str | None
) -> bool:
    """A platform's delivery report (sent, delivered, read, failed); False for unknown ids."""
    row = await session.scalar(select(Outbox).where(Outbox.platform_id == platform_id))
    if row is None:
        return False
    if status in {"failed", "held"}:  # held: failed for the window, sent when they write
        row.status, row.last_error = status, (error or status)[:500]
    elif status in _RANK and _RANK[status] > _RANK.get(row.status, 0):
        row.status = status
    if status == "delivered" and row.delivered_at is None:
        row.delivered_at = at
    if status == "read":
        row.read_at = at
        row.delivered_at = row.delivered_at or at
    return True


async def rows_for_message(session: AsyncSession, message_id: int) -> list[Outbox]:
    """The outbox rows of a stored message, in order."""
    result = await session.scalars(
        select(Outbox).where(Outbox.message_id == message_id).order_by(Outbox.id)
    )
    return list(result)


async def unsent_count(session: AsyncSession) -> int:
    """Rows still waiting to be sent (pending or being sent)."""
    query = select(func.count()).select_from(Outbox).where(Outbox.status.in_(UNSENT))
    return int(await session.scalar(query) or 0)
