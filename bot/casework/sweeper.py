"""The periodic task of case work, started with the app: escalation and retention.

Every `interval` seconds, in every gateway process:
- open cases nobody took by their `escalate_at` are escalated: the user gets the hotlines, the
  case is marked for supervisors (`escalated_at`, an "escalated" event). The rows are claimed
  with `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL (on SQLite the write lock serialises),
  and `escalated_at` is set in the same transaction, so a case is escalated once, whichever
  process sees it first;
- once an hour, users silent for the retention period are erased (`privacy.expire`), and old
  failed-login records are pruned.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass

from bot.background import Background
from bot.casework import privacy
from bot.casework.desk import CaseDesk
from bot.db import case_queries as cq
from bot.db import staff_queries as sq
from bot.db.engine import Database
from bot.db.models import CaseEvent, User, utcnow
from flows.actions import Say

log = logging.getLogger(__name__)

RETENTION_EVERY = dt.timedelta(hours=1)
FAILURES_KEPT = dt.timedelta(days=1)


@dataclass(frozen=True)
class Sweep:
    escalated: int = 0
    expired: int = 0


class CaseSweeper:
    """Escalates cases nobody took and erases what is past its retention."""

    def __init__(self, db: Database, desk: CaseDesk, interval: float, retention_days: int) -> None:
        self.db = db
        self.desk = desk
        self.interval = interval
        self.retention_days = retention_days
        self._background = Background("case-sweeper")
        self._last_retention: dt.datetime | None = None

    async def escalate(self, now: dt.datetime) -> int:
        """Escalates the due cases; returns how many."""
        async with self.db.transaction() as session:
            due = await cq.due_for_escalation(session, now)
            for case in due:
                case.escalated_at = now
                waited = int((now - case.created_at).total_seconds() // 60)
                session.add(
                    CaseEvent(
                        case_id=case.id,
                        kind="escalated",
                        actor="system",
                        detail={"waited_minutes": waited},
                        created_at=now,
                    )
                )
                user = await session.get_one(User, case.user_id)
                await self.desk.notify(
                    session,
                    user,
                    [Say("handoff.escalated")],
                    "escalation",
                    case_number=case.number,
                )
        if due:
            log.info("escalated %d case(s) nobody took in time", len(due))
        return len(due)

    async def expire(self, now: dt.datetime) -> int:
        """Erases users past the retention period (one batch); returns how many."""
        async with self.db.transaction() as session:
            count = await privacy.expire(session, now, self.retention_days)
            await sq.prune_login_failures(session, now - FAILURES_KEPT)
        if count:
            log.info("retention: erased %d silent user(s)", count)
        return count

    async def run_once(self, now: dt.datetime | None = None) -> Sweep:
        """One round: escalation always, retention when an hour has passed."""
        at = now or utcnow()
        escalated = await self.escalate(at)
        expired = 0
        if self._last_retention is None or at - self._last_retention >= RETENTION_EVERY:
            expired = await self.expire(at)
            self._last_retention = at
        return Sweep(escalated, expired)

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # a failing round must not stop the next ones
                log.exception("case sweep failed")
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        """Runs the sweep in the background until `stop`."""
        self._background.start(self._loop)

    async def stop(self) -> None:
        await self._background.stop()
