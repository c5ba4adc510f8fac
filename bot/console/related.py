"""What other features record about a case's user, shown on the case page when their tables
exist: bookings (OPP sessions, desk appointments) and referrals. Read defensively: a feature
that is not installed, or whose table is missing, simply adds no section."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import models
from bot.db.models import Case

log = logging.getLogger(__name__)
LIMIT = 20


@dataclass(frozen=True)
class Section:
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


async def _rows(session: AsyncSession, query: Any) -> list[Any] | None:
    try:
        async with session.begin_nested():  # a missing table must not break the transaction
            return list(await session.scalars(query.limit(LIMIT)))
    except SQLAlchemyError:
        log.warning("a related table could not be read", exc_info=True)
        return None


async def sections(session: AsyncSession, case: Case) -> list[Section]:
    """The bookings and referrals of the case's user, where those features exist."""
    found: list[Section] = []
    booking = getattr(models, "Booking", None)
    if booking is not None:
        rows = await _rows(
            session,
            select(booking)
            .where(or_(booking.user_id == case.user_id, booking.booked_by_user_id == case.user_id))
            .order_by(booking.starts_at.desc()),
        )
        if rows is not None:
            found.append(
                Section(
                    "Pendaftaran & janji",
                    ("Kode", "Jenis", "Waktu", "Status"),
                    [(b.code, b.kind, b.starts_at, b.status) for b in rows],
                )
            )
    referral = getattr(models, "Referral", None)
    if referral is not None:
        rows = await _rows(
            session,
            select(referral)
            .where(or_(referral.case_id == case.id, referral.user_id == case.user_id))
            .order_by(referral.id.desc()),
        )
        if rows is not None:
            found.append(
                Section(
                    "Rujukan",
                    ("Lembaga", "Layanan", "Tindak lanjut", "Status"),
                    [(r.org_id, r.service, r.follow_up_due, r.status) for r in rows],
                )
            )
    return found
