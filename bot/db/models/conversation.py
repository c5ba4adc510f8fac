"""Users, their conversations and messages; what the content did not answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.crypto import EncryptedText
from bot.db.models.base import Base, BigId, utcnow


class User(Base):
    """A person on one channel (Telegram chat, WhatsApp number, web-chat sender, terminal)."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("channel", "channel_user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    channel_user_id: Mapped[str] = mapped_column(String(128))
    language: Mapped[str | None] = mapped_column(String(8))
    # explicit: chosen by the user; detected: from a confident message; default: a guess
    language_source: Mapped[str] = mapped_column(String(8), default="default")
    ltsa_slug: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # when the user last wrote: WhatsApp allows free-form messages for 24 hours after it
    last_inbound_at: Mapped[datetime | None]
    # where the platform delivers when it differs from the identity (a WhatsApp phone number
    # for a user known by a business-scoped user id)
    channel_address: Mapped[str | None] = mapped_column(String(128))
    # the user asked to erase their data while an open protection case needed it: the rest is
    # erased when that case closes (`bot.casework.privacy`)
    erase_requested_at: Mapped[datetime | None]


class Conversation(Base):
    """The dialogue state of one user: the active flow, its state and slots."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    flow: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str | None] = mapped_column(String(64))
    slots: Mapped[dict[str, Any]] = mapped_column(default=dict)
    misses: Mapped[int] = mapped_column(Integer, default=0)
    mode: Mapped[str] = mapped_column(String(16), default="bot")  # bot | human
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Message(Base):
    """One message in or out, stored before it is answered or sent."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    sender: Mapped[str] = mapped_column(String(8))  # user | bot | staff
    channel: Mapped[str] = mapped_column(String(16))
    # "<channel>:<chat>:<platform id>" for inbound platform messages: a redelivery is recognised.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    text: Mapped[str] = mapped_column(EncryptedText, default="")  # encrypted at rest
    payload: Mapped[str | None] = mapped_column(Text)
    buttons: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    language: Mapped[str | None] = mapped_column(String(8))
    intent: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None]
    reply_to_id: Mapped[int | None] = mapped_column(BigId)
    # reply: returned in the same HTTP exchange; push: delivered later (staff, reminders)
    delivery: Mapped[str] = mapped_column(String(8), default="reply")
    handled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContentGap(Base):
    """A question the content could not answer, for staff (`ltsa content gaps`)."""

    __tablename__ = "content_gaps"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    # the question lower-cased with spaces collapsed (repeats are counted together); encrypted
    # like the message it comes from, so it is grouped in Python, not in SQL
    question: Mapped[str] = mapped_column(EncryptedText)
    # fallback: not understood | out_of_scope: outside the service | no_content: topic unanswered
    reason: Mapped[str] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(8))
    nearest: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FaqFeedback(Base):
    """One "helpful / not helpful" press after a procedure answer."""

    __tablename__ = "faq_feedback"
    __table_args__ = (Index("ix_faq_feedback_topic", "topic"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(64))
    helpful: Mapped[bool] = mapped_column(Boolean)
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
