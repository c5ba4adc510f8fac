"""Storing an inbound message before it is answered: the first step of `Pipeline.handle`.

Typed text on PostgreSQL is stored with single statements (`bot.db.inbound`): someone known
with two, a first contact with one more that creates their user and conversation; a
redelivery, a file, and everything on SQLite take a transaction through the ORM. The NLU
starts on the text as soon as it is known who answers it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import NamedTuple

from bot.channels.base import Button, Incoming, Outgoing
from bot.db import channel_queries as cq
from bot.db import queries as q
from bot.db.engine import Database
from bot.db.inbound import create_user, known_user, store_text
from bot.db.models import Message
from bot.db.models.base import utcnow
from flows import payload

DEDUPE_MAX = 200  # messages.dedupe_key


def dedupe_key(channel: str, chat: str, platform_id: str) -> str:
    """The key a redelivered platform message is recognised by (hashed when too long)."""
    key = f"{channel}:{chat}:{platform_id}"
    if len(key) <= DEDUPE_MAX:
        return key
    return f"{channel}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


class Stored(NamedTuple):
    """An inbound message once stored: whose, its id, its text as the flows read it, whether a
    case worker has the chat, and the answer already given to it (a redelivery)."""

    user_id: int
    message_id: int
    text: str
    with_person: bool
    answered: list[Outgoing] | None = None


def outgoing(message: Message) -> Outgoing:
    """A stored outbound message as the channels see it."""
    buttons = tuple(Button(b["title"], b["payload"]) for b in message.buttons or ())
    return Outgoing(message.text, buttons, message.sender, message.id)


async def store(
    db: Database,
    incoming: Incoming,
    text: str,
    dedupe: str | None,
    on_mode: Callable[[str], None] | None = None,
) -> Stored:
    """Stores the inbound message (once per platform id); what answering it needs
    (`on_mode` hears who answers the user, bot or human, as soon as that is known)."""
    attachment = incoming.metadata.get("attachment")
    if db.direct is not None and not isinstance(attachment, dict):
        known = await known_user(db.direct, incoming.channel, incoming.user_id)
        if known is None:  # a first contact
            made = await create_user(db.direct, incoming.channel, incoming.user_id, utcnow())
            known = None if made is None else (made, "bot")
        if known is not None:
            user_id, mode = known
            if on_mode is not None:
                on_mode(mode)
                on_mode = None  # heard once: the ORM path below must not start a second parse
            message_id = await store_text(db.direct, user_id, incoming.channel, text, dedupe)
            if message_id is not None:
                return Stored(user_id, message_id, text, mode == "human")
    async with db.transaction() as session:
        user, mode = await q.user_and_mode(session, incoming.channel, incoming.user_id)
        if on_mode is not None:
            on_mode(mode)
        message, duplicate = await q.store_inbound(session, user, incoming.channel, text, dedupe)
        answered = None
        if duplicate:
            previous = await q.replies_to(session, message.id)
            if message.handled or previous:
                answered = [outgoing(m) for m in previous]
        if isinstance(attachment, dict):
            # a file is kept only with an open case; the flow tells the user which it was
            kept = await cq.attach(session, user, message, attachment)
            text = payload("attachment", kept=kept)
        # a case worker has the conversation: typed text is for them, not for the NLU
        return Stored(user.id, message.id, text, mode == "human", answered)
