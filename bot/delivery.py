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

from collections.abc import Mapping, Sequence

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import Outgoing
from bot.db import outbox_queries as oq
from bot.db import queries as q
from bot.db.models import User
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
        stored = await q.store_outbound(
            session,
            user.id,
            user.channel,
            messages,
            reply_to=None,
            language=user.language,
            delivery="push",
        )
        await self.enqueue(session, user.id, stored, kind=kind)
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
        user = await session.get_one(User, user_id)
        platform = self.platforms.get(user.channel)
        if platform is None or not messages:
            return
        language = user.language or self.default_language
        recipient = platform.recipient(user)
        status, note = "pending", None
        if not platform.window_open(user.last_inbound_at):
            notice = platform.notice(kind, language)
            first = messages[0].message_id
            if notice is not None and first is not None:
                oq.add(
                    session,
                    message_id=first,
                    user_id=user.id,
                    channel=user.channel,
                    recipient=recipient,
                    bodies=[notice],
                )
            status = "held"
            note = HELD if notice is not None else f"{HELD}; no template for {kind!r}"
        for message in messages:
            if message.message_id is None:
                raise ValueError("only stored messages can be queued")
            oq.add(
                session,
                message_id=message.message_id,
                user_id=user.id,
                channel=user.channel,
                recipient=recipient,
                bodies=platform.bodies(message, language),
                status=status,
                note=note,
            )
        if self.sender is not None:
            sender = self.sender
            # kicked after the commit: before it, the worker would not see the rows
            event.listen(session.sync_session, "after_commit", lambda _s: _kick(sender), once=True)

    def kick(self) -> None:
        """Asks the sender to look for due rows now."""
        if self.sender is not None:
            self.sender.kick()


def _kick(sender: OutboxSender) -> None:
    sender.kick()
