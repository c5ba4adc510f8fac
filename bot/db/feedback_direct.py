"""Content gaps and "helpful?" presses on the direct path (`bot.db.turns`): the rows
`feedback_queries.log_gap` and `record_feedback` add through the ORM, written in the turn's
transaction by one INSERT each. A question the bot could not place, and the press after an
answer, are ordinary turns; through the ORM each took about twice the CPU of a direct one."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.crypto import encrypt
from bot.db.direct import Transaction
from bot.db.feedback_queries import gap_question
from bot.db.models import utcnow

_GAP = """
INSERT INTO content_gaps (message_id, question, reason, language, nearest, created_at)
VALUES ($1, $2, $3, $4, $5::json, $6)
"""

_FEEDBACK = """
INSERT INTO faq_feedback (user_id, topic, helpful, language, created_at)
VALUES ($1, $2, $3, $4, $5)
"""


async def log_gap(
    tx: Transaction,
    message_id: int,
    text: str,
    reason: str,
    language: str | None,
    nearest: Sequence[str],
) -> None:
    """Records a question the content did not answer (encrypted, as the ORM's column does)."""
    question = encrypt(gap_question(text))
    await tx.execute(
        _GAP, message_id, question, reason, language, json.dumps(list(nearest)), utcnow()
    )


async def record_feedback(
    tx: Transaction, user_id: int, topic: str, helpful: bool, language: str | None
) -> None:
    """Records one "helpful / not helpful" press."""
    await tx.execute(_FEEDBACK, user_id, topic, helpful, language, utcnow())
