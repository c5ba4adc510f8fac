"""The asyncpg pool of the single statements and direct turns (`bot.db.direct`): a connection
that an outage broke mid-statement is never handed out again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from bot.db.direct import DirectPool
from bot.db.engine import Database
from bot.db.outage import is_outage
from tests.conftest import migrated_postgres


@pytest.fixture
async def postgres() -> AsyncIterator[Database]:
    async with migrated_postgres() as db:
        yield db


async def _terminated_during(pool: DirectPool, *, in_transaction: bool) -> int | None:
    """Runs a statement on the pool while another session terminates its backend, as a restart
    of PostgreSQL does ("terminating connection due to administrator command"), then the next
    statement at once, as a concurrent request would: the next statement's result."""
    row = await pool.fetchrow("SELECT pg_backend_pid() AS pid")
    assert row is not None
    admin = await asyncpg.connect(pool.dsn)
    failures: list[BaseException] = []

    async def run() -> int | None:
        try:
            if in_transaction:
                async with pool.transaction() as tx:
                    await tx.fetchrow("SELECT pg_sleep(5)")
            else:
                await pool.fetchrow("SELECT pg_sleep(5)")
        except Exception as exc:
            failures.append(exc)
        after = await pool.fetchrow("SELECT 1 AS one")
        return None if after is None else int(after["one"])

    try:
        running = asyncio.create_task(run())
        await asyncio.sleep(0.3)
        await admin.execute("SELECT pg_terminate_backend($1)", row["pid"])
        result = await asyncio.wait_for(running, 10)
    finally:
        await admin.close()
    [failure] = failures
    assert is_outage(failure)  # a 503 for the request, not a 500
    return result


@pytest.mark.parametrize("in_transaction", [False, True], ids=["statement", "transaction"])
async def test_a_connection_broken_by_an_outage_is_not_handed_out_again(
    postgres: Database, in_transaction: bool
) -> None:
    pool = DirectPool(postgres.url, 1)  # one connection: the next statement would get it
    try:
        assert await _terminated_during(pool, in_transaction=in_transaction) == 1
        async with pool.transaction() as tx:
            assert await tx.fetchrow("SELECT 2 AS two") is not None
    finally:
        await pool.close()


async def test_only_an_outage_closes_the_connection_it_happened_on(postgres: Database) -> None:
    pool = DirectPool(postgres.url, 1)

    async def backend() -> int:
        row = await pool.fetchrow("SELECT pg_backend_pid() AS pid")
        assert row is not None
        return int(row["pid"])

    try:
        first = await backend()
        with pytest.raises(RuntimeError):  # a bug in a turn: the connection is fine
            async with pool.transaction() as tx:
                await tx.fetchrow("SELECT 1")
                raise RuntimeError("a flow failed")
        assert await backend() == first
        shutdown = asyncpg.exceptions.AdminShutdownError("terminating connection")
        with pytest.raises(asyncpg.exceptions.AdminShutdownError):  # as a restart reports it
            async with pool.transaction() as tx:
                await tx.fetchrow("SELECT 1")
                raise shutdown
        assert await backend() != first  # closed, and a new one opened
    finally:
        await pool.close()
