"""The gateway's web application: channels, health; services started in the lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from bot import console, health, metrics, services, unavailable
from bot.booking import routes as booking_routes
from bot.channels import telegram_webhook, web, whatsapp
from bot.limits import BodyLimit
from bot.settings import Settings

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024


def create_app(
    settings: Settings, *, wait_for_nlu: bool = True, prepared: bool = False
) -> FastAPI:
    """The FastAPI app; services start with it and stop with it (`prepared`: the database is
    already migrated, as the parent of GATEWAY_WORKERS does)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = await services.start(
            settings, wait_for_nlu=wait_for_nlu, prepared=prepared
        )
        log.info("LTSA Assistant ready: chat at http://%s:%s/", settings.host, settings.port)
        try:
            yield
        finally:
            await app.state.services.close()

    app = FastAPI(
        title="LTSA Assistant",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # FastAPI's own OpenTelemetry bridge stays off: nothing here exports traces, and with
        # it on every request asked three providers whether one was set up
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(metrics.RequestMetrics, server_timing=settings.server_timing)
    unavailable.install(app)  # a database outage is a 503 with a reason, never a 500
    app.include_router(web.router)
    app.include_router(telegram_webhook.router)
    app.include_router(whatsapp.router)
    app.include_router(booking_routes.router)
    app.include_router(health.router)
    app.include_router(metrics.router)
    console.install(app)  # the case-worker console at /console/
    return app
