"""Named queries of the console's accounts: staff, failed logins, the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AuditEntry, LoginFailure, Staff, utcnow

ROLES = ("case_worker", "supervisor", "ltsa_admin", "coordinator")
GENDERS = ("female", "male")


class DuplicateStaff(Exception):
    """An account with this e-mail address exists."""


def normal_email(email: str) -> str:
    """E-mail addresses are compared lower-cased and stripped."""
    return email.strip().lower()


async def add_staff(
    session: AsyncSession,
    *,
    email: str,
    name: str,
    role: str,
    password_hash: str,
    gender: str | None = None,
    ltsa_slug: str | None = None,
) -> Staff:
    """Creates a console account; DuplicateStaff when the e-mail address is taken."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if gender is not None and gender not in GENDERS:
        raise ValueError(f"gender must be one of {', '.join(GENDERS)}")
    address = normal_email(email)
    if await staff_by_email(session, address) is not None:
        raise DuplicateStaff(address)
    staff = Staff(
        email=address,
        name=name.strip(),
        role=role,
        gender=gender,
        ltsa_slug=ltsa_slug or None,
        password_hash=password_hash,
        active=True,
        on_duty=False,
        session_epoch=0,
        created_at=utcnow(),
    )
    session.add(staff)
    await session.flush()
    return staff


async def staff_by_email(session: AsyncSession, email: str) -> Staff | None:
    """The account of an e-mail address, active or not."""
    return await session.scalar(select(Staff).where(Staff.email == normal_email(email)))


async def list_staff(session: AsyncSession, ltsa_slug: str | None = None) -> list[Staff]:
    """Accounts of an LTSA (and those serving every LTSA); all when `ltsa_slug` is None."""
    query = select(Staff).order_by(Staff.active.desc(), Staff.name)
    if ltsa_slug is not None:
        query = query.where(or_(Staff.ltsa_slug == ltsa_slug, Staff.ltsa_slug.is_(None)))
    return list(await session.scalars(query))


async def female_on_duty(session: AsyncSession, ltsa_slug: str | None, since: datetime) -> bool:
    """True when a female case worker of the LTSA is on duty and was seen after `since`."""
    query = select(Staff.id).where(
        Staff.active.is_(True),
        Staff.on_duty.is_(True),
        Staff.gender == "female",
        Staff.role.in_(("case_worker", "supervisor", "ltsa_admin")),
        Staff.last_seen_at >= since,
    )
    if ltsa_slug is not None:
        query = query.where(or_(Staff.ltsa_slug == ltsa_slug, Staff.ltsa_slug.is_(None)))
    return (await session.scalar(query.limit(1))) is not None


async def record_login_failure(session: AsyncSession, email: str, ip: str) -> None:
    """Counts one failed login for the account and the address."""
    session.add(LoginFailure(email=normal_email(email), ip=ip, created_at=utcnow()))


async def login_failures(
    session: AsyncSession, email: str, ip: str, since: datetime
) -> tuple[int, int]:
    """(failures of the account, failures from the address) since `since`."""
    by_email = await session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.email == normal_email(email), LoginFailure.created_at >= since)
    )
    by_ip = await session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.ip == ip, LoginFailure.created_at >= since)
    )
    return int(by_email or 0), int(by_ip or 0)


async def clear_login_failures(session: AsyncSession, email: str) -> None:
    """Forgets an account's failures after it logged in."""
    await session.execute(delete(LoginFailure).where(LoginFailure.email == normal_email(email)))


async def prune_login_failures(session: AsyncSession, before: datetime) -> None:
    """Drops failures too old to count."""
    await session.execute(delete(LoginFailure).where(LoginFailure.created_at < before))


def audit(
    session: AsyncSession,
    staff: Staff | None,
    action: str,
    *,
    case_number: str | None = None,
    ip: str | None = None,
    **detail: Any,
) -> None:
    """Records one view or action in the audit log (in the caller's transaction)."""
    session.add(
        AuditEntry(
            staff_id=staff.id if staff is not None else None,
            action=action,
            case_number=case_number,
            ip=ip,
            detail=detail,
            created_at=utcnow(),
        )
    )


async def audit_entries(
    session: AsyncSession,
    *,
    case_number: str | None = None,
    ltsa_slug: str | None = None,
    limit: int = 200,
) -> Sequence[tuple[AuditEntry, str | None]]:
    """The latest audit entries (of one case, or all; by staff of one LTSA, or everyone's)
    with the staff member's name."""
    query = (
        select(AuditEntry, Staff.name)
        .outerjoin(Staff, Staff.id == AuditEntry.staff_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    if case_number is not None:
        query = query.where(AuditEntry.case_number == case_number)
    if ltsa_slug is not None:
        query = query.where(Staff.ltsa_slug == ltsa_slug)
    return [(entry, name) for entry, name in await session.execute(query)]
