"""Aggregates for the console's analytics: counts and rates, never a person's data.

Days are Asia/Jakarta days, computed in SQL (SQLite and PostgreSQL say it differently). A
staff member of one LTSA sees what belongs to it: messages and feedback of users who chose
that LTSA, its bookings and its cases (users who never named an LTSA count for all-LTSA staff
only). Content gaps hold encrypted question texts, so they are counted in SQL and grouped by
text only in Python, for the roles that may read them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, Select, and_, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Booking, Case, ContentGap, FaqFeedback, Ltsa, Message, User

OFFSET = "+7 hours"  # Asia/Jakarta has no daylight saving time
TZ_NAME = "Asia/Jakarta"
Ts = TypeVarTuple("Ts")


def local_day(session: AsyncSession, column: Any) -> ColumnElement[Any]:
    """The Asia/Jakarta day of a UTC timestamp column."""
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column, OFFSET)
    return func.date(func.timezone(TZ_NAME, column))


def as_date(value: Any) -> dt.date:
    """A day as SQL gave it (a string on SQLite, a date on PostgreSQL)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class Scope:
    """What a staff member may count: an LTSA (None: all) since a moment."""

    ltsa: str | None
    since: dt.datetime


def _of_users(query: Select[*Ts], scope: Scope, user_id: Any) -> Select[*Ts]:
    if scope.ltsa is None:
        return query
    return query.join(User, User.id == user_id).where(User.ltsa_slug == scope.ltsa)


async def messages_per_day(
    session: AsyncSession, scope: Scope
) -> list[tuple[dt.date, str, str, int]]:
    """(day, channel, language, messages) of the messages users sent."""
    day = local_day(session, Message.created_at)
    language = func.coalesce(Message.language, literal("?"))
    query = (
        select(day, Message.channel, language, func.count())
        .where(Message.direction == "in", Message.created_at >= scope.since)
        .group_by(day, Message.channel, language)
    )
    rows = await session.execute(_of_users(query, scope, Message.user_id))
    return [(as_date(d), str(c), str(lang), int(n)) for d, c, lang, n in rows]


async def top_intents(
    session: AsyncSession, scope: Scope, limit: int = 12
) -> list[tuple[str, int]]:
    """The intents users' messages were understood as, most frequent first."""
    query = (
        select(Message.intent, func.count())
        .where(
            Message.direction == "in",
            Message.created_at >= scope.since,
            Message.intent.is_not(None),
        )
        .group_by(Message.intent)
        .order_by(func.count().desc(), Message.intent)
        .limit(limit)
    )
    rows = await session.execute(_of_users(query, scope, Message.user_id))
    return [(str(intent), int(n)) for intent, n in rows]


async def typed_per_day(session: AsyncSession, scope: Scope) -> dict[dt.date, int]:
    """Typed messages (not button presses) per day: what the fallback rate is a share of."""
    day = local_day(session, Message.created_at)
    query = (
        select(day, func.count())
        .where(
            Message.direction == "in",
            Message.created_at >= scope.since,
            Message.payload.is_(None),
        )
        .group_by(day)
    )
    rows = await session.execute(_of_users(query, scope, Message.user_id))
    return {as_date(d): int(n) for d, n in rows}


async def gaps_per_day(session: AsyncSession, scope: Scope) -> list[tuple[dt.date, str, int]]:
    """(day, reason, questions) of questions the content did not answer."""
    day = local_day(session, ContentGap.created_at)
    query = (
        select(day, ContentGap.reason, func.count())
        .join(Message, Message.id == ContentGap.message_id)
        .where(ContentGap.created_at >= scope.since)
        .group_by(day, ContentGap.reason)
    )
    rows = await session.execute(_of_users(query, scope, Message.user_id))
    return [(as_date(d), str(r), int(n)) for d, r, n in rows]


async def repeated_gaps(
    session: AsyncSession, scope: Scope, *, at_least: int = 2, limit: int = 15
) -> list[tuple[str, str, int]]:
    """(question, reason, times) of questions asked at least `at_least` times (decrypted:
    only for roles that may read them; a question asked once may well be personal)."""
    query = (
        select(ContentGap.question, ContentGap.reason)
        .join(Message, Message.id == ContentGap.message_id)
        .where(ContentGap.created_at >= scope.since)
    )
    counts = Counter(
        (str(q), str(r))
        for q, r in await session.execute(_of_users(query, scope, Message.user_id))
    )
    ranked = [(q, r, n) for (q, r), n in counts.most_common() if n >= at_least]
    return ranked[:limit]


async def feedback(session: AsyncSession, scope: Scope) -> list[tuple[str, int, int]]:
    """(topic, helpful, not helpful) of the FAQ feedback, most answered first."""
    query = (
        select(FaqFeedback.topic, FaqFeedback.helpful, func.count())
        .where(FaqFeedback.created_at >= scope.since)
        .group_by(FaqFeedback.topic, FaqFeedback.helpful)
    )
    found: dict[str, list[int]] = {}
    for topic, helpful, n in await session.execute(_of_users(query, scope, FaqFeedback.user_id)):
        found.setdefault(str(topic), [0, 0])[0 if helpful else 1] += int(n)
    return sorted(((t, y, n) for t, (y, n) in found.items()), key=lambda r: -(r[1] + r[2]))


def _of_ltsa(query: Select[*Ts], scope: Scope) -> Select[*Ts]:
    if scope.ltsa is None:
        return query
    return query.join(Ltsa, Ltsa.id == Booking.ltsa_id).where(Ltsa.slug == scope.ltsa)


async def bookings_per_day(session: AsyncSession, scope: Scope) -> list[tuple[dt.date, str, int]]:
    """(day made, kind, bookings) of the bookings made in the period."""
    day = local_day(session, Booking.created_at)
    query = (
        select(day, Booking.kind, func.count())
        .where(Booking.created_at >= scope.since)
        .group_by(day, Booking.kind)
    )
    rows = await session.execute(_of_ltsa(query, scope))
    return [(as_date(d), str(k), int(n)) for d, k, n in rows]


async def attendance_per_day(
    session: AsyncSession, scope: Scope, now: dt.datetime
) -> list[tuple[dt.date, str, int]]:
    """(day held, attended | no_show, bookings) of sessions and slots already past."""
    day = local_day(session, Booking.starts_at)
    query = (
        select(day, Booking.status, func.count())
        .where(
            and_(Booking.starts_at >= scope.since, Booking.starts_at < now),
            Booking.status.in_(("attended", "no_show")),
        )
        .group_by(day, Booking.status)
    )
    rows = await session.execute(_of_ltsa(query, scope))
    return [(as_date(d), str(s), int(n)) for d, s, n in rows]


async def cases(
    session: AsyncSession, scope: Scope
) -> list[tuple[str, dt.datetime, dt.datetime | None]]:
    """(kind, opened, first response) of the cases opened in the period."""
    query = select(Case.kind, Case.created_at, Case.first_response_at).where(
        Case.created_at >= scope.since
    )
    if scope.ltsa is not None:
        query = query.where(Case.ltsa_slug == scope.ltsa)
    return [(str(k), c, f) for k, c, f in await session.execute(query)]
