"""Bookings: the LTSA directory as rows, OPP sessions, desk slots, bookings, the waitlist."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models.base import Base, BigId, utcnow

# One active OPP booking per person: the database refuses a second one even under a race.
ACTIVE_OPP = "kind = 'opp' AND status = 'booked'"


class Ltsa(Base):
    """An LTSA office, synced from `content/ltsa/<slug>.yml` at start-up."""

    __tablename__ = "ltsas"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Desk(Base):
    """A service desk of an LTSA; desk appointments are cut into slots of `slot_minutes`."""

    __tablename__ = "desks"
    __table_args__ = (UniqueConstraint("ltsa_id", "code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ltsa_id: Mapped[int] = mapped_column(ForeignKey("ltsas.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))  # imigrasi | kepolisian | … (content desk.*)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)
    slot_capacity: Mapped[int] = mapped_column(Integer, default=2)


class OpeningHours(Base):
    """One opening period of an LTSA on a weekday (0 = Monday)."""

    __tablename__ = "opening_hours"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ltsa_id: Mapped[int] = mapped_column(ForeignKey("ltsas.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)


class Closure(Base):
    """A day an LTSA is closed besides public holidays (an office event, a local holiday)."""

    __tablename__ = "closures"
    __table_args__ = (UniqueConstraint("ltsa_id", "day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ltsa_id: Mapped[int] = mapped_column(ForeignKey("ltsas.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")


class OppSession(Base):
    """An OPP (pre-departure orientation) session; `seats_taken` is raised only while below
    `capacity`, in one conditional UPDATE, which is what makes overbooking impossible."""

    __tablename__ = "opp_sessions"
    __table_args__ = (
        UniqueConstraint("ltsa_id", "starts_at"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="ck_opp_seats"),
        Index("ix_opp_sessions_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ltsa_id: Mapped[int] = mapped_column(ForeignKey("ltsas.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200), default="")
    capacity: Mapped[int] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    language: Mapped[str] = mapped_column(String(8), default="id")  # language of delivery
    status: Mapped[str] = mapped_column(String(16), default="scheduled")  # scheduled | cancelled
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SeatPromise(Base):
    """An OPP seat promised in a chat turn, taken at the commit (on PostgreSQL by a deferred
    trigger, which deletes the row; see migration 0009): a row is never seen outside the
    transaction that wrote it."""

    __tablename__ = "seat_promises"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    opp_session_id: Mapped[int] = mapped_column(ForeignKey("opp_sessions.id", ondelete="CASCADE"))
    promised_at: Mapped[datetime]


class DeskSlot(Base):
    """A desk slot that has (had) bookings; slots are derived from opening hours and created
    on first booking, then counted like OPP seats."""

    __tablename__ = "desk_slots"
    __table_args__ = (
        UniqueConstraint("desk_id", "starts_at"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="ck_desk_seats"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    desk_id: Mapped[int] = mapped_column(ForeignKey("desks.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    capacity: Mapped[int] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)


class Booking(Base):
    """A seat in an OPP session or a desk slot, with a short code the user shows at the LTSA.

    `user_id` is the attendee's own chat account; a KOPI coordinator booking for a villager
    leaves it empty and is `booked_by_user_id`. Consent to store the name is recorded.
    """

    __tablename__ = "bookings"
    __table_args__ = (
        Index(
            "uq_bookings_one_active_opp",
            "user_id",
            unique=True,
            postgresql_where=text(ACTIVE_OPP),
            sqlite_where=text(ACTIVE_OPP),
        ),
        Index("ix_bookings_user_id_status", "user_id", "status"),
        Index("ix_bookings_booked_by_user_id", "booked_by_user_id"),
        Index("ix_bookings_opp_session_id", "opp_session_id"),
        Index("ix_bookings_desk_slot_id", "desk_slot_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # opp | desk
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    booked_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE")
    )
    ltsa_id: Mapped[int] = mapped_column(ForeignKey("ltsas.id", ondelete="CASCADE"))
    opp_session_id: Mapped[int | None] = mapped_column(ForeignKey("opp_sessions.id"))
    desk_slot_id: Mapped[int | None] = mapped_column(ForeignKey("desk_slots.id"))
    starts_at: Mapped[datetime]
    # booked | cancelled | attended | no_show
    status: Mapped[str] = mapped_column(String(16), default="booked")
    attendee_name: Mapped[str | None] = mapped_column(String(120))
    language: Mapped[str | None] = mapped_column(String(8))
    consent_at: Mapped[datetime | None]
    consent_source: Mapped[str | None] = mapped_column(String(16))  # self | coordinator
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None]


class WaitlistEntry(Base):
    """Someone waiting for a seat in a full OPP session; promoted in order on a cancellation."""

    __tablename__ = "waitlist"
    __table_args__ = (Index("ix_waitlist_session_status", "opp_session_id", "status", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    opp_session_id: Mapped[int] = mapped_column(ForeignKey("opp_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    booked_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE")
    )
    attendee_name: Mapped[str | None] = mapped_column(String(120))
    language: Mapped[str | None] = mapped_column(String(8))
    consent_at: Mapped[datetime | None]
    consent_source: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="waiting")  # waiting | promoted | left
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
