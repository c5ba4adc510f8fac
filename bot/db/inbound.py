"""Storing a known user's typed text in one statement on PostgreSQL (`DirectPool`).

It does what `queries.user_and_mode` then `queries.store_inbound` do in a transaction for someone
who has written before: the same row, encrypted the same way, the same 24-hour-window mark on
the user, the same refusal of a redelivered platform message. Whatever it does not cover returns
None and takes the ORM path: a first contact (no user yet) and a redelivery (the message is
there already, with or without its answer).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.crypto import encrypt
from bot.db.direct import DirectPool
from bot.db.models.base import utcnow
from bot.db.queries import INBOUND_EVERY

# known: the user and who answers them; stored: the message, unless its dedupe key is taken;
# seen: the user's last_inbound_at, moved at most once a minute, as store_inbound does
_STORE_KNOWN = """
WITH known AS (
    SELECT users.id, conversations.mode
    FROM users LEFT JOIN conversations ON conversations.user_id = users.id
    WHERE users.channel = $1 AND users.channel_user_id = $2
), stored AS (
    INSERT INTO messages (user_id, direction, sender, channel, dedupe_key, text, delivery,
                          handled, created_at)
    SELECT known.id, 'in', 'user', $1, $3, $4, 'reply', false, $5::timestamptz FROM known
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING id, user_id
), seen AS (
    UPDATE users SET last_inbound_at = $5::timestamptz
    FROM stored
    WHERE users.id = stored.user_id
      AND (users.last_inbound_at IS NULL
           OR users.last_inbound_at <= $5::timestamptz - $6::interval)
)
SELECT known.id AS user_id, known.mode, stored.id AS message_id
FROM known LEFT JOIN stored ON true
"""


@dataclass(frozen=True)
class StoredText:
    """A typed text stored for a known user; `mode`: who answers them, bot or human."""

    user_id: int
    message_id: int
    mode: str


async def store_known_text(
    pool: DirectPool, channel: str, channel_user_id: str, text: str, dedupe_key: str | None
) -> StoredText | None:
    """Stores the text of someone known, in one round trip; None when the ORM path must (no
    such user yet, or this platform message was stored before)."""
    row = await pool.fetchrow(
        _STORE_KNOWN, channel, channel_user_id, dedupe_key, encrypt(text), utcnow(), INBOUND_EVERY
    )
    if row is None or row["message_id"] is None:
        return None
    return StoredText(row["user_id"], row["message_id"], row["mode"] or "bot")
