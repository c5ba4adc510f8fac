"""Which database errors are an outage (503, try again) and which are a bug (500)."""

from __future__ import annotations

import sqlite3

import asyncpg.exceptions as pg
from sqlalchemy import exc as sa

from bot.db.outage import DatabaseUnavailable, is_outage


def _wrapped(cause: BaseException) -> sa.DBAPIError:
    try:
        raise cause
    except BaseException as error:
        return sa.OperationalError("SELECT 1", {}, error)


def test_unreachable_restarting_or_busy_databases_are_outages() -> None:
    assert is_outage(ConnectionRefusedError(111, "refused"))
    assert is_outage(_wrapped(pg.CannotConnectNowError("the database system is starting up")))
    assert is_outage(_wrapped(pg.AdminShutdownError("terminating connection")))
    # a connection the shutdown broke while idle in the pool, before its close was read
    assert is_outage(pg.InternalClientError("another operation (2) is in progress"))
    assert is_outage(_wrapped(sqlite3.OperationalError("database is locked")))
    assert is_outage(sa.TimeoutError("QueuePool limit reached"))
    assert is_outage(DatabaseUnavailable("down"))


def test_errors_of_the_query_itself_are_not() -> None:
    assert not is_outage(_wrapped(sqlite3.OperationalError("no such table: users")))
    assert not is_outage(sa.IntegrityError("INSERT", {}, ValueError("duplicate key")))
    assert not is_outage(ValueError("bad value"))
