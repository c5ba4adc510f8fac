"""Telling a database outage (down, restarting, out of connections) from other errors.

DatabaseUnavailable   the store cannot be reached now: the request is answered 503 with a
                      JSON reason and Retry-After, never with a reply that pretends the
                      message was stored (platforms redeliver; a redelivery is
                      recognised by its message id, so nothing is answered twice)
"""

from __future__ import annotations

import sqlite3

import asyncpg.exceptions as pg
from sqlalchemy import exc as sa

RETRY_AFTER_SECONDS = 5
_PG_OUTAGES = (
    pg.PostgresConnectionError,  # cannot connect, connection lost, too many connections
    pg.CannotConnectNowError,  # starting up or shutting down
    pg.OperatorInterventionError,  # admin shutdown, crash shutdown, cancelled by the admin
    pg.InterfaceError,  # the connection is closed or was never established
    # a pooled connection an outage broke while it sat idle (PostgreSQL's shutdown notice
    # arrived before its close was read): "another operation is in progress"
    pg.InternalClientError,
)
_SQLITE_BUSY = ("locked", "busy", "unable to open", "disk i/o")


class DatabaseUnavailable(Exception):
    """The database could not be reached; try again shortly."""


def is_outage(error: BaseException) -> bool:
    """True when `error` (or what caused it) means the database is unreachable or busy."""
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if _is_outage_itself(current):
            return True
        origin = current.orig if isinstance(current, sa.DBAPIError) else None
        pending += [e for e in (origin, current.__cause__, current.__context__) if e is not None]
    return False


def _is_outage_itself(current: BaseException) -> bool:
    if isinstance(current, DatabaseUnavailable | sa.TimeoutError | sa.DisconnectionError):
        return True  # sa.TimeoutError: no pooled connection came free in time
    if isinstance(current, sa.DBAPIError) and current.connection_invalidated:
        return True
    if isinstance(current, (*_PG_OUTAGES, ConnectionError, TimeoutError)):
        return True
    if isinstance(current, OSError) and not isinstance(current, FileNotFoundError):
        return True
    return isinstance(current, sqlite3.OperationalError) and any(
        word in str(current).lower() for word in _SQLITE_BUSY
    )
