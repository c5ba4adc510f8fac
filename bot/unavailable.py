"""Errors that reach the web server: a database outage is a 503 with a JSON reason.

503 {"error": "database_unavailable", …} + Retry-After   the database is down or busy;
                                                         platforms redeliver, clients retry
500 {"error": "internal_error", …}                       anything else (logged)
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError

from bot.db.outage import RETRY_AFTER_SECONDS, DatabaseUnavailable, is_outage

log = logging.getLogger(__name__)


def install(app: FastAPI) -> None:
    """Answers database errors that escape a route as 503 (outage) or 500 (other)."""
    for kind in (DatabaseUnavailable, SQLAlchemyError, OSError):
        app.add_exception_handler(kind, _answer)


async def _answer(request: Request, error: Exception) -> Response:
    if is_outage(error):
        log.warning("database unavailable for %s: %s", request.url.path, type(error).__name__)
        return JSONResponse(
            {
                "error": "database_unavailable",
                "detail": "the message could not be stored; send it again shortly",
            },
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    log.error("error answering %s", request.url.path, exc_info=error)
    return JSONResponse(
        {"error": "internal_error", "detail": "the request could not be answered"},
        status_code=500,
    )
