"""Storing a known user's typed text on PostgreSQL with two single statements (`DirectPool`).

It does what `queries.user_and_mode` then `queries.store_inbound` do in a transaction for someone
who has written before: the same row, encrypted the same way, the same 24-hour-window mark on
the user, the same refusal of a redelivered platform message. The read comes first so that the
NLU can start on the text while it is stored. A first contact is given a user and a
conversation by one more statement (`create_user`). Whatever it does not cover returns None and
takes the ORM path: a redelivery (the message is there already, with or without its answer), and
someone whose first messages arrive at once (the one that loses the race).
"""

from __future__ import annotations

from datetime import datetime

from bot.crypto import encrypt
from bot.db.direct import DirectPool, Transaction
from bot.db.models.base import utcnow
from bot.db.queries import INBOUND_EVERY

# the rows `queries.user_for` and `queries.conversation_for` create, with the models' defaults;
# nothing when the identity is taken (someone else's first message won the race)
_CREATE = """
WITH made AS (
    INSERT INTO users (channel, channel_user_id, language_source, created_at, last_seen_at)
    VALUES ($1, $2, 'default', $3, $3)
    ON CONFLICT (channel, channel_user_id) DO NOTHING
    RETURNING id
)
INSERT INTO conversations (user_id, slots, misses, mode, updated_at)
SELECT id, '{}'::json, 0, 'bot', $3 FROM made
RETURNING user_id
"""

_KNOWN = """
SELECT users.id, conversations.mode
FROM users LEFT JOIN conversations ON conversations.user_id = users.id
WHERE users.channel = $1 AND users.channel_user_id = $2
"""

# stored: the message, unless its dedupe key is taken (or the user was erased meanwhile);
# seen: the user's last_inbound_at, moved at most once a minute, as store_inbound does
_STORE = """
WITH stored AS (
    INSERT INTO messages (user_id, direction, sender, channel, dedupe_key, text, delivery,
                          handled, created_at)
    SELECT users.id, 'in', 'user', $2, $3, $4, 'reply', false, $5::timestamptz
    FROM users WHERE users.id = $1
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING id, user_id
), seen AS (
    UPDATE users SET last_inbound_at = $5::timestamptz
    FROM stored
    WHERE users.id = stored.user_id
      AND (users.last_inbound_at IS NULL
           OR users.last_inbound_at <= $5::timestamptz - $6::interval)
)
SELECT id FROM stored
"""


async def known_user(
    pool: DirectPool, channel: str, channel_user_id: str
) -> tuple[int, str] | None:
    """The user of a channel identity and who answers them (bot or human); None for someone
    who has not written before."""
    row = await pool.fetchrow(_KNOWN, channel, channel_user_id)
    return None if row is None else (row["id"], row["mode"] or "bot")


async def create_user(
    db: DirectPool | Transaction, channel: str, channel_user_id: str, now: datetime
) -> int | None:
    """A first contact's user and conversation, in one statement (in `db`'s transaction, or
    committed at once); the user's id, or None when the identity is taken meanwhile."""
    row = await db.fetchrow(_CREATE, channel, channel_user_id, now)
    return None if row is None else int(row["user_id"])


async def store_text(
    pool: DirectPool, user_id: int, channel: str, text: str, dedupe_key: str | None
) -> int | None:
    """Stores a text of user `user_id`, in one round trip; its id, or None when the ORM path
    must store it (this platform message was stored before, or the user is gone)."""
    row = await pool.fetchrow(
        _STORE, user_id, channel, dedupe_key, encrypt(text), utcnow(), INBOUND_EVERY
    )
    return None if row is None else int(row["id"])
