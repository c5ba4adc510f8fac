"""community: coordinator verification, subscriptions, broadcasts and their recipients

Revision ID: 0007
Revises: 0002
Create Date: 2026-12-03 12:00:00

Written by hand. Branches off 0002 beside the other features' migrations; a merge revision
joins them. It only refers to tables of 0001 (users, messages), so it runs in any order with
its siblings: a verified request adds a row to booking's `coordinators` (0005) at run time.
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _time(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "coordinator_requests",
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("ltsa_slug", sa.String(length=64), nullable=False),
        sa.Column("village", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _time("created_at"),
        _time("decided_at", nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_index(
        "ix_coordinator_requests_ltsa_status", "coordinator_requests", ["ltsa_slug", "status"]
    )
    op.create_table(
        "subscriptions",
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("ltsa_slug", sa.String(length=64), nullable=False),
        sa.Column("village", sa.String(length=120), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_index(
        "ix_subscriptions_audience", "subscriptions", ["ltsa_slug", "village", "active"]
    )
    op.create_table(
        "broadcasts",
        sa.Column("id", BigId, nullable=False),
        sa.Column("ltsa_slug", sa.String(length=64), nullable=False),
        sa.Column("village", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("from_village", sa.String(length=120), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_by_user_id", BigId, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        _time("created_at"),
        _time("finished_at", nullable=True),
        sa.ForeignKeyConstraint(["created_by_user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_broadcasts_status", "broadcasts", ["status"])
    op.create_index("ix_broadcasts_created_by_user_id", "broadcasts", ["created_by_user_id"])
    op.create_table(
        "broadcast_recipients",
        sa.Column("id", BigId, nullable=False),
        sa.Column("broadcast_id", BigId, nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message_id", BigId, nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        _time("updated_at"),
        sa.ForeignKeyConstraint(["broadcast_id"], ["broadcasts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("broadcast_id", "user_id"),
        sa.UniqueConstraint("message_id"),
    )
    op.create_index(
        "ix_broadcast_recipients_claim", "broadcast_recipients", ["status", "channel", "id"]
    )
    op.create_index(
        "ix_broadcast_recipients_broadcast_status",
        "broadcast_recipients",
        ["broadcast_id", "status"],
    )


def downgrade() -> None:
    for table in ("broadcast_recipients", "broadcasts", "subscriptions", "coordinator_requests"):
        op.drop_table(table)
