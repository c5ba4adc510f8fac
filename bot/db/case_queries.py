"""Named queries of case work: the queue, one case with its transcript, notes and events, the
cases due for escalation.

Every query that lists or finds cases for a staff member takes a `Scope`: the LTSA they serve
(None: every LTSA; cases whose LTSA is unknown are visible to all, so that nobody's request is
left unseen) and whether protection cases are hidden from them (coordinators).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Case, CaseEvent, CaseNote, Conversation, Message, Staff, User

# Every other kind (protection, emergency, family, …) is a protection case: unknown kinds too.
PUBLIC_KINDS = frozenset({"human_request"})
PRIORITIES = ("urgent", "high", "normal")
STATUSES = ("open", "assigned", "closed")
TRANSCRIPT_LIMIT = 300


def is_protection(kind: str) -> bool:
    """True for cases about someone's safety: kept encrypted, hidden from coordinators."""
    return kind not in PUBLIC_KINDS


@dataclass(frozen=True)
class Scope:
    """Which cases a staff member may see."""

    ltsa_slug: str | None = None
    protection: bool = True


@dataclass(frozen=True)
class CaseFilter:
    """The queue's filters; empty strings mean "any"."""

    status: str = "active"  # active (open + assigned) | open | assigned | closed | all
    priority: str = ""
    kind: str = ""
    ltsa: str = ""
    assignee: str = ""  # "" | "me" | "none" | a staff id
    female: bool = False
    escalated: bool = False
    query: str = ""


@dataclass(frozen=True)
class QueueRow:
    case: Case
    channel: str
    channel_user_id: str
    assignee: str | None


def _scoped(query: Select[Any], scope: Scope) -> Select[Any]:
    if scope.ltsa_slug is not None:
        query = query.where(or_(Case.ltsa_slug == scope.ltsa_slug, Case.ltsa_slug.is_(None)))
    if not scope.protection:
        query = query.where(Case.kind.in_(PUBLIC_KINDS))
    return query


def priority_rank() -> ColumnElement[int]:
    """urgent 0, high 1, normal 2: the queue's first sort key."""
    return case((Case.priority == "urgent", 0), (Case.priority == "high", 1), else_=2)


async def queue(
    session: AsyncSession, scope: Scope, filters: CaseFilter, me: int, limit: int = 200
) -> list[QueueRow]:
    """Cases for the queue: protection and emergencies first (by priority), then the longest
    waiting; closed cases most recently closed first."""
    query = _scoped(select(Case), scope)
    if filters.status == "active":
        query = query.where(Case.status != "closed")
    elif filters.status in STATUSES:
        query = query.where(Case.status == filters.status)
    if filters.priority in PRIORITIES:
        query = query.where(Case.priority == filters.priority)
    if filters.kind == "protection":
        query = query.where(Case.kind.not_in(PUBLIC_KINDS))
    elif filters.kind:
        query = query.where(Case.kind == filters.kind)
    if filters.ltsa:
        query = query.where(Case.ltsa_slug == filters.ltsa)
    if filters.assignee == "me":
        query = query.where(Case.assignee_id == me)
    elif filters.assignee == "none":
        query = query.where(Case.assignee_id.is_(None))
    elif filters.assignee.isdigit():
        query = query.where(Case.assignee_id == int(filters.assignee))
    if filters.female:
        query = query.where(Case.wants_female.is_(True))
    if filters.escalated:
        query = query.where(Case.escalated_at.is_not(None))
    text = filters.query.strip()
    if text:
        like = f"%{text.lower()}%"
        query = query.where(
            or_(
                func.lower(Case.number).like(like),
                func.lower(Case.reason).like(like),
                func.lower(Case.kind).like(like),
                Case.user_id.in_(
                    select(User.id).where(func.lower(User.channel_user_id).like(like))
                ),
            )
        )
    if filters.status == "closed":
        query = query.order_by(Case.closed_at.desc())
    else:
        query = query.order_by(priority_rank(), Case.created_at, Case.id)
    rows = await session.execute(
        query.add_columns(User.channel, User.channel_user_id, Staff.name)
        .join(User, User.id == Case.user_id)
        .outerjoin(Staff, Staff.id == Case.assignee_id)
        .limit(limit)
    )
    return [QueueRow(c, ch, uid, name) for c, ch, uid, name in rows]


async def visible_case(
    session: AsyncSession, scope: Scope, number: str, *, lock: bool = False
) -> Case | None:
    """The case with this number, if the scope may see it; `lock` holds its row until commit
    (two workers taking the same case: the second sees it taken)."""
    query = _scoped(select(Case).where(Case.number == number), scope)
    if lock and session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update()
    found: Case | None = await session.scalar(query.execution_options(populate_existing=True))
    return found


async def user_of(session: AsyncSession, case_row: Case) -> User:
    """The person the case is about."""
    return await session.get_one(User, case_row.user_id)


async def transcript(session: AsyncSession, case_row: Case) -> list[Message]:
    """The user's messages in and out (the latest few hundred), oldest first."""
    query = select(Message).where(Message.user_id == case_row.user_id)
    if case_row.closed_at is not None:
        query = query.where(Message.created_at <= case_row.closed_at)
    rows = await session.scalars(query.order_by(Message.id.desc()).limit(TRANSCRIPT_LIMIT))
    return list(reversed(list(rows)))


async def notes(session: AsyncSession, case_id: int) -> list[tuple[CaseNote, str | None]]:
    """Internal notes with their author's name, oldest first."""
    rows = await session.execute(
        select(CaseNote, Staff.name)
        .outerjoin(Staff, Staff.id == CaseNote.staff_id)
        .where(CaseNote.case_id == case_id)
        .order_by(CaseNote.id)
    )
    return [(note, name) for note, name in rows]


async def events(session: AsyncSession, case_id: int) -> list[CaseEvent]:
    """The case's history, oldest first."""
    rows = await session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    )
    return list(rows)


async def active_case(session: AsyncSession, user_id: int) -> Case | None:
    """The user's most recent case that is not closed."""
    return await session.scalar(
        select(Case)
        .where(Case.user_id == user_id, Case.status != "closed")
        .order_by(Case.id.desc())
        .limit(1)
    )


async def open_protection_cases(session: AsyncSession, user_id: int) -> list[Case]:
    """The user's protection cases that are not closed."""
    rows = await session.scalars(
        select(Case).where(
            Case.user_id == user_id, Case.status != "closed", Case.kind.not_in(PUBLIC_KINDS)
        )
    )
    return list(rows)


async def conversation_mode(session: AsyncSession, user_id: int) -> str:
    """bot or human: who answers the user now."""
    mode = await session.scalar(select(Conversation.mode).where(Conversation.user_id == user_id))
    return mode or "bot"


async def due_for_escalation(session: AsyncSession, now: datetime, limit: int = 50) -> list[Case]:
    """Open cases nobody took in time, not escalated yet; on PostgreSQL each row is locked
    and rows another process holds are skipped, so no case is escalated twice."""
    query = (
        select(Case)
        .where(Case.status == "open", Case.escalated_at.is_(None), Case.escalate_at <= now)
        .order_by(Case.escalate_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name != "sqlite":  # SQLite: BEGIN IMMEDIATE serialises
        query = query.with_for_update(skip_locked=True, of=Case)
    return list(await session.scalars(query))


async def export_rows(
    session: AsyncSession, scope: Scope, since: datetime
) -> Sequence[tuple[Case, str | None]]:
    """Cases opened since `since` with the assignee's name, for the CSV export."""
    query = (
        _scoped(select(Case), scope)
        .where(Case.created_at >= since)
        .add_columns(Staff.name)
        .outerjoin(Staff, Staff.id == Case.assignee_id)
        .order_by(Case.id)
    )
    return [(c, name) for c, name in await session.execute(query)]


async def recent_conversations(
    session: AsyncSession, scope: Scope, limit: int = 50
) -> list[tuple[User, Conversation, datetime | None]]:
    """Users in the LTSA who talk with the bot, most recently active first (for take-over)."""
    last = (
        select(Message.user_id, func.max(Message.created_at).label("last"))
        .group_by(Message.user_id)
        .subquery()
    )
    query = (
        select(User, Conversation, last.c.last)
        .join(Conversation, Conversation.user_id == User.id)
        .join(last, last.c.user_id == User.id)
        .where(Conversation.mode == "bot")
        .order_by(last.c.last.desc())
        .limit(limit)
    )
    if scope.ltsa_slug is not None:
        query = query.where(or_(User.ltsa_slug == scope.ltsa_slug, User.ltsa_slug.is_(None)))
    return [(u, c, t) for u, c, t in await session.execute(query)]


def aware(value: datetime | None) -> datetime | None:
    """Aggregates bypass UtcDateTime on SQLite: give them back their zone."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
