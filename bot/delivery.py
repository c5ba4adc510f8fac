"""Sending messages to users: replies and, later, pushes (staff replies, reminders, broadcasts).

    delivery = request.app.state.services.delivery
    async with db.transaction() as session:
        await delivery.push(session, user, [Outgoing("Jadwal OPP besok jam 08.00")],
                            kind="reminder")

`push` stores the messages (delivery="push"; the web chat fetches them from
`GET /webhooks/rest/messages`) and, for a Telegram or WhatsApp user, writes them to the outbox
in the same transaction; the sender worker delivers them after the commit. On WhatsApp
outside the 24-hour window the approved template configured for `kind` (WHATSAPP_TEMPLATES)
goes first and the messages wait, status "held", until the user writes again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bot.channels.base import Outgoing
from bot.db import outbox_queries as oq
from bot.db import queries as q
from bot.db.models import Message, User
from bot.outbox import OutboxSender, Platform

HELD = "outside the 24-hour window: sent when the user writes"


class Delivery:
    """Writes outgoing messages to the outbox of the user's platform."""

    def __init__(
        self,
        platforms: Mapping[str, Platform],
        sender: OutboxSender | None = None,
        default_language: str = "id",
    ) -> None:
        self.platforms = dict(platforms)
        self.sender = sender
        self.default_language = default_language

    async def push(
        self, session: AsyncSession, user: User, messages: Sequence[Outgoing], *, kind: str
    ) -> list[Outgoing]:
        """Stores messages for `user` to receive later and queues them for their platform;
        `kind` (staff_reply, reminder, broadcast, …) picks the WhatsApp template."""
        [stored] = await self.push_many(session, [Push(user, messages)], kind=kind)
        return stored

    async def push_many(
        self, session: AsyncSession, pushes: Sequence[Push], *, kind: str
    ) -> list[list[Outgoing]]:
        """`push` for many users at once: one batched INSERT of the messages (a push's
        `dedupe_key` goes on its first message), outbox rows written at the commit."""
        rows = [
            [
                Message(
                    **q.outbound_values(
                        p.user.id,
                        p.user.channel,
                        m,
                        reply_to=None,
                        language=p.user.language,
                        delivery="push",
                        dedupe_key=p.dedupe_key if i == 0 else None,
                    )
                )
                for i, m in enumerate(p.messages)
            ]
            for p in pushes
        ]
        session.add_all(row for group in rows for row in group)
        await session.flush()
        stored = [q.with_ids(p.messages, group) for p, group in zip(pushes, rows, strict=True)]
        for p, messages in zip(pushes, stored, strict=True):
            self._queue(session, p.user, messages, kind)
        return stored

    async def enqueue(
        self,
        session: AsyncSession,
        user_id: int,
        messages: Sequence[Outgoing],
        *,
        kind: str = "reply",
    ) -> None:
        """Writes stored messages to the outbox (nothing for web-chat and terminal users)."""
        self._queue(session, await session.get_one(User, user_id), messages, kind)

    def outbox_rows(
        self, user: User, messages: Sequence[Outgoing], kind: str = "reply"
    ) -> list[dict[str, Any]]:
        """The outbox rows (`oq.add`'s arguments) that deliver stored messages to the user's
        platform: none for web-chat and terminal users."""
        platform = self.platforms.get(user.channel)
        if platform is None or not messages:
            return []
        language = user.language or self.default_language
        recipient = platform.recipient(user)
        where = {"user_id": user.id, "channel": user.channel, "recipient": recipient}
        rows: list[dict[str, Any]] = []
        status, note = "pending", None
        if not platform.window_open(user.last_inbound_at):
            notice = platform.notice(kind, language)
            first = messages[0].message_id
            if notice is not None and first is not None:
                rows.append({"message_id": first, "bodies": [notice], **where})
            status = "held"
            note = HELD if notice is not None else f"{HELD}; no template for {kind!r}"
        for message in messages:
            if message.message_id is None:
                raise ValueError("only stored messages can be queued")
            bodies = platform.bodies(message, language)
            rows.append(
                {"message_id": message.message_id, "bodies": bodies, **where}
                | {"status": status, "note": note}
            )
        return rows

    def _queue(
        self, session: AsyncSession, user: User, messages: Sequence[Outgoing], kind: str
    ) -> None:
        rows = self.outbox_rows(user, messages, kind)
        for row in rows:
            oq.add(session, **row)
        if not rows:
            return
        sender = self.sender
        if sender is not None and not _kick_pending(session):
            # kicked after the commit: before it, the worker would not see the rows
            session.info[_KICK] = True
            event.listen(session.sync_session, "after_commit", _kicker(sender), once=True)

    def kick(self) -> None:
        """Asks the sender to look for due rows now."""
        if self.sender is not None:
            self.sender.kick()


_KICK = "ltsa.outbox_kick"  # session.info: the after-commit kick is registered


@dataclass(frozen=True)
class Push:
    """Messages for one user; `dedupe_key` makes a second push of the same thing fail."""

    user: User
    messages: Sequence[Outgoing]
    dedupe_key: str | None = None


def _kick_pending(session: AsyncSession) -> bool:
    return bool(session.info.get(_KICK))


def _kicker(sender: OutboxSender) -> Callable[[Session], None]:
    def kick(session: Session) -> None:
        session.info.pop(_KICK, None)
        sender.kick()

    return kick
