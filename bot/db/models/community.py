"""KOPI coordinators, subscriptions and announcements to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.crypto import EncryptedText
from bot.db.models.base import Base, BigId, utcnow


class Coordinator(Base):
    """A chat user known to be a KOPI village coordinator, who may book for villagers.

    A row exists while the coordinator is verified: an LTSA admin verifies a chat request
    (`CoordinatorRequest`) in the console, which adds the row, and revoking removes it.
    """

    __tablename__ = "coordinators"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    village: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CoordinatorRequest(Base):
    """A chat user's request to be the KOPI coordinator of a village of an LTSA.

    status: pending (asked in the chat) -> verified (an LTSA admin, in the console: the user
    gets a `coordinators` row) -> revoked (the row is removed); or pending -> rejected. Who
    decided is in the audit log. One request per user: asking again reopens it.
    """

    __tablename__ = "coordinator_requests"
    __table_args__ = (Index("ix_coordinator_requests_ltsa_status", "ltsa_slug", "status"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    ltsa_slug: Mapped[str] = mapped_column(String(64))
    village: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(120))  # as they gave it, for the admin to check
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]


class Subscription(Base):
    """A chat user who asked for the announcements of an LTSA (village "": the whole district)
    or of one village; `active` goes false when they leave, and true again if they come back."""

    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_audience", "ltsa_slug", "village", "active"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    ltsa_slug: Mapped[str] = mapped_column(String(64))
    village: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Broadcast(Base):
    """An announcement to the subscribers of an LTSA or of one of its villages.

    status: sending (recipients are being handed to the outbox) -> done | cancelled.
    source: coordinator (in the chat) | console | cli; `created_by` names who ("user:12",
    "staff:3", "cli"). The text is encrypted at rest like messages.
    """

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_status", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ltsa_slug: Mapped[str] = mapped_column(String(64))
    village: Mapped[str] = mapped_column(String(120), default="")  # "": the whole district
    text: Mapped[str] = mapped_column(EncryptedText)
    source: Mapped[str] = mapped_column(String(16))
    from_village: Mapped[str] = mapped_column(String(120), default="")  # a coordinator's
    created_by: Mapped[str] = mapped_column(String(64))
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="sending")
    total: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class BroadcastRecipient(Base):
    """One subscriber of a broadcast: claimed once (queued -> sending with its message), then
    sent | failed | held (WhatsApp: waits for the user to write) as the outbox reports;
    skipped when they left before their turn or their channel is off."""

    __tablename__ = "broadcast_recipients"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "user_id"),
        Index("ix_broadcast_recipients_claim", "status", "channel", "id"),
        Index("ix_broadcast_recipients_broadcast_status", "broadcast_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    # the stored push message, one per recipient: it carries the unique dedupe key
    # "broadcast:<recipient id>", and its outbox rows are written in the same transaction
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), unique=True
    )
    error: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
