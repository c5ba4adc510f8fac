"""The booking race: many people confirm the same OPP session at the same moment.

`run()` seeds one session with `capacity` seats and `attempts` users whose conversations wait
at the confirmation step, then starts `processes` OS processes (each its own engine and
connection pool, like separate gateway replicas); all press "Ya, daftarkan" at once through
the real pipeline, each process with as many in flight as its pool has connections (or
`in_flight`). Latency is measured from the press, so it includes the wait for a connection;
`own_p50_ms`… is one attempt's own time, from when it was let in. With `warm_up`, each process
first books through the same pipeline, engine and pool on another session (half of it fills),
as a gateway that has been running does; without, the first attempts also pay for compiling
statements and opening connections. It checks the outcome in the database and reports latency
percentiles and throughput:

    {"attempts", "capacity", "booked", "full", "errors", "seats_taken", "bookings",
     "p50_ms", "p95_ms", "p99_ms", "own_p50_ms", "own_p95_ms", "own_p99_ms",
     "throughput_per_s", "wall_s", "processes", "warm_up"}

`make bench` calls it; `tests/bot/booking/test_concurrency.py` asserts the counts (not the
times). PostgreSQL is the point; SQLite works too (one writer at a time).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import importlib.util
import multiprocessing as mp
import queue
import re
import secrets
import statistics
import time
from multiprocessing.synchronize import Barrier
from typing import Any

from sqlalchemy import func, select

from bot.booking.directory import add_session, sync_directory
from bot.channels.base import Incoming
from bot.content import load_content
from bot.db import queries as q
from bot.db.engine import Database
from bot.db.models import Booking, OppSession
from bot.pipeline import Pipeline
from bot.render import Renderer
from bot.settings import ROOT
from flows.booking_opp import STEP, State
from flows.payload import payload
from nlu.client import NluUnavailable, Parse
from nlu.langid import LanguageDetector

CONFIRM = payload(STEP, confirm=True)
CODE = re.compile(r"\bOPP-[A-Z0-9]{4}\b")
JOIN_TIMEOUT = 600.0  # seconds a worker process may take before the run is called failed


class _NoNlu:
    """Button presses need no NLU; anything else would be a bug in the benchmark."""

    async def parse(self, text: str) -> Parse:
        raise NluUnavailable("the race presses buttons only")


async def _prepare(url: str, attempts: int, capacity: int, days: int = 30) -> int:
    """Migrates, syncs the directory, creates the session (in `days`) and the waiting users."""
    db = Database(url, ROOT)
    try:
        await db.migrate()
        content = load_content(ROOT / "content")
        async with db.transaction() as session:
            await sync_directory(session, content, slot_minutes=30, slot_capacity=2, demo=False)
            start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=days)
            opp = await add_session(session, "ponorogo", start, capacity, "Disnaker (race)")
            for i in range(attempts):
                user = await q.user_for(session, "web", f"race-{opp.id}-{i}")
                user.language, user.language_source = "id", "explicit"
                conv = await q.conversation_for(session, user.id)
                conv.flow, conv.state = "book_opp", str(State.CONFIRM)
                conv.slots = {
                    "ltsa": "ponorogo",
                    "session": opp.id,
                    "name": f"Peserta {i}",
                    "consent": "self",
                    "waitlist": False,
                }
            return opp.id
    finally:
        await db.dispose()


def _configure_process(secret: str) -> None:
    """Sets this process's keys as the service does at start-up (texts encrypted at rest)."""
    if importlib.util.find_spec("bot.crypto") is not None:
        importlib.import_module("bot.crypto").configure(secret)


async def _press(
    url: str,
    senders: list[str],
    pool_size: int,
    in_flight: int | None = None,
    warm: list[str] | None = None,
    barrier: Barrier | None = None,
) -> tuple[list[tuple[str, float, float]], float]:
    """Presses "confirm" for every sender at once, after the `warm` senders and the other
    processes (`barrier`); (outcome, seconds, own seconds) per press, and when it started."""
    db = Database(url, ROOT, pool_size=pool_size)
    renderer = Renderer(load_content(ROOT / "content"))
    pipeline = Pipeline(db, _NoNlu(), LanguageDetector.load(), renderer)
    # as many in flight as the pool has connections: the rest wait here, not for the pool
    # (whose 30 s checkout timeout would turn a slow machine into errors)
    gate = asyncio.Semaphore(in_flight or pool_size * 2)
    apology = renderer.text("id", "system.error")
    full = renderer.text("id", "booking.opp.waitlist")

    async def one(sender: str) -> tuple[str, float, float]:
        started = let_in = time.perf_counter()
        try:
            async with gate:
                let_in = time.perf_counter()
                replies = await pipeline.handle(Incoming("web", sender, CONFIRM))
        except Exception:
            ended = time.perf_counter()
            return "error", ended - started, ended - let_in
        ended = time.perf_counter()
        elapsed, own = ended - started, ended - let_in
        text = "\n".join(r.text for r in replies)
        titles = {b.title for r in replies for b in r.buttons}
        if CODE.search(text):
            return "booked", elapsed, own
        if apology in text or full not in titles:
            return "error", elapsed, own
        return "full", elapsed, own

    try:
        if warm:  # the same engine, pool and caches as the race
            await asyncio.gather(*(one(s) for s in warm))
        if barrier is not None:
            await asyncio.to_thread(barrier.wait, JOIN_TIMEOUT)
        started = time.time()
        return list(await asyncio.gather(*(one(s) for s in senders))), started
    finally:
        await db.dispose()


def _worker(
    url: str,
    senders: list[str],
    pool_size: int,
    secret: str,
    barrier: Barrier,
    out: Any,
    in_flight: int | None = None,
    warm: list[str] | None = None,
) -> None:
    results: list[tuple[str, float, float]] = []
    started = ended = 0.0
    try:
        _configure_process(secret)
        results, started = asyncio.run(_press(url, senders, pool_size, in_flight, warm, barrier))
        ended = time.time()
    finally:
        out.put((results, started, ended or time.time()))


Gathered = list[tuple[list[tuple[str, float, float]], float, float]]


def _collect(workers: list[Any], out: Any) -> Gathered:
    """Each worker's results; a worker that died without reporting counts as errors."""
    gathered: Gathered = []
    deadline = time.monotonic() + JOIN_TIMEOUT
    while len(gathered) < len(workers) and time.monotonic() < deadline:
        try:
            gathered.append(out.get(timeout=1.0))
        except queue.Empty:
            if not any(w.is_alive() for w in workers) and out.empty():
                break
    for worker in workers:
        worker.join(timeout=10)
        if worker.is_alive():
            worker.terminate()
    return gathered


async def _count(url: str, session_id: int) -> tuple[int, int]:
    db = Database(url, ROOT)
    try:
        async with db.transaction() as session:
            opp = await session.get_one(OppSession, session_id)
            booked = await session.scalar(
                select(func.count())
                .select_from(Booking)
                .where(Booking.opp_session_id == session_id, Booking.status == "booked")
            )
            return opp.seats_taken, int(booked or 0)
    finally:
        await db.dispose()


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(
    database_url: str,
    *,
    attempts: int = 500,
    capacity: int = 30,
    processes: int = 4,
    pool_size: int = 5,
    secret: str | None = None,
    in_flight: int | None = None,
    warm_up: int = 0,
) -> dict[str, Any]:
    """Runs the race once against `database_url`; returns counts and timings. `warm_up`:
    presses each process makes first, on another session."""
    secret = secret or secrets.token_urlsafe(16)  # the race's own messages only
    _configure_process(secret)
    session_id = asyncio.run(_prepare(database_url, attempts, capacity))
    senders = [f"race-{session_id}-{i}" for i in range(attempts)]
    warm: list[str] = []
    if warm_up:
        total = warm_up * processes
        warm_id = asyncio.run(_prepare(database_url, total, total // 2, days=31))
        warm = [f"race-{warm_id}-{i}" for i in range(total)]
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(processes)
    out = ctx.Queue()
    workers = [
        ctx.Process(
            target=_worker,
            args=(
                database_url,
                senders[i::processes],
                pool_size,
                secret,
                barrier,
                out,
                in_flight,
                warm[i::processes],
            ),
            daemon=True,
        )
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    gathered = _collect(workers, out)
    outcomes = [o for results, _, _ in gathered for o, _, _ in results]
    latencies = [t * 1000 for results, _, _ in gathered for _, t, _ in results]
    own = [t * 1000 for results, _, _ in gathered for _, _, t in results]
    starts = [s for _, s, _ in gathered if s]
    wall = max(e for _, _, e in gathered) - min(starts) if outcomes and starts else 0.0
    seats_taken, bookings = asyncio.run(_count(database_url, session_id))
    return {
        "attempts": attempts,
        "capacity": capacity,
        "processes": processes,
        "warm_up": warm_up,
        "booked": outcomes.count("booked"),
        "full": outcomes.count("full"),
        "errors": outcomes.count("error") + attempts - len(outcomes),
        "seats_taken": seats_taken,
        "bookings": bookings,
        "p50_ms": round(_percentile(latencies, 50), 1),
        "p95_ms": round(_percentile(latencies, 95), 1),
        "p99_ms": round(_percentile(latencies, 99), 1),
        "own_p50_ms": round(_percentile(own, 50), 1),
        "own_p95_ms": round(_percentile(own, 95), 1),
        "own_p99_ms": round(_percentile(own, 99), 1),
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else 0.0,
        "wall_s": round(wall, 3),
        "throughput_per_s": round(len(outcomes) / wall, 1) if wall else 0.0,
    }
