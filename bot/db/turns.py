"""A turn of someone known, on PostgreSQL, straight through asyncpg (`DirectPool`).

The ORM's share of a button press was about half of the gateway's CPU (a py-spy profile under
load): building and running the statements through the session and loading two objects. Here
a press takes one transaction of plain statements:

    BEGIN
    the user and the conversation read (the conversation locked), the press stored, the
        24-hour-window mark                                     (then the answer is decided)
    the replies stored
    their outbox rows, for Telegram and WhatsApp                (when there are any)
    the user's and the conversation's changed columns           (when any changed)
    COMMIT

A first contact's user and conversation are created in the same transaction, before the press
is stored (`inbound.create_user`). The answer to typed text (stored before, while the NLU
parsed it) takes the same transaction, its first statement reading the state and whether the
message is answered already, and one more marking it answered.

The user and the conversation come back as unattached ORM objects, so the flows, the effects
and the renderer run unchanged on them; `Pipeline` hands them a session that refuses every use
(`NoSession`), and a turn that needs the database for more (a booking, a case, a consent, a
question the bot could not answer) is rolled back and answered on the ORM path instead. Rows
are the ones the ORM path writes: the same columns, the text encrypted the same way
(`tests/bot/db/test_turns.py` compares them).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn, cast

from sqlalchemy import JSON, Table

from bot.channels.base import Outgoing
from bot.crypto import encrypt
from bot.db.direct import Transaction
from bot.db.inbound import create_user
from bot.db.models import Conversation, User
from bot.db.queries import INBOUND_EVERY, Answered

_USERS = [c.name for c in User.__table__.columns]
_CONVERSATIONS = [c.name for c in Conversation.__table__.columns]
_JSON = {
    table.name: {c.name for c in table.columns if isinstance(c.type, JSON)}
    for table in (cast(Table, User.__table__), cast(Table, Conversation.__table__))
}

_SELECTED = ", ".join(
    [f"users.{name} AS u_{name}" for name in _USERS]
    + [f"conversations.{name} AS c_{name}" for name in _CONVERSATIONS]
)

_ANSWER = f"""
SELECT {_SELECTED}, (SELECT handled FROM messages WHERE id = $2) AS handled
FROM conversations JOIN users ON users.id = conversations.user_id
WHERE conversations.user_id = $1
FOR UPDATE OF conversations
"""  # noqa: S608 - the column names are the models' own

_MARK_HANDLED = """
UPDATE messages SET handled = true, intent = $2, confidence = $3, language = $4, payload = $5
WHERE id = $1
"""

# state: the user and the conversation, the conversation locked until the commit; stored: the
# press, answered, unless its dedupe key is taken (a redelivery: the ORM path answers it);
# seen: the user's last_inbound_at, moved at most once a minute, as store_inbound does
_BEGIN = f"""
WITH state AS (
    SELECT {_SELECTED}
    FROM users JOIN conversations ON conversations.user_id = users.id
    WHERE users.channel = $1 AND users.channel_user_id = $2
    FOR UPDATE OF conversations
), stored AS (
    INSERT INTO messages (user_id, direction, sender, channel, dedupe_key, text, payload,
                          language, intent, confidence, delivery, handled, created_at)
    SELECT u_id, 'in', 'user', $1, $3, $4, $5, NULL, $6, $7, 'reply', true, $8::timestamptz
    FROM state
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING id
), seen AS (
    UPDATE users SET last_inbound_at = $8::timestamptz
    FROM state
    WHERE users.id = state.u_id AND EXISTS (SELECT FROM stored)
      AND (users.last_inbound_at IS NULL
           OR users.last_inbound_at <= $8::timestamptz - $9::interval)
    RETURNING users.last_inbound_at
)
SELECT state.*, (SELECT id FROM stored) AS message_id, (SELECT last_inbound_at FROM seen) AS seen
FROM state
"""  # noqa: S608 - the column names are the models' own

# in the order given: the ids a sequence hands out follow the rows' order (SQLAlchemy sorts
# the ids of its batched inserts the same way)
_REPLIES = """
INSERT INTO messages (user_id, direction, sender, channel, text, buttons, language,
                      reply_to_id, delivery, handled, created_at)
SELECT $1, 'out', r.sender, $2, r.text, r.buttons::json, $3, $4, 'reply', true, $5
FROM unnest($6::text[], $7::text[], $8::text[]) WITH ORDINALITY AS r(sender, text, buttons, n)
ORDER BY r.n
RETURNING id
"""

_OUTBOX = """
INSERT INTO outbox (message_id, user_id, channel, recipient, body, status, attempts,
                    next_attempt_at, last_error, created_at)
SELECT r.message_id, $1, $2, r.recipient, r.body::json, r.status, 0, $3, r.note, $3
FROM unnest($4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[])
     WITH ORDINALITY AS r(message_id, recipient, body, status, note, n)
ORDER BY r.n
"""


class NeedsOrm(Exception):
    """The turn reads or writes more than the direct path covers."""


class NoSession:
    """Stands for the session on the direct path: any use of it means the turn needs the
    ORM path, which then answers the press from the start."""

    def __getattr__(self, name: str) -> NoReturn:
        raise NeedsOrm(name)


class OrmTurns:
    """The intents whose turns needed the ORM path lately (a booking list, a gap logged for
    staff): their next turns go there at once, not after a direct attempt rolled back (which
    cost a booking list a third more CPU). Every `retry`-th turn of such an intent tries the
    direct path again, and one that succeeds is forgotten: an intent that needed the ORM only
    in one state (a press while a case worker has the chat) is not sent there for good."""

    def __init__(self, retry: int = 32) -> None:
        self.retry = retry
        self._since: dict[str | None, int] = {}  # intent -> turns since it needed the ORM

    def direct(self, intent: str | None) -> bool:
        """Whether to try this turn on the direct path."""
        since = self._since.get(intent)
        if since is None:
            return True
        self._since[intent] = since + 1
        return (since + 1) % self.retry == 0

    def needed(self, intent: str | None) -> None:
        self._since[intent] = 0

    def sufficed(self, intent: str | None) -> None:
        self._since.pop(intent, None)


@dataclass
class TurnState:
    """What a turn's transaction read: the user and conversation as unattached ORM objects,
    their columns as read (to write back only what changes), the message answered."""

    user: User
    conv: Conversation
    message_id: int
    read: dict[str, dict[str, Any]]


async def begin_press(
    tx: Transaction,
    channel: str,
    channel_user_id: str,
    text: str,
    dedupe_key: str | None,
    answered: Answered,
    now: datetime,
) -> TurnState | None:
    """Reads and locks the conversation and stores the press, in one statement (a first
    contact's user and conversation are created before, in the same transaction); None when
    the ORM path must take it (a platform message stored before)."""
    args = (
        channel,
        channel_user_id,
        dedupe_key,
        encrypt(text),
        answered.payload,
        answered.intent,
        answered.confidence,
        now,
        INBOUND_EVERY,
    )
    row = await tx.fetchrow(_BEGIN, *args)
    if row is None and await create_user(tx, channel, channel_user_id, now) is not None:
        row = await tx.fetchrow(_BEGIN, *args)
    if row is None or row["message_id"] is None:
        return None
    return _state(row, int(row["message_id"]), row["seen"])


async def begin_answer(
    tx: Transaction, user_id: int, message_id: int, *, again: bool
) -> TurnState | None:
    """Reads the user and the conversation (locked) to answer stored message `message_id`;
    None when the ORM path must take it: no conversation yet, or (`again`: the platform may
    deliver the message twice) an answer given meanwhile, which is then read from the store."""
    row = await tx.fetchrow(_ANSWER, user_id, message_id)
    if row is None or (again and row["handled"]):
        return None
    return _state(row, message_id, None)


def _state(row: Any, message_id: int, seen: datetime | None) -> TurnState:
    users = {name: row[f"u_{name}"] for name in _USERS}
    if seen is not None:
        users["last_inbound_at"] = seen
    convs = {name: row[f"c_{name}"] for name in _CONVERSATIONS}
    for name in _JSON["conversations"]:
        convs[name] = json.loads(convs[name])
    # as read, to compare with afterwards (a JSON value is compared as a copy)
    read = {"users": dict(users), "conversations": copy.deepcopy(convs)}
    return TurnState(User(**users), Conversation(**convs), message_id, read)


async def mark_handled(tx: Transaction, message_id: int, answered: Answered) -> None:
    """Records on a stored message what it was taken to say, and that it is answered."""
    await tx.execute(
        _MARK_HANDLED,
        message_id,
        answered.intent,
        answered.confidence,
        answered.language,
        answered.payload,
    )


async def store_replies(
    tx: Transaction,
    user_id: int,
    channel: str,
    replies: Sequence[Outgoing],
    *,
    reply_to: int,
    language: str | None,
    now: datetime,
) -> list[Outgoing]:
    """Stores the replies; returns them with their ids."""
    if not replies:
        return []
    senders = [m.sender for m in replies]
    texts = [encrypt(m.text) for m in replies]
    buttons = [
        json.dumps([{"title": b.title, "payload": b.payload} for b in m.buttons] or None)
        for m in replies
    ]
    rows = await tx.fetch(
        _REPLIES, user_id, channel, language, reply_to, now, senders, texts, buttons
    )
    ids = sorted(int(r["id"]) for r in rows)
    return [Outgoing(m.text, m.buttons, m.sender, i) for m, i in zip(replies, ids, strict=True)]


async def store_outbox(
    tx: Transaction, user: User, rows: Sequence[dict[str, Any]], now: datetime
) -> None:
    """Writes outbox rows (`Delivery.outbox_rows`), one per body, in order."""
    flat = [(row, body) for row in rows for body in row["bodies"]]
    if not flat:
        return
    await tx.execute(
        _OUTBOX,
        user.id,
        user.channel,
        now,
        [row["message_id"] for row, _ in flat],
        [row["recipient"] for row, _ in flat],
        [json.dumps(body) for _, body in flat],
        [row.get("status", "pending") for row, _ in flat],
        [row.get("note") for row, _ in flat],
    )


async def write_back(tx: Transaction, state: TurnState, now: datetime) -> None:
    """Writes the columns of the user and the conversation that the turn changed (the
    conversation's updated_at with them, as the ORM's onupdate does)."""
    await _update(tx, "users", state.user, state.read["users"], {})
    await _update(
        tx, "conversations", state.conv, state.read["conversations"], {"updated_at": now}
    )


async def _update(
    tx: Transaction, table: str, row: Any, before: dict[str, Any], extra: dict[str, Any]
) -> None:
    changed = {
        name: getattr(row, name) for name, was in before.items() if getattr(row, name) != was
    }
    if not changed:
        return
    cells, values = [], []
    for i, (name, value) in enumerate((changed | extra).items(), start=2):
        json_column = name in _JSON[table]
        cells.append(f"{name} = ${i}" + ("::json" if json_column else ""))
        values.append(json.dumps(value) if json_column else value)
    sets = ", ".join(cells)
    await tx.execute(f"UPDATE {table} SET {sets} WHERE id = $1", row.id, *values)  # noqa: S608
