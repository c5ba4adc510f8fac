"""Named queries of the protection flows: consent, referrals, a family's case and its PIN."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Mapping
from zoneinfo import ZoneInfo

import holidays
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Case, CaseEvent, Referral, User, utcnow
from bot.db.queries import open_case
from flows.actions import OpenFamilyCase, PinFailed, RecordConsent, RecordReferral
from flows.store import CaseLookup

JAKARTA = ZoneInfo("Asia/Jakarta")
FOLLOW_UP_WORKING_DAYS = 3  # UPTD PPA SOP: follow-up within 3 working days
_PIN_HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


async def latest_open_case(session: AsyncSession, user_id: int) -> Case | None:
    """The user's most recent case that is not closed."""
    return await session.scalar(
        select(Case)
        .where(Case.user_id == user_id, Case.status != "closed")
        .order_by(Case.id.desc())
        .limit(1)
    )


async def record_consent(session: AsyncSession, user: User, scope: str) -> None:
    """Audits the user's consent on their open case."""
    case = await latest_open_case(session, user.id)
    if case is not None:
        session.add(
            CaseEvent(
                case_id=case.id,
                kind="consent",
                actor="user",
                detail={"scope": scope},
                created_at=utcnow(),
            )
        )


def working_days_after(start: dt.datetime, days: int) -> dt.datetime:
    """`days` Indonesian working days after `start` (weekends and public holidays skipped)."""
    local = start.astimezone(JAKARTA)
    years = range(local.year, local.year + 2)
    closed = holidays.country_holidays("ID", years=years)
    day = local.date()
    left = days
    while left:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in closed:
            left -= 1
    return dt.datetime.combine(day, dt.time(17, 0), tzinfo=JAKARTA).astimezone(dt.UTC)


async def record_referral(session: AsyncSession, user: User, org: str, service: str) -> Referral:
    """Records a referral made with consent, due for follow-up in three working days."""
    now = utcnow()
    case = await latest_open_case(session, user.id)
    referral = Referral(
        case_id=case.id if case else None,
        user_id=user.id,
        org_id=org,
        service=service,
        consent_at=now,
        follow_up_due=working_days_after(now, FOLLOW_UP_WORKING_DAYS),
        status="open",
        created_at=now,
    )
    session.add(referral)
    if case is not None:
        session.add(
            CaseEvent(
                case_id=case.id,
                kind="referral",
                actor="bot",
                detail={"org": org, "service": service},
                created_at=now,
            )
        )
    await session.flush()
    return referral


def new_pin() -> str:
    """Six random digits."""
    return f"{secrets.randbelow(1_000_000):06d}"


async def open_family_case(
    session: AsyncSession,
    user: User,
    kind: str,
    details: Mapping[str, str],
    language: str | None,
) -> tuple[Case, str]:
    """A family's case with its details (encrypted) and a fresh PIN; returns (case, PIN)."""
    case = await open_case(
        session,
        user,
        kind="family",
        reason=kind,
        priority="urgent" if kind == "death" else "high",
        language=language,
    )
    pin = new_pin()
    case.details = json.dumps(dict(details), ensure_ascii=False)
    case.pin_hash = _PIN_HASHER.hash(pin)
    session.add(
        CaseEvent(case_id=case.id, kind="consent", actor="user", detail={"scope": "family_report"})
    )
    await session.flush()
    return case, pin


async def case_by_pin(session: AsyncSession, number: str, pin: str) -> Case | None:
    """The case with this number when the PIN is right, else None."""
    case = await session.scalar(select(Case).where(Case.number == number.strip().upper()))
    if case is None or not case.pin_hash:
        return None
    try:
        _PIN_HASHER.verify(case.pin_hash, pin.strip())
    except (VerificationError, InvalidHashError):
        return None
    return case


async def apply_protection(
    session: AsyncSession,
    action: RecordConsent | RecordReferral | OpenFamilyCase | PinFailed,
    user: User,
) -> dict[str, str]:
    """Carries out a protection action for the pipeline; returns parameters for rendering."""
    match action:
        case RecordConsent(scope=scope):
            await record_consent(session, user, scope)
        case RecordReferral(org=org, service=service):
            await record_referral(session, user, org, service)
        case OpenFamilyCase(kind=kind, details=details):
            case, pin = await open_family_case(session, user, kind, details, user.language)
            return {"case_number": case.number, "case_pin": pin}
        case PinFailed(number=number):
            await record_pin_failure(session, number)
    return {}


PIN_TRIES_PER_DAY = 5


async def pin_failures(session: AsyncSession, number: str) -> int:
    """Wrong PINs given for a case in the last 24 hours."""
    since = utcnow() - dt.timedelta(days=1)
    rows = await session.scalars(
        select(CaseEvent.id)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(
            Case.number == number,
            CaseEvent.kind == "pin_failed",
            CaseEvent.created_at >= since,
        )
    )
    return len(list(rows))


async def record_pin_failure(session: AsyncSession, number: str) -> None:
    """Counts a wrong PIN against the case (if the number exists at all)."""
    case = await session.scalar(select(Case).where(Case.number == number.strip().upper()))
    if case is not None:
        session.add(
            CaseEvent(
                case_id=case.id, kind="pin_failed", actor="user", detail={}, created_at=utcnow()
            )
        )


async def look_up_case(session: AsyncSession, number: str, pin: str) -> CaseLookup:
    """A family's status question: ok, wrong (number or PIN: the same answer), or locked."""
    number = number.strip().upper()
    if await pin_failures(session, number) >= PIN_TRIES_PER_DAY:
        return CaseLookup("locked")
    case = await case_by_pin(session, number, pin)
    if case is None:
        return CaseLookup("wrong")
    events = await session.scalars(
        select(CaseEvent.created_at).where(CaseEvent.case_id == case.id)
    )
    updated = max([case.created_at, *events])
    return CaseLookup(
        "ok",
        number=case.number,
        kind=case.kind,
        reason=case.reason,
        status=case.status,
        opened=case.created_at.astimezone(JAKARTA).date().isoformat(),
        updated=updated.astimezone(JAKARTA).date().isoformat(),
    )
