"""console: staff accounts, case notes, the audit log, login throttling; case assignment,
female-worker requests, SLA and escalation times; erasure requests

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-03 08:30:00

Written by hand. Branches off 0002 beside other features' migrations; a merge revision joins
them. Columns are added with plain `ALTER TABLE … ADD COLUMN` (the foreign key inline), never
by recreating `cases`: on SQLite, dropping a table with foreign keys on deletes the rows that
cascade from it. Message texts become encrypted from now on; rows written before stay readable
in clear (`bot.crypto`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CASE_COLUMNS = ("wants_female", "last_user_at", "escalate_at", "escalated_at")


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", BigId, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("gender", sa.String(length=8), nullable=True),
        sa.Column("ltsa_slug", sa.String(length=64), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("on_duty", sa.Boolean(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "case_notes",
        sa.Column("id", BigId, nullable=False),
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("staff_id", BigId, nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_notes_case_id", "case_notes", ["case_id"], unique=False)
    op.create_table(
        "audit_log",
        sa.Column("id", BigId, nullable=False),
        sa.Column("staff_id", BigId, nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("case_number", sa.String(length=32), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_case_number", "audit_log", ["case_number"], unique=False)
    op.create_index("ix_audit_log_created_at", "audit_log", ["created_at"], unique=False)
    op.create_table(
        "login_failures",
        sa.Column("id", BigId, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_failures_email", "login_failures", ["email"], unique=False)
    op.create_index("ix_login_failures_ip", "login_failures", ["ip"], unique=False)
    op.create_index("ix_login_failures_created_at", "login_failures", ["created_at"], unique=False)

    op.add_column(
        "cases",
        # no ON DELETE: SQLite's reflection does not read it from an inline REFERENCES, and
        # staff rows are never deleted (deactivated instead)
        sa.Column("assignee_id", BigId, sa.ForeignKey("staff.id"), nullable=True),
        inline_references=True,
    )
    op.add_column(
        "cases",
        sa.Column("wants_female", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("cases", sa.Column("last_user_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("cases", sa.Column("escalate_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("cases", sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_cases_assignee_id", "cases", ["assignee_id"], unique=False)
    op.create_index(
        "ix_cases_status_escalate_at", "cases", ["status", "escalate_at"], unique=False
    )
    op.add_column(
        "users", sa.Column("erase_requested_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("users", "erase_requested_at")
    op.drop_index("ix_cases_status_escalate_at", table_name="cases")
    op.drop_index("ix_cases_assignee_id", table_name="cases")
    for name in CASE_COLUMNS:
        op.drop_column("cases", name)
    if op.get_bind().dialect.name != "sqlite":
        # SQLite cannot drop a column that carries a foreign key without recreating the table
        # (which would cascade-delete case events): there the nullable column stays.
        op.drop_column("cases", "assignee_id")
    op.drop_table("login_failures")
    op.drop_table("audit_log")
    op.drop_table("case_notes")
    op.drop_table("staff")
