"""Named queries over the models; every database access of the service goes through here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, NamedTuple, cast

from sqlalchemy import Select, Table, and_, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import Outgoing
from bot.db.models import (
    Case,
    CaseEvent,
    Conversation,
    Message,
    User,
    utcnow,
)

# users.last_inbound_at is rewritten at most this often: a conversation of quick presses does
# not update the user row on every message, and the WhatsApp window it measures (24 hours)
# is at worst taken to close this much early, never late
INBOUND_EVERY = timedelta(minutes=1)


def _is_sqlite(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _insert(session: AsyncSession) -> Any:
    return sqlite_insert if _is_sqlite(session) else pg_insert


# messages are written on the table, not the mapped class: the ORM's flush cost more CPU than
# the statements, and no message is needed as an object afterwards (ids come back in order)
_MESSAGES = cast(Table, Message.__table__)


# The reads every message makes are built once (with bind parameters): building a statement
# costs about as much CPU as running it.
_IDENTITY = and_(
    User.channel == bindparam("channel"), User.channel_user_id == bindparam("channel_user_id")
)
_USER_AND_MODE = (
    select(User, Conversation.mode)
    .outerjoin(Conversation, Conversation.user_id == User.id)
    .where(_IDENTITY)
)


@cache
def _press_state(lock: bool) -> Select[User, Conversation]:
    query = (
        select(User, Conversation)
        .join(Conversation, Conversation.user_id == User.id)
        .where(_IDENTITY)
        .execution_options(populate_existing=True)
    )
    return query.with_for_update(of=Conversation) if lock else query


@cache
def _turn_state(lock: bool) -> Select[Conversation, User, bool]:
    handled = select(Message.handled).where(Message.id == bindparam("message_id"))
    query = (
        select(Conversation, User, handled.scalar_subquery())
        .join(User, User.id == Conversation.user_id)
        .where(Conversation.user_id == bindparam("user_id"))
        .execution_options(populate_existing=True)
    )
    return query.with_for_update(of=Conversation) if lock else query


async def user_and_mode(
    session: AsyncSession, channel: str, channel_user_id: str
) -> tuple[User, str]:
    """`user_for` and who answers the user now (bot or human), in one round trip."""
    params = {"channel": channel, "channel_user_id": channel_user_id}
    known = (await session.execute(_USER_AND_MODE, params)).one_or_none()
    if known is not None:
        return known[0], known[1] or "bot"
    return await user_for(session, channel, channel_user_id), "bot"


async def user_for(session: AsyncSession, channel: str, channel_user_id: str) -> User:
    """The user of a channel identity, created on first contact (safe under concurrency)."""
    query = select(User).where(User.channel == channel, User.channel_user_id == channel_user_id)
    known = await session.scalar(query)  # one round trip for everyone who wrote before
    if known is not None:
        return known
    stmt = (
        _insert(session)(User)
        .values(
            channel=channel,
            channel_user_id=channel_user_id,
            created_at=utcnow(),
            last_seen_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["channel", "channel_user_id"])
    )
    await session.execute(stmt)
    return (await session.scalars(query)).one()


async def conversation_for(
    session: AsyncSession, user_id: int, *, lock: bool = False
) -> Conversation:
    """The user's conversation, created on first contact; `lock` holds its row until commit."""
    query = select(Conversation).where(Conversation.user_id == user_id)
    if lock and not _is_sqlite(session):  # SQLite: BEGIN IMMEDIATE already locks
        query = query.with_for_update()
    query = query.execution_options(populate_existing=True)
    known = await session.scalar(query)  # one round trip once the conversation exists
    if known is not None:
        return known
    stmt = (
        _insert(session)(Conversation)
        .values(user_id=user_id, slots={}, misses=0, mode="bot", updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id"])
    )
    await session.execute(stmt)
    return (await session.scalars(query)).one()


async def turn_state(
    session: AsyncSession, user_id: int, message_id: int, *, lock: bool = False
) -> tuple[Conversation, User, bool]:
    """The conversation (locked with `lock`), the user, and whether message `message_id` is
    answered already: one round trip once the conversation exists."""
    query = _turn_state(lock and not _is_sqlite(session))  # SQLite: BEGIN IMMEDIATE locks
    params = {"user_id": user_id, "message_id": message_id}
    row = (await session.execute(query, params)).one_or_none()
    if row is not None:
        return row[0], row[1], bool(row[2])
    conv = await conversation_for(session, user_id, lock=lock)
    user = await session.get_one(User, user_id, populate_existing=True)
    return conv, user, await is_handled(session, message_id)


async def press_state(
    session: AsyncSession, channel: str, channel_user_id: str
) -> tuple[User, Conversation] | None:
    """The user of a channel identity and their conversation, locked, in one round trip; None
    for someone without both yet."""
    query = _press_state(not _is_sqlite(session))  # SQLite: BEGIN IMMEDIATE already locks
    params = {"channel": channel, "channel_user_id": channel_user_id}
    row = (await session.execute(query, params)).one_or_none()
    return (row[0], row[1]) if row is not None else None


@dataclass(frozen=True)
class Answered:
    """What is recorded of an inbound message once answered (`mark_handled`); given to
    `store_inbound` when the answer is stored in the same transaction (a button press)."""

    intent: str | None
    confidence: float | None
    language: str | None
    payload: str | None


class Inbound(NamedTuple):
    """A stored inbound message: what answering it needs of its row."""

    id: int
    channel: str
    handled: bool
    created_at: datetime


@cache
def _insert_inbound(sqlite: bool) -> Any:  # a message stored before (same key) returns no row
    insert_ = sqlite_insert if sqlite else pg_insert
    return (
        insert_(_MESSAGES)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(_MESSAGES.c.id)
    )


async def store_inbound(
    session: AsyncSession,
    user: User,
    channel: str,
    text: str,
    dedupe_key: str | None,
    answered: Answered | None = None,
) -> tuple[Inbound, bool]:
    """Stores a user's message (as answered with `answered`, which the caller's transaction
    then does) in one round trip; (message, True) when this platform message was stored
    before (a concurrent delivery of it may have stored it a moment ago)."""
    values: dict[str, Any] = {
        "user_id": user.id,
        "direction": "in",
        "sender": "user",
        "channel": channel,
        "dedupe_key": dedupe_key,
        "text": text,
        "delivery": "reply",
        "handled": answered is not None,
        "created_at": utcnow(),
    }
    if answered is not None:
        values |= asdict(answered)
    inserted = await session.scalar(_insert_inbound(_is_sqlite(session)), values)
    if inserted is None:
        existing = await session.scalar(select(Message).where(Message.dedupe_key == dedupe_key))
        if existing is None:  # stored and erased meanwhile: nothing to answer from
            raise RuntimeError("a redelivered message vanished while it was stored")
        return Inbound(existing.id, existing.channel, existing.handled, existing.created_at), True
    last = user.last_inbound_at
    if last is None or values["created_at"] - last >= INBOUND_EVERY:
        user.last_inbound_at = values["created_at"]  # opens WhatsApp's 24-hour window
    return Inbound(inserted, channel, answered is not None, values["created_at"]), False


def outbound_values(
    user_id: int,
    channel: str,
    message: Outgoing,
    *,
    reply_to: int | None,
    language: str | None,
    delivery: str = "reply",
    dedupe_key: str | None = None,
) -> dict[str, Any]:
    """The column values of one outgoing message (`Message(**values)` is its row)."""
    return {
        "user_id": user_id,
        "direction": "out",
        "sender": message.sender,
        "channel": channel,
        "dedupe_key": dedupe_key,
        "text": message.text,
        "buttons": [{"title": b.title, "payload": b.payload} for b in message.buttons] or None,
        "language": language,
        "reply_to_id": reply_to,
        "delivery": delivery,
        "handled": True,
        "created_at": utcnow(),
    }


def with_ids(messages: Sequence[Outgoing], rows: Sequence[Message]) -> list[Outgoing]:
    """The messages with the ids their flushed rows got."""
    pairs = zip(messages, rows, strict=True)
    return [Outgoing(m.text, m.buttons, m.sender, row.id) for m, row in pairs]


_INSERT_OUTBOUND = insert(_MESSAGES).returning(_MESSAGES.c.id, sort_by_parameter_order=True)


async def store_outbound(
    session: AsyncSession,
    user_id: int,
    channel: str,
    messages: Sequence[Outgoing],
    *,
    reply_to: int | None,
    language: str | None,
    delivery: str = "reply",
) -> list[Outgoing]:
    """Stores outgoing messages; returns them with their stored ids."""
    if not messages:
        return []
    rows = [
        outbound_values(
            user_id, channel, m, reply_to=reply_to, language=language, delivery=delivery
        )
        for m in messages
    ]
    ids = (await session.execute(_INSERT_OUTBOUND, rows)).scalars().all()
    return [Outgoing(m.text, m.buttons, m.sender, i) for m, i in zip(messages, ids, strict=True)]


async def replies_to(session: AsyncSession, message_id: int) -> list[Message]:
    """The messages that answered an inbound message, in order."""
    result = await session.scalars(
        select(Message).where(Message.reply_to_id == message_id).order_by(Message.id)
    )
    return list(result)


async def is_handled(session: AsyncSession, message_id: int) -> bool:
    """True when the inbound message has been answered."""
    handled = await session.scalar(select(Message.handled).where(Message.id == message_id))
    return bool(handled)


# the ORM's UPDATE looks for the row among the objects the session holds to change them too
# (the message being answered is not one of them), and building the statement each time cost
# more than running it
_MARK_HANDLED = (
    update(_MESSAGES)
    .where(_MESSAGES.c.id == bindparam("message_id"))
    .values(
        handled=True,
        **{name: bindparam(f"answered_{name}") for name in ("intent", "confidence", "language")},
        payload=bindparam("answered_payload"),
    )
)


async def mark_handled(session: AsyncSession, message_id: int, answered: Answered) -> None:
    params = {f"answered_{k}": v for k, v in asdict(answered).items()}
    await session.execute(_MARK_HANDLED, {"message_id": message_id, **params})


async def pushed_after(
    session: AsyncSession, channel: str, channel_user_id: str, after: int, limit: int = 50
) -> list[Message]:
    """Messages pushed to a user later than message `after` (staff replies, reminders)."""
    result = await session.scalars(
        select(Message)
        .join(User, User.id == Message.user_id)
        .where(
            User.channel == channel,
            User.channel_user_id == channel_user_id,
            Message.direction == "out",
            Message.delivery == "push",
            Message.id > after,
        )
        .order_by(Message.id)
        .limit(limit)
    )
    return list(result)


async def open_case(
    session: AsyncSession,
    user: User,
    *,
    kind: str,
    reason: str,
    priority: str,
    language: str | None,
) -> Case:
    """The user's open case of this kind, or a new one with a human-friendly number."""
    existing = await session.scalar(
        select(Case)
        .where(Case.user_id == user.id, Case.status != "closed")
        .order_by(Case.id.desc())
    )
    if existing is not None:
        if _rank(priority) > _rank(existing.priority):
            existing.priority = priority
            existing.kind = kind
            existing.reason = reason
        return existing
    now = utcnow()
    case = Case(
        number=f"tmp-{user.id}-{now.timestamp()}",
        user_id=user.id,
        kind=kind,
        reason=reason,
        priority=priority,
        status="open",
        ltsa_slug=user.ltsa_slug,
        language=language,
        created_at=now,
    )
    session.add(case)
    await session.flush()
    case.number = case_number(case.id, now)
    session.add(
        CaseEvent(
            case_id=case.id, kind="opened", actor="bot", detail={"reason": reason}, created_at=now
        )
    )
    await session.flush()
    return case


def case_number(case_id: int, opened: datetime) -> str:
    """ "K2611-0042": K, year and month opened, the id (short enough to read on the phone)."""
    return f"K{opened:%y%m}-{case_id:04d}"


def _rank(priority: str) -> int:
    return {"normal": 0, "high": 1, "urgent": 2}.get(priority, 0)


async def count_messages(session: AsyncSession, user_id: int | None = None) -> int:
    query = select(func.count()).select_from(Message)
    if user_id is not None:
        query = query.where(Message.user_id == user_id)
    return int(await session.scalar(query) or 0)
