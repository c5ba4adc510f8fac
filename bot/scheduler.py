"""Work due later, done once: the `scheduled_jobs` table and the loop that claims due jobs.

    schedule(session, kind, due_at, payload, key=…)   in the caller's transaction
    schedule_many(session, jobs, replace=…)            several at once, in two statements
    cancel(session, keys)                              pending jobs with these keys are dropped
    Scheduler(db, handlers).start() / run_once() / stop()

Claiming: a short transaction marks up to `batch` due jobs `running`, with `locked_by` (this
worker) and `locked_until` (now + lease). On PostgreSQL the candidates are selected
`FOR UPDATE SKIP LOCKED`, so two gateways never claim the same job; SQLite has one writer at a
time (BEGIN IMMEDIATE). A job whose lease ran out (its worker died) is due again, so a job due
while the service was down, or claimed by a worker that crashed, runs after the restart.

Running: a second transaction locks the job row again and checks it is still ours; the handler
runs in that same transaction (a reminder stores its push message there) and the job is marked
done in it. The send and the "done" commit together or not at all: a job is sent once even when
a worker dies half-way or two workers overlap. A handler that raises is retried with backoff
(1, 2, 4, … minutes) and marked `failed` after `MAX_ATTEMPTS`.

Handlers are registered explicitly, one per kind, where the service is wired (`services`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.background import Background
from bot.db.engine import Database
from bot.db.models import ScheduledJob, utcnow

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, ScheduledJob], Awaitable[None]]
MAX_ATTEMPTS = 5
LEASE = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Job:
    """A job to schedule: its kind, when it is due, what it carries, its key if any."""

    kind: str
    due_at: dt.datetime
    payload: Mapping[str, Any]
    key: str | None = None


async def schedule(
    session: AsyncSession,
    kind: str,
    due_at: dt.datetime,
    payload: Mapping[str, Any],
    *,
    key: str | None = None,
) -> ScheduledJob:
    """Adds a job; a job with the same `key` is replaced (rescheduling is idempotent)."""
    (job,) = await schedule_many(session, [Job(kind, due_at, payload, key)])
    return job


async def schedule_many(
    session: AsyncSession, jobs: Sequence[Job], *, replace: bool = True
) -> list[ScheduledJob]:
    """Adds the jobs in one INSERT. With `replace`, jobs with the same keys are removed first
    (one DELETE); without it the caller knows no job has these keys (say, they name a row
    created in this transaction)."""
    keys = [j.key for j in jobs if j.key is not None]
    if replace and keys:
        await session.execute(delete(ScheduledJob).where(ScheduledJob.key.in_(keys)))
    now = utcnow()
    rows = [
        ScheduledJob(
            kind=j.kind,
            key=j.key,
            due_at=j.due_at,
            payload=dict(j.payload),
            status="pending",
            attempts=0,
            created_at=now,
        )
        for j in jobs
    ]
    if rows:
        session.add_all(rows)
        await session.flush()
    return rows


async def cancel(session: AsyncSession, keys: Iterable[str]) -> int:
    """Cancels the jobs with these keys that have not run; returns how many."""
    result = await session.execute(
        update(ScheduledJob)
        .where(ScheduledJob.key.in_(list(keys)), ScheduledJob.status.in_(("pending", "running")))
        .values(status="cancelled", locked_by=None, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def backoff(attempts: int) -> dt.timedelta:
    """How long a failed job waits before its next attempt: 1, 2, 4, … minutes, at most 1 h."""
    return dt.timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


class Scheduler:
    """Claims due jobs and runs their handlers; one per gateway process."""

    def __init__(
        self,
        db: Database,
        handlers: Mapping[str, Handler],
        *,
        worker: str | None = None,
        interval: float = 30.0,
        lease: dt.timedelta = LEASE,
        batch: int = 20,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.db = db
        self.handlers = dict(handlers)
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"[:64]
        self.interval = interval
        self.lease = lease
        self.batch = batch
        self.clock = clock
        self._background = Background("scheduler")

    def start(self) -> None:
        """Starts polling in the background (the service's lifespan calls this)."""
        self._background.start(self._loop)

    async def stop(self) -> None:
        """Stops polling; a job being run is rolled back and runs again later."""
        await self._background.stop()

    async def _loop(self) -> None:
        while True:
            try:
                done = await self.run_once()
            except Exception:  # a database hiccup must not end the loop
                log.exception("scheduler poll failed")
                done = 0
            if done < self.batch:
                await asyncio.sleep(self.interval)

    async def run_once(self) -> int:
        """Claims the jobs due now and runs them; returns how many were claimed."""
        claimed = await self.claim()
        for job_id in claimed:
            await self.run(job_id)
        return len(claimed)

    async def claim(self) -> list[int]:
        """Marks up to `batch` due jobs as running for this worker; returns their ids."""
        now = self.clock()
        due = or_(
            and_(ScheduledJob.status == "pending", ScheduledJob.due_at <= now),
            and_(
                ScheduledJob.status == "running",
                ScheduledJob.locked_until < now,
                ScheduledJob.attempts < MAX_ATTEMPTS,
            ),
        )
        async with self.db.transaction() as session:
            ids = list(
                await session.scalars(
                    select(ScheduledJob.id)
                    .where(due)
                    .order_by(ScheduledJob.due_at, ScheduledJob.id)
                    .limit(self.batch)
                    .with_for_update(skip_locked=True)
                )
            )
            if ids:
                await session.execute(
                    update(ScheduledJob)
                    .where(ScheduledJob.id.in_(ids))
                    .values(
                        status="running",
                        locked_by=self.worker,
                        locked_until=now + self.lease,
                        attempts=ScheduledJob.attempts + 1,
                    )
                    .execution_options(synchronize_session=False)
                )
        return ids

    async def run(self, job_id: int) -> None:
        """Runs one claimed job; the handler's writes and "done" commit together."""
        try:
            async with self.db.transaction() as session:
                job = await session.scalar(
                    select(ScheduledJob)
                    .where(
                        ScheduledJob.id == job_id,
                        ScheduledJob.status == "running",
                        ScheduledJob.locked_by == self.worker,
                    )
                    .with_for_update()
                    .execution_options(populate_existing=True)
                )
                if job is None:  # cancelled, or our lease ran out and another worker has it
                    return
                handler = self.handlers.get(job.kind)
                if handler is None:
                    job.status, job.last_error = "failed", f"no handler for {job.kind}"
                    log.error("scheduled job %s: no handler for kind %s", job.id, job.kind)
                    return
                await handler(session, job)
                job.status, job.done_at = "done", self.clock()
                job.locked_by = job.locked_until = None
        except Exception as exc:
            log.warning("scheduled job %s failed: %s", job_id, type(exc).__name__, exc_info=True)
            await self._retry_later(job_id, exc)

    async def _retry_later(self, job_id: int, exc: Exception) -> None:
        async with self.db.transaction() as session:
            job = await session.get(ScheduledJob, job_id, populate_existing=True)
            if job is None or job.locked_by != self.worker or job.status != "running":
                return
            job.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            job.locked_by = job.locked_until = None
            if job.attempts >= MAX_ATTEMPTS:
                job.status = "failed"
            else:
                job.status, job.due_at = "pending", self.clock() + backoff(job.attempts)
