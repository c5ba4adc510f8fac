"""Channel-neutral messages, and what the core expects of a channel adapter.

An adapter parses a platform's payload into `Incoming` and sends `Outgoing`; nothing more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Incoming:
    """One message from a user, as every channel delivers it."""

    channel: str  # web | telegram | whatsapp | cli
    user_id: str  # the channel's id for the conversation (chat id, phone number, sender)
    text: str
    message_id: str | None = None  # the platform's id: a redelivery is recognised by it
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Outgoing:
    """One message to a user: text and optional buttons."""

    text: str
    buttons: tuple[Button, ...] = ()
    sender: str = "bot"  # bot | staff
    message_id: int | None = None  # our stored id, once stored


class Channel(Protocol):
    """An adapter that can deliver messages pushed later (staff replies, reminders)."""

    name: str

    async def send(self, user_id: str, messages: Sequence[Outgoing]) -> None: ...
