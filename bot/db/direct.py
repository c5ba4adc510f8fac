"""Single statements on PostgreSQL straight through asyncpg, for the message path's hottest step.

Storing a known user's typed text through the ORM took four round trips (BEGIN, a read, an
INSERT, COMMIT) and about 1.2 ms of the gateway's CPU; as two statements, each its own implicit
transaction, it takes two round trips and a fraction of that (`bot.db.inbound`). A known user's
button press, and the answer to their text, take one transaction of plain statements
(`bot.db.turns`). Everything
else goes through SQLAlchemy. The pool is opened on first use, in the event loop that uses it, and
holds at most `size` connections; SQLite has none (`Database.direct` is None there).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy.engine.url import URL

from bot.db.outage import is_outage

ACQUIRE_TIMEOUT = 30.0
SEAT_GONE = "LTS01"  # the SQLSTATE of the seat trigger's refusal (migration 0009)


class SeatGone(Exception):
    """An OPP seat promised earlier in a transaction was gone when it was to be taken (at
    `bot.booking.seats.settle`, or by PostgreSQL at the commit): the turn is rolled back."""


async def _keep_session(_connection: asyncpg.Connection) -> None:
    """No reset query when a connection goes back to the pool: these statements change no
    session state (asyncpg still rolls back a transaction left open)."""


class Rollback(Exception):
    """Raised inside `DirectPool.transaction` to end it without committing."""


class Transaction:
    """One connection inside a transaction; counts its statements on the pool."""

    def __init__(self, pool: DirectPool, connection: asyncpg.Connection) -> None:
        self._pool = pool
        self._connection = connection

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        self._pool.statements += 1
        return await self._connection.fetchrow(query, *args)

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        self._pool.statements += 1
        return list(await self._connection.fetch(query, *args))

    async def execute(self, query: str, *args: Any) -> None:
        self._pool.statements += 1
        await self._connection.execute(query, *args)


class DirectPool:
    """A small asyncpg pool beside SQLAlchemy's."""

    def __init__(self, url: URL, size: int) -> None:
        self.dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.size = max(1, size)
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()
        self.statements = 0  # run so far (the benchmark counts them)
        self.transactions = 0  # a single statement is a transaction of its own

    async def _opened(self) -> asyncpg.Pool:
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    self._pool = await asyncpg.create_pool(
                        self.dsn, min_size=0, max_size=self.size, reset=_keep_session
                    )
        return self._pool

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        """The first row of one statement, which commits on its own."""
        self.statements += 1
        self.transactions += 1
        async with self._connection() as connection:
            return await connection.fetchrow(query, *args)

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        """The rows of one statement, which commits on its own."""
        self.statements += 1
        self.transactions += 1
        async with self._connection() as connection:
            return list(await connection.fetch(query, *args))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """Statements in one transaction: committed when the block ends, rolled back when it
        raises (or when the caller raises `Rollback`, which ends the block quietly). Raises
        SeatGone when PostgreSQL refused the commit because a promised seat was gone."""
        self.transactions += 1
        async with self._connection() as connection:
            try:
                async with connection.transaction():
                    yield Transaction(self, connection)
            except Rollback:
                pass
            except asyncpg.PostgresError as exc:
                if exc.sqlstate == SEAT_GONE:
                    raise SeatGone(str(exc)) from exc
                raise

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        pool = await self._opened()
        # as SQLAlchemy's pool does: no connection free within 30 s is an outage (a 503)
        async with pool.acquire(timeout=ACQUIRE_TIMEOUT) as connection:
            try:
                yield connection
            except Exception as exc:
                # a connection an outage broke ("terminating connection due to administrator
                # command" on a restart) may still wait for the end of its last reply, and the
                # next statement on it would fail: it is closed, not handed out again (as
                # SQLAlchemy invalidates such a connection)
                if is_outage(exc):
                    connection.terminate()
                raise

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()
