"""What the gateway measures: Prometheus metrics (`GET /metrics`) and per-request stage timings.

    ltsa_http_requests_total{route, method, status}   requests answered, by route template
    ltsa_http_request_seconds{route}                  the whole request, in the gateway
    ltsa_stage_seconds{stage}                         pipeline stages: store, nlu, answer
    ltsa_nlu_cache_lookups{result}                    the parse cache since start: hit | miss
    ltsa_outbox_rows{channel, status}                 outbox depth, counted at scrape time
    process_resident_memory_bytes, …                  the client library's process metrics

`with stage("nlu"):` times a block into the histogram and into the running request's
timings; with LTSA_SERVER_TIMING on, responses carry them as a `Server-Timing` header
(`nlu;dur=12.1, total;dur=14.0`), which the benchmark reads to split NLU from the rest.
With several worker processes (GATEWAY_WORKERS, `bot.workers`) the counters of all of them are
added up: Prometheus multiprocess mode, files in PROMETHEUS_MULTIPROC_DIR.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.db.models import Outbox

# 1 ms … 10 s: the gateway's own work is a few ms, a parse ~15 ms, a queue behind Rasa more
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNSENT = ("pending", "sending", "held")

REQUESTS = Counter("ltsa_http_requests", "HTTP requests answered", ["route", "method", "status"])
LATENCY = Histogram(
    "ltsa_http_request_seconds", "time to answer a request", ["route"], buckets=BUCKETS
)
STAGES = Histogram(
    "ltsa_stage_seconds", "time in one stage of the message pipeline", ["stage"], buckets=BUCKETS
)
# with several workers: each worker's cache adds up; the outbox depth is the latest count
NLU_CACHE = Gauge(
    "ltsa_nlu_cache_lookups",
    "parse cache lookups since start",
    ["result"],
    multiprocess_mode="livesum",
)
OUTBOX = Gauge(
    "ltsa_outbox_rows",
    "outbox rows not yet sent",
    ["channel", "status"],
    multiprocess_mode="mostrecent",
)

_timings: ContextVar[dict[str, float] | None] = ContextVar("ltsa_timings", default=None)


# a labelled series is looked up under a lock on each use: the ones in use are kept at hand
@lru_cache(maxsize=1024)
def _requests(route: str, method: str, status: str) -> Any:
    return REQUESTS.labels(route, method, status)


@lru_cache(maxsize=256)
def _latency(route: str) -> Any:
    return LATENCY.labels(route)


@lru_cache(maxsize=64)
def _stage(name: str) -> Any:
    return STAGES.labels(name)


router = APIRouter()


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Times the block as pipeline stage `name` (histogram and the request's timings)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - started
        _stage(name).observe(elapsed)
        timings = _timings.get()
        if timings is not None:
            timings[name] = timings.get(name, 0.0) + elapsed


def server_timing(timings: dict[str, float], total: float) -> bytes:
    """The Server-Timing header value: each stage and the total, in milliseconds."""
    parts = [f"{name};dur={seconds * 1000:.3f}" for name, seconds in timings.items()]
    parts.append(f"total;dur={total * 1000:.3f}")
    return ", ".join(parts).encode()


class RequestMetrics:
    """Counts and times every HTTP request; adds Server-Timing when asked to."""

    def __init__(self, app: ASGIApp, *, server_timing: bool = False) -> None:
        self.app = app
        self.server_timing = server_timing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        timings: dict[str, float] = {}
        token = _timings.set(timings)
        status = 500

        async def measured_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                if self.server_timing:
                    total = time.perf_counter() - started
                    value = server_timing(timings, total)
                    message = {
                        **message,
                        "headers": [*message.get("headers", ()), (b"server-timing", value)],
                    }
            await send(message)

        try:
            await self.app(scope, receive, measured_send)
        finally:
            _timings.reset(token)
            route = scope.get("route")
            template = getattr(route, "path", None) or "other"
            _requests(template, scope.get("method", ""), str(status)).inc()
            _latency(template).observe(time.perf_counter() - started)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """Prometheus text format; the outbox depth is counted now."""
    services = request.app.state.services
    try:
        async with services.db.transaction() as session:
            rows = await session.execute(
                select(Outbox.channel, Outbox.status, func.count())
                .where(Outbox.status.in_(UNSENT))
                .group_by(Outbox.channel, Outbox.status)
            )
            counts = [(str(c), str(s), int(n)) for c, s, n in rows.all()]
    except Exception:  # the database is away: the other metrics still answer
        counts = None
    if counts is not None:
        OUTBOX.clear()
        for channel, status, count in counts:
            OUTBOX.labels(channel, status).set(count)
    NLU_CACHE.labels("hit").set(services.nlu.cache_hits)
    NLU_CACHE.labels("miss").set(services.nlu.cache_misses)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # every worker's metrics, added up
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
