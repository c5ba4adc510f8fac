"""Messages the bot sends on its own (reminders, a seat freed from the waitlist).

The service passes `bot.delivery.Delivery.push` (web push plus the Telegram/WhatsApp outbox,
WhatsApp templates outside the 24-hour window). `push` here is the same call for web chat
only: stored push messages, which `GET /webhooks/rest/messages` returns; tests and the
benchmark use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import Outgoing
from bot.db import queries as q
from bot.db.models import Booking, User
from bot.render import Renderer
from flows.actions import Say


class Push(Protocol):
    """`bot.delivery.Delivery.push`, or `push` below: sends messages to a user later."""

    async def __call__(
        self, session: AsyncSession, user: User, messages: Sequence[Outgoing], *, kind: str
    ) -> list[Outgoing]: ...


async def push(
    session: AsyncSession, user: User, messages: Sequence[Outgoing], *, kind: str
) -> list[Outgoing]:
    """Stores messages for `user` to receive later, in the caller's transaction."""
    return await q.store_outbound(
        session,
        user.id,
        user.channel,
        messages,
        reply_to=None,
        language=user.language,
        delivery="push",
    )


async def tell_promoted(
    session: AsyncSession, renderer: Renderer, bookings: Sequence[Booking], send: Push = push
) -> None:
    """Tells each person promoted from a waitlist that they now have a seat, and its code."""
    from bot.booking.reads import describe

    for booking in bookings:
        user_id = booking.user_id or booking.booked_by_user_id
        user = await session.get(User, user_id) if user_id is not None else None
        if user is None:
            continue
        language = user.language or booking.language or renderer.content.default_language
        params = await describe(session, booking)
        messages = renderer.render([Say("booking.promoted", params)], language)
        await send(session, user, messages, kind="booking_promoted")
