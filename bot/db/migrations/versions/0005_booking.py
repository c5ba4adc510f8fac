"""bookings: LTSA directory rows, OPP sessions, desk slots, bookings, waitlist, scheduled jobs

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-03 07:30:00

Written by hand. Branches off 0002 beside 0003 and 0004; a merge revision joins them.
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ACTIVE_OPP = "kind = 'opp' AND status = 'booked'"
SEATS = "seats_taken >= 0 AND seats_taken <= capacity"


def _id() -> sa.Column[int]:
    return sa.Column("id", BigId, nullable=False)


def _created() -> sa.Column[datetime]:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "ltsas",
        _id(),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_table(
        "desks",
        _id(),
        sa.Column("ltsa_id", BigId, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("slot_capacity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["ltsa_id"], ["ltsas.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ltsa_id", "code"),
    )
    op.create_table(
        "opening_hours",
        _id(),
        sa.Column("ltsa_id", BigId, nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("opens", sa.Time(), nullable=False),
        sa.Column("closes", sa.Time(), nullable=False),
        sa.ForeignKeyConstraint(["ltsa_id"], ["ltsas.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_opening_hours_ltsa_id", "opening_hours", ["ltsa_id"])
    op.create_table(
        "closures",
        _id(),
        sa.Column("ltsa_id", BigId, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["ltsa_id"], ["ltsas.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ltsa_id", "day"),
    )
    op.create_table(
        "opp_sessions",
        _id(),
        sa.Column("ltsa_id", BigId, nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _created(),
        sa.CheckConstraint(SEATS, name="ck_opp_seats"),
        sa.ForeignKeyConstraint(["ltsa_id"], ["ltsas.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ltsa_id", "starts_at"),
    )
    op.create_index("ix_opp_sessions_starts_at", "opp_sessions", ["starts_at"])
    op.create_table(
        "desk_slots",
        _id(),
        sa.Column("desk_id", BigId, nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.CheckConstraint(SEATS, name="ck_desk_seats"),
        sa.ForeignKeyConstraint(["desk_id"], ["desks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("desk_id", "starts_at"),
    )
    op.create_table(
        "bookings",
        _id(),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("user_id", BigId, nullable=True),
        sa.Column("booked_by_user_id", BigId, nullable=True),
        sa.Column("ltsa_id", BigId, nullable=False),
        sa.Column("opp_session_id", BigId, nullable=True),
        sa.Column("desk_slot_id", BigId, nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attendee_name", sa.String(length=120), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_source", sa.String(length=16), nullable=True),
        _created(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["booked_by_user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ltsa_id"], ["ltsas.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["opp_session_id"], ["opp_sessions.id"]),
        sa.ForeignKeyConstraint(["desk_slot_id"], ["desk_slots.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index(
        "uq_bookings_one_active_opp",
        "bookings",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text(ACTIVE_OPP),
        sqlite_where=sa.text(ACTIVE_OPP),
    )
    op.create_index("ix_bookings_user_id_status", "bookings", ["user_id", "status"])
    op.create_index("ix_bookings_booked_by_user_id", "bookings", ["booked_by_user_id"])
    op.create_index("ix_bookings_opp_session_id", "bookings", ["opp_session_id"])
    op.create_index("ix_bookings_desk_slot_id", "bookings", ["desk_slot_id"])
    op.create_table(
        "waitlist",
        _id(),
        sa.Column("opp_session_id", BigId, nullable=False),
        sa.Column("user_id", BigId, nullable=True),
        sa.Column("booked_by_user_id", BigId, nullable=True),
        sa.Column("attendee_name", sa.String(length=120), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_source", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("booking_id", BigId, nullable=True),
        _created(),
        sa.ForeignKeyConstraint(["opp_session_id"], ["opp_sessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["booked_by_user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_waitlist_session_status", "waitlist", ["opp_session_id", "status", "id"])
    op.create_table(
        "coordinators",
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("village", sa.String(length=120), nullable=False),
        _created(),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "scheduled_jobs",
        _id(),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("locked_by", sa.String(length=64), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _created(),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_scheduled_jobs_status_due_at", "scheduled_jobs", ["status", "due_at"])


def downgrade() -> None:
    for table in (
        "scheduled_jobs",
        "coordinators",
        "waitlist",
        "bookings",
        "desk_slots",
        "opp_sessions",
        "closures",
        "opening_hours",
        "desks",
        "ltsas",
    ):
        op.drop_table(table)
