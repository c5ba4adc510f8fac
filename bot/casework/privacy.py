"""Erasing a user's data (`/hapus`), and the retention job.

`erase` removes the user's messages (with the content gaps they raised), their cases (notes
and events go with them), referrals and FAQ feedback, subscriptions and coordinator role,
resets the conversation and clears the profile (LTSA, where they said they are from). Only
the bare channel identity stays, because the confirmation has to reach them; the language
stays so that it is in their language.
Bookings are not touched (they hold a seat; cancelling frees it).

An open protection case must keep its transcript: then the messages and that case stay, the
rest goes, and `erase_requested_at` is set; when the case is closed `finish_pending` erases
what was kept. Every erasure is written to the audit log without personal data.

The retention job (`expire`) erases users with no message for `days` days and no open case.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import case_queries as cq
from bot.db import models
from bot.db.models import Case, Conversation, FaqFeedback, Message, User
from bot.db.staff_queries import audit

log = logging.getLogger(__name__)

RETENTION_BATCH = 500


async def erase(session: AsyncSession, user: User, now: datetime) -> str:
    """Erases what the service holds about the user: "erased", or "kept" when an open
    protection case keeps its transcript until it closes."""
    keep = await cq.open_protection_cases(session, user.id)
    keep_ids = [c.id for c in keep]
    cases = delete(Case).where(Case.user_id == user.id)
    if keep_ids:
        cases = cases.where(Case.id.not_in(keep_ids))
    else:
        await session.execute(delete(Message).where(Message.user_id == user.id))
    await session.execute(cases)
    await session.execute(delete(FaqFeedback).where(FaqFeedback.user_id == user.id))
    # no more announcements, no coordinator role (bookings made for villagers stay)
    for table in (models.Subscription, models.CoordinatorRequest, models.Coordinator):
        await session.execute(delete(table).where(table.user_id == user.id))
    await session.execute(
        delete(models.BroadcastRecipient).where(models.BroadcastRecipient.user_id == user.id)
    )
    referral = getattr(models, "Referral", None)  # the referral table of the protection flows
    if referral is not None:
        referrals = delete(referral).where(referral.user_id == user.id)
        if keep_ids:
            referrals = referrals.where(
                or_(referral.case_id.is_(None), referral.case_id.not_in(keep_ids))
            )
        await session.execute(referrals)
    conv = await session.scalar(select(Conversation).where(Conversation.user_id == user.id))
    if conv is not None:
        conv.flow = conv.state = None
        conv.slots = {}
        conv.misses = 0
        if not keep_ids:
            conv.mode = "bot"
    user.ltsa_slug = None
    user.language_source = "default"
    user.erase_requested_at = now if keep_ids else None
    result = "kept" if keep_ids else "erased"
    audit(
        session,
        None,
        "user_erased",
        case_number=keep[0].number if keep else None,
        result=result,
        channel=user.channel,
    )
    log.info("user %s erased their data (%s)", user.id, result)
    return result


async def finish_pending(session: AsyncSession, user: User, now: datetime) -> None:
    """After a case closed: completes an erasure the user asked for while it was open."""
    if user.erase_requested_at is not None:
        await erase(session, user, now)


async def expire(session: AsyncSession, now: datetime, days: int) -> int:
    """Deletes users silent for `days` days without an open case (or an upcoming booking);
    returns how many."""
    cutoff = now - timedelta(days=days)
    recent = exists().where(Message.user_id == User.id, Message.created_at >= cutoff)
    open_case = exists().where(Case.user_id == User.id, Case.status != "closed")
    query = select(User.id).where(User.created_at < cutoff, ~recent, ~open_case)
    booking = getattr(models, "Booking", None)  # the booking tables of another feature
    if booking is not None:
        upcoming = exists().where(
            booking.user_id == User.id, booking.status == "booked", booking.starts_at >= now
        )
        query = query.where(~upcoming)
    ids = list(await session.scalars(query.limit(RETENTION_BATCH)))
    if ids:
        await session.execute(delete(User).where(User.id.in_(ids)))
        audit(session, None, "retention", count=len(ids), days=days)
    return len(ids)
