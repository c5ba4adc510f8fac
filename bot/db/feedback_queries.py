"""What users tell the content team: questions the content did not answer (gaps) and the
"helpful / not helpful" presses after a procedure answer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ContentGap, FaqFeedback, utcnow


def gap_question(text: str) -> str:
    """The question as counted: lower case, spaces collapsed, at most 300 characters."""
    return " ".join(text.lower().split())[:300]


async def log_gap(
    session: AsyncSession,
    message_id: int,
    text: str,
    reason: str,
    language: str | None,
    nearest: Sequence[str],
) -> None:
    """Records a question the content did not answer."""
    session.add(
        ContentGap(
            message_id=message_id,
            question=gap_question(text),
            reason=reason,
            language=language,
            nearest=list(nearest),
            created_at=utcnow(),
        )
    )


async def gap_counts(
    session: AsyncSession, since: datetime, limit: int = 50
) -> list[tuple[str, str, int, datetime]]:
    """(question, reason, times asked, last asked) of the questions logged since `since`."""
    rows = await session.execute(
        select(ContentGap.question, ContentGap.reason, ContentGap.created_at).where(
            ContentGap.created_at >= since
        )
    )
    counts: dict[tuple[str, str], list[Any]] = {}
    for question, reason, at in rows:
        entry = counts.setdefault((question, reason), [0, at])
        entry[0] += 1
        entry[1] = max(entry[1], at)
    ranked = sorted(counts.items(), key=lambda item: (-item[1][0], -item[1][1].timestamp()))
    return [(qn, r, int(n), at) for (qn, r), (n, at) in ranked[:limit]]


async def record_feedback(
    session: AsyncSession, user_id: int, topic: str, helpful: bool, language: str | None
) -> None:
    """Records one "helpful / not helpful" press."""
    session.add(
        FaqFeedback(
            user_id=user_id, topic=topic, helpful=helpful, language=language, created_at=utcnow()
        )
    )


async def feedback_counts(session: AsyncSession) -> dict[str, tuple[int, int]]:
    """topic -> (helpful, not helpful) presses."""
    rows = await session.execute(
        select(FaqFeedback.topic, FaqFeedback.helpful, func.count()).group_by(
            FaqFeedback.topic, FaqFeedback.helpful
        )
    )
    counts: dict[str, list[int]] = {}
    for topic, helpful, n in rows:
        counts.setdefault(str(topic), [0, 0])[0 if helpful else 1] += int(n)
    return {topic: (yes, no) for topic, (yes, no) in sorted(counts.items())}
