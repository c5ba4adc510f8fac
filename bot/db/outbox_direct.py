"""The outbox sender's two frequent steps on PostgreSQL, as single statements through asyncpg.

A broadcast sends each recipient one message, and each message needs a claim and a record of
its send. Through the ORM the record took a transaction of four round trips (BEGIN, UPDATE,
the claim of the chat's next row, COMMIT) and most of the sender's CPU: at 110 messages a
second the gateway's one core was full, and the broadcast fell behind the platforms' limits.

- `claim`: the due head rows of one channel's idle chats, taken in one statement.
- `sent_and_next`: marks a row sent and takes its chat's next due row, if any, in one
  statement.
- `record_status`: one of WhatsApp's delivery reports (three per message sent).

The rules are `bot.db.outbox_queries.claim`'s (tests compare the two): a row is due when
pending and its time has come, or when its lease ran out; it is taken only when no earlier
row of its chat is unsent; `FOR UPDATE SKIP LOCKED` keeps two workers from taking one row.
Taking a row sets its lease and counts an attempt.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from bot.db.direct import DirectPool
from bot.db.outbox_queries import LEASE, Claimed

# $1 is now, $2 the end of the lease; `{also}` leaves out the row being marked sent, which
# the statement's snapshot still shows as unsent
_NEXT = """
    SELECT o.id FROM outbox o
    WHERE {where}
      AND ((o.status = 'pending' AND o.next_attempt_at <= $1)
           OR (o.status = 'sending' AND o.locked_until < $1))
      AND NOT EXISTS (
          SELECT 1 FROM outbox e
          WHERE e.channel = o.channel AND e.recipient = o.recipient AND e.id < o.id
            AND e.status IN ('pending', 'sending'){also})
    ORDER BY o.id
    LIMIT {limit}
    FOR UPDATE OF o SKIP LOCKED
"""
_TAKE = """
UPDATE outbox SET status = 'sending', locked_until = $2, attempts = outbox.attempts + 1
FROM next, users u
WHERE outbox.id = next.id AND u.id = outbox.user_id
RETURNING outbox.id, outbox.channel, outbox.recipient, outbox.body, outbox.attempts,
          outbox.user_id, u.last_inbound_at
"""


def _statement(head: str, where: str, limit: str, also: str) -> str:
    """`head`, the claim of the next rows, then their lease (from the constants above)."""
    found = _NEXT.format(where=where, limit=limit, also=also)
    return f"WITH {head}next AS ({found}){_TAKE}"


# $3 the channel, $4 how many, $5 the recipients whose chats are being sent already
_CLAIM = _statement("", "o.channel = $3 AND o.recipient <> ALL($5::text[])", "$4", "")
# $3 the row sent, $4 the platform's id for it, $5 and $6 its chat
_SENT_AND_NEXT = _statement(
    """done AS (
    UPDATE outbox SET status = 'sent', sent_at = $1, platform_id = $4, last_error = NULL,
                      locked_until = NULL
    WHERE id = $3
), """,
    "o.channel = $5 AND o.recipient = $6 AND o.id <> $3",
    "1",
    " AND e.id <> $3",
)


def _claimed(row: asyncpg.Record) -> Claimed:
    body = row["body"]
    return Claimed(
        row["id"],
        row["channel"],
        row["recipient"],
        json.loads(body) if isinstance(body, str) else dict(body),
        row["attempts"],
        row["user_id"],
        row["last_inbound_at"],
    )


async def claim(
    db: DirectPool, channel: str, limit: int, now: datetime, busy: Sequence[str] = ()
) -> list[Claimed]:
    """Takes up to `limit` due head rows of `channel`, none of the chats in `busy`, by id."""
    rows = await db.fetch(_CLAIM, now, now + LEASE, channel, limit, list(busy))
    return sorted((_claimed(r) for r in rows), key=lambda c: c.id)


async def sent_and_next(
    db: DirectPool, row: Claimed, platform_id: str | None, now: datetime
) -> Claimed | None:
    """Records that the platform accepted `row`; takes its chat's next due row, if any."""
    args = (now, now + LEASE, row.id, platform_id, row.channel, row.recipient)
    taken = await db.fetchrow(_SENT_AND_NEXT, *args)
    return None if taken is None else _claimed(taken)


def _rank(column: str) -> str:
    """`outbox_queries._RANK` in SQL: a status never goes back."""
    ranks = "WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'read' THEN 3"
    return f"CASE {column} {ranks} ELSE 0 END"


# WhatsApp's delivery reports (`outbox_queries.record_status`): a broadcast of 1,500 messages
# brings about 4,500 (sent, delivered, read), so they are single statements too
_STATUS = f"""
UPDATE outbox SET
    status = CASE WHEN $2 IN ('failed', 'held') OR {_rank("$2")} > {_rank("status")} THEN $2
                  ELSE status END,
    last_error = CASE WHEN $2 IN ('failed', 'held') THEN left(coalesce(nullif($4, ''), $2), 500)
                      ELSE last_error END,
    delivered_at = CASE WHEN $2 IN ('delivered', 'read') THEN coalesce(delivered_at, $3)
                        ELSE delivered_at END,
    read_at = CASE WHEN $2 = 'read' THEN $3 ELSE read_at END
WHERE id = (SELECT id FROM outbox WHERE platform_id = $1 ORDER BY id LIMIT 1)
RETURNING id
"""  # noqa: S608 - constants only


async def record_status(
    db: DirectPool, platform_id: str, status: str, at: datetime, error: str | None
) -> bool:
    """A platform's delivery report (sent, delivered, read, failed); False for unknown ids."""
    return await db.fetchrow(_STATUS, platform_id, status, at, error) is not None
