"""Case work: cases and their events, staff, notes, the audit log, logins, referrals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.crypto import EncryptedText
from bot.db.models.base import Base, BigId, utcnow


class Case(Base):
    """A conversation handed to a person: a request for staff, a protection case, a family case."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_priority", "status", "priority"),
        Index("ix_cases_status_escalate_at", "status", "escalate_at"),
        Index("ix_cases_assignee_id", "assignee_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # human_request | protection | emergency | …
    reason: Mapped[str] = mapped_column(String(64))
    priority: Mapped[str] = mapped_column(String(8))  # urgent | high | normal
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | assigned | closed
    ltsa_slug: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_response_at: Mapped[datetime | None]
    last_response_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(64))
    # a family's report (worker's name, country, employer, last contact), JSON, encrypted
    details: Mapped[str | None] = mapped_column(EncryptedText)
    # the PIN a family asks for the case's status with (argon2 hash)
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # the user asked for a female case worker: only female staff may take the case
    wants_female: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    last_user_at: Mapped[datetime | None]  # the user's last message while the case is open
    escalate_at: Mapped[datetime | None]  # nobody took it by then: hotlines + a supervisor
    escalated_at: Mapped[datetime | None]


class CaseEvent(Base):
    """The audit trail of a case: opened, message relayed, assigned, closed."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(128))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Staff(Base):
    """A console account: a case worker, supervisor, LTSA admin or coordinator.

    `ltsa_slug` limits what they see to one LTSA (None: every LTSA). `session_epoch` is raised
    on logout and password change, which invalidates every session cookie issued before.
    Accounts are deactivated, never deleted: assignments, notes and the audit keep their author.
    """

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))  # case_worker | supervisor | ltsa_admin | …
    gender: Mapped[str | None] = mapped_column(String(8))  # female | male | None (not said)
    ltsa_slug: Mapped[str | None] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    on_duty: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seen_at: Mapped[datetime | None]
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseNote(Base):
    """An internal note on a case, for staff only; encrypted at rest."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    text: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Who in the console saw or did what, and when: every view and action, kept after the
    case itself is erased (so `case_number` is a plain string, not a foreign key)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_case_number", "case_number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    action: Mapped[str] = mapped_column(String(32))  # login | view_case | reply | export | …
    case_number: Mapped[str | None] = mapped_column(String(32))
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class LoginFailure(Base):
    """A failed console login, counted per account and per address to throttle guessing."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Referral(Base):
    """A referral to an organisation of the directory, made with the person's consent."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    org_id: Mapped[str] = mapped_column(String(64))  # content/referrals/*.yml id
    service: Mapped[str] = mapped_column(String(32))
    consent_at: Mapped[datetime] = mapped_column(default=utcnow)
    # the case worker follows the referral up by then (3 working days, MRC SOP)
    follow_up_due: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | followed_up
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
