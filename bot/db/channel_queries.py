"""Named queries the platform channels need: identities, pressed buttons, attachments."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import queries as q
from bot.db.models import Attachment, Case, Message, User, utcnow


@dataclass(frozen=True)
class Press:
    """A pressed button resolved against the stored message that carried it."""

    payload: str
    language: str | None


async def identify(
    session: AsyncSession,
    channel: str,
    identity: str,
    *,
    address: str | None = None,
    former: str | None = None,
) -> User:
    """The user of a platform identity; a user known by `former` (their phone number, before
    WhatsApp gave a stable user id) keeps their history under the new identity."""
    if former and former != identity:
        old = await session.scalar(
            select(User).where(User.channel == channel, User.channel_user_id == former)
        )
        taken = await session.scalar(
            select(User.id).where(User.channel == channel, User.channel_user_id == identity)
        )
        if old is not None and taken is None:
            old.channel_user_id = identity
            await session.flush()
    user = await q.user_for(session, channel, identity)
    if address and user.channel_address != address:
        user.channel_address = address
    return user


async def press(
    session: AsyncSession, channel: str, presser: str, message_id: int, index: int
) -> Press | None:
    """The payload of button `index` of outbound message `message_id`, if it was sent to
    `presser` on `channel` (a press on somebody else's message resolves to nothing)."""
    row = await session.execute(
        select(Message.buttons, Message.language)
        .join(User, User.id == Message.user_id)
        .where(
            Message.id == message_id,
            Message.direction == "out",
            User.channel == channel,
            User.channel_user_id == presser,
        )
    )
    found = row.first()
    if found is None:
        return None
    buttons, language = found
    if not buttons or not 0 <= index < len(buttons):
        return None
    return Press(str(buttons[index]["payload"]), language)


async def language_of(session: AsyncSession, channel: str, identity: str) -> str | None:
    """The language of a channel identity's user, if known."""
    return await session.scalar(
        select(User.language).where(User.channel == channel, User.channel_user_id == identity)
    )


async def last_buttons(session: AsyncSession, user_id: int) -> Message | None:
    """The last message sent to the user, if it had buttons (a typed number answers it)."""
    last = await session.scalar(
        select(Message)
        .where(Message.user_id == user_id, Message.direction == "out")
        .order_by(Message.id.desc())
        .limit(1)
    )
    return last if last is not None and last.buttons else None


async def attach(
    session: AsyncSession, user: User, message: q.Inbound, meta: Mapping[str, Any]
) -> bool:
    """Keeps a file reference with the user's open case; False when no case is open (the
    file is not kept: documents like passports are kept only for a case worker)."""
    existing = await session.scalar(select(Attachment).where(Attachment.message_id == message.id))
    if existing is not None:
        return True
    case_id = await session.scalar(
        select(Case.id)
        .where(Case.user_id == user.id, Case.status != "closed")
        .order_by(Case.id.desc())
        .limit(1)
    )
    if case_id is None:
        return False
    session.add(
        Attachment(
            message_id=message.id,
            case_id=case_id,
            channel=message.channel,
            kind=str(meta.get("kind", "document"))[:16],
            file_id=str(meta.get("file_id", ""))[:256],
            file_unique_id=_text(meta.get("file_unique_id"), 128),
            mime_type=_text(meta.get("mime_type"), 128),
            file_name=_text(meta.get("file_name"), 256),
            file_size=meta["file_size"] if isinstance(meta.get("file_size"), int) else None,
            caption=_text(meta.get("caption"), 4096),
            created_at=utcnow(),
        )
    )
    await session.flush()
    return True


def _text(value: object, limit: int) -> str | None:
    return str(value)[:limit] if isinstance(value, str) and value else None
