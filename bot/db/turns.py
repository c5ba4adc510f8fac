"""A turn on PostgreSQL, straight through asyncpg (`DirectPool`).

The ORM's share of a button press was about half of the gateway's CPU (a py-spy profile under
load): building and running the statements through the session and loading two objects. Here
a press takes one transaction of two plain statements, each a round trip to PostgreSQL:

    BEGIN
    the user and the conversation read (the conversation locked), the press stored, the
        24-hour-window mark, ids for the replies taken       (then the answer is decided)
    one statement of everything the turn writes (`finish`): the replies; their outbox rows
        for Telegram and WhatsApp; the user's and the conversation's changed columns
    COMMIT

A first contact's user and conversation are created in the same transaction, before the press
is stored (`inbound.create_user`). The answer to typed text (stored before, while the NLU
parsed it) takes the same transaction, its first statement reading the state and whether the
message is answered already; the last one also marks it answered.

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
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
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

# ids for the replies, taken from the messages' sequence at the start of the turn: the outbox
# rows name them (a Telegram button's callback data too), so all of the turn's rows are
# written by one statement at its end (`finish`); SPARE covers most turns, and a turn with more
# replies takes the rest with one more statement (an id not used leaves a gap, as a rollback does)
SPARE = 4
_IDS = (
    "(SELECT array_agg(id ORDER BY id) FROM (SELECT nextval(pg_get_serial_sequence("
    "'messages', 'id')) AS id FROM generate_series(1, {n})) AS ids)"
)

_ANSWER = f"""
SELECT {_SELECTED}, (SELECT handled FROM messages WHERE id = $2) AS handled,
       {_IDS.format(n=SPARE)} AS spare
FROM conversations JOIN users ON users.id = conversations.user_id
WHERE conversations.user_id = $1
FOR UPDATE OF conversations
"""  # noqa: S608 - the column names are the models' own

_MORE_IDS = "SELECT " + _IDS.format(n="$1::int") + " AS spare"

# state: the user and the conversation, the conversation locked until the commit; stored: the
# press, answered, unless its dedupe key is taken (a redelivery: the ORM path answers it);
# seen: the user's last_inbound_at, moved at most once a minute, as store_inbound does
_BEGIN = f"""
WITH state AS (
    SELECT {_SELECTED}
    FROM users JOIN conversations ON conversations.user_id = users.id
    WHERE users.channel = $1 AND users.channel_user_id = $2
    FOR UPDATE OF conversations
), ids AS MATERIALIZED (
    SELECT nextval(pg_get_serial_sequence('messages', 'id')) AS id
    FROM state, generate_series(0, {SPARE}) AS n
), stored AS (
    INSERT INTO messages (id, user_id, direction, sender, channel, dedupe_key, text, payload,
                          language, intent, confidence, delivery, handled, created_at)
    SELECT (SELECT min(id) FROM ids), u_id, 'in', 'user', $1, $3, $4, $5, NULL, $6, $7,
           'reply', true, $8::timestamptz
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
SELECT state.*, (SELECT id FROM stored) AS message_id, (SELECT last_inbound_at FROM seen) AS seen,
       (SELECT array_agg(id ORDER BY id) FROM ids WHERE id > (SELECT min(id) FROM ids)) AS spare
FROM state
"""  # noqa: S608 - the column names are the models' own


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
    spare: list[int]  # ids for the replies


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
    spare = [int(i) for i in row["spare"] or ()]
    return TurnState(User(**users), Conversation(**convs), message_id, read, spare)


async def finish(
    tx: Transaction,
    state: TurnState,
    channel: str,
    replies: Sequence[Outgoing],
    queue: Callable[[User, list[Outgoing]], list[dict[str, Any]]] | None,
    answered: Answered | None,
    now: datetime,
) -> tuple[list[Outgoing], bool]:
    """Writes what the turn decided, in one statement: the replies, their outbox rows
    (`queue`: `Delivery.outbox_rows`, given the replies with their ids), what the message was
    taken to say (`answered`, when not recorded as it was stored), and the columns of the user
    and the conversation that changed. The replies with their ids, and whether any was queued."""
    user, ids = state.user, state.spare
    if len(replies) > len(ids):
        row = await tx.fetchrow(_MORE_IDS, len(replies) - len(ids))
        ids = [*ids, *(int(i) for i in row["spare"])] if row is not None else ids
    answer = [
        Outgoing(m.text, m.buttons, m.sender, i)
        for m, i in zip(replies, ids[: len(replies)], strict=True)
    ]
    rows = queue(user, answer) if queue is not None else []
    write = _Write()
    if answer:
        write.add(
            _REPLIES,
            user=user.id,
            channel=channel,
            language=user.language,
            reply_to=state.message_id,
            now=now,
            ids=[m.message_id for m in answer],
            senders=[m.sender for m in answer],
            texts=[encrypt(m.text) for m in answer],
            buttons=[
                json.dumps([{"title": b.title, "payload": b.payload} for b in m.buttons] or None)
                for m in answer
            ],
        )
    flat = [(row, body) for row in rows for body in row["bodies"]]
    if flat:
        write.add(
            _OUTBOX,
            user=user.id,
            channel=user.channel,
            now=now,
            messages=[row["message_id"] for row, _ in flat],
            recipients=[row["recipient"] for row, _ in flat],
            bodies=[json.dumps(body) for _, body in flat],
            statuses=[row.get("status", "pending") for row, _ in flat],
            notes=[row.get("note") for row, _ in flat],
        )
    if answered is not None:
        write.add(
            _HANDLED,
            id=state.message_id,
            intent=answered.intent,
            confidence=answered.confidence,
            language=answered.language,
            payload=answered.payload,
        )
    write.update("users", user, state.read["users"], {})
    write.update("conversations", state.conv, state.read["conversations"], {"updated_at": now})
    if write.parts:
        await tx.execute(write.sql(), *write.args)
    return answer, bool(rows)


# the parts of `finish`'s statement; `:name` stands for a parameter (`_Write.add`)
_REPLIES = """
INSERT INTO messages (id, user_id, direction, sender, channel, text, buttons, language,
                      reply_to_id, delivery, handled, created_at)
SELECT r.id, :user::bigint, 'out', r.sender, :channel::text, r.text, r.buttons::json,
       :language::text, :reply_to::bigint, 'reply', true, :now::timestamptz
FROM unnest(:ids::bigint[], :senders::text[], :texts::text[], :buttons::text[])
     AS r(id, sender, text, buttons)
"""

_OUTBOX = """
INSERT INTO outbox (message_id, user_id, channel, recipient, body, status, attempts,
                    next_attempt_at, last_error, created_at)
SELECT r.message_id, :user::bigint, :channel::text, r.recipient, r.body::json, r.status, 0,
       :now::timestamptz, r.note, :now::timestamptz
FROM unnest(:messages::bigint[], :recipients::text[], :bodies::text[], :statuses::text[],
            :notes::text[]) WITH ORDINALITY AS r(message_id, recipient, body, status, note, n)
ORDER BY r.n
"""

_HANDLED = """
UPDATE messages SET handled = true, intent = :intent, confidence = :confidence,
                    language = :language, payload = :payload
WHERE id = :id::bigint
"""

_NAME = re.compile(r"(?<!:):(\w+)")


class _Write:
    """One statement of data-modifying CTEs, its parameters numbered as they are added."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.args: list[Any] = []

    def sql(self) -> str:
        ctes = ",\n".join(f"w{i} AS ({part})" for i, part in enumerate(self.parts))
        return f"WITH {ctes}\nSELECT 1"

    def add(self, template: str, **values: Any) -> None:
        """A part, each `:name` in `template` given its value as a parameter."""
        sql, names = _numbered(template, len(self.args))
        self.parts.append(sql)
        self.args.extend(values[name] for name in names)

    def update(self, table: str, row: Any, before: dict[str, Any], extra: dict[str, Any]) -> None:
        """The columns of `row` that differ from `before` (with `extra` when any does)."""
        changed = {
            name: getattr(row, name) for name, was in before.items() if getattr(row, name) != was
        }
        if not changed:
            return
        values = {
            name: json.dumps(value) if name in _JSON[table] else value
            for name, value in (changed | extra).items()
        }
        cells = [
            f"{name} = :{name}" + ("::json" if name in _JSON[table] else "") for name in values
        ]
        template = f"UPDATE {table} SET {', '.join(cells)} WHERE id = :id_::bigint"  # noqa: S608
        self.add(template, **values, id_=row.id)


@lru_cache(maxsize=256)
def _numbered(template: str, offset: int) -> tuple[str, tuple[str, ...]]:
    """`template` with its `:name`s numbered from `offset + 1` (the same name, the same
    number), and the names in the order of their numbers."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match[1] not in names:
            names.append(match[1])
        return f"${offset + names.index(match[1]) + 1}"

    return _NAME.sub(number, template.strip()), tuple(names)
