"""Rows a turn adds besides its messages, on the direct path (`bot.db.turns`): a content gap,
a "helpful?" press, and a message kept for the case worker. Each is what the ORM path writes
(`feedback_queries.log_gap`, `record_feedback`, `CaseRules.relay`), one statement in the
turn's transaction. These are ordinary turns: a question the bot could not place, the press
after an answer, every message of someone a person is helping; through the ORM each took about
twice the CPU of a direct one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from bot.crypto import encrypt
from bot.db.direct import Transaction
from bot.db.feedback_queries import gap_question
from bot.db.models import utcnow

_GAP = """
INSERT INTO content_gaps (message_id, question, reason, language, nearest, created_at)
VALUES ($1, $2, $3, $4, $5::json, $6)
"""

# the user's most recent case that is not closed (`case_queries.active_case`)
_RELAY = """
UPDATE cases SET last_user_at = $2
WHERE id = (SELECT id FROM cases WHERE user_id = $1 AND status <> 'closed'
            ORDER BY id DESC LIMIT 1)
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


async def relay(tx: Transaction, user_id: int, now: datetime) -> None:
    """A message for the case worker: the case shows the user is waiting since `now`."""
    await tx.execute(_RELAY, user_id, now)
