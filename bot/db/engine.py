"""The database handle: an async engine for SQLite (default) or PostgreSQL, and migrations.

`DATABASE_URL` is a plain SQLAlchemy URL (`sqlite:///var/ltsa.db`, `postgresql://…`); the async
driver (aiosqlite, asyncpg) is chosen here. Writers on SQLite take the database lock at BEGIN
(`BEGIN IMMEDIATE`), which is what serialises two messages of one conversation there; on
PostgreSQL the conversation row is locked with `SELECT … FOR UPDATE`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.db.direct import SEAT_GONE, DirectPool
from bot.db.direct import SeatGone as SeatGone  # raised here, by the direct path, by `settle`

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def async_url(url: str, root: Path) -> URL:
    """Turns a plain SQLAlchemy URL into its async-driver form; relative SQLite paths are
    taken from the repository root."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not Path(database).is_absolute():
            database = str(root / database)
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        return parsed.set(drivername="sqlite+aiosqlite", database=database)
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+asyncpg")
    raise ValueError(f"unsupported database backend {backend!r} (sqlite or postgresql)")


class Database:
    """The engine, a session factory, migrations and a health check."""

    def __init__(self, url: str, root: Path, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = async_url(url, root)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"echo": echo}
        if not self.is_sqlite:
            # No pre-ping: it costs a round trip on every checkout. A connection the server
            # dropped fails its first statement instead, as an outage (503, the platform
            # redelivers), and SQLAlchemy then drops every pooled connection that is as old.
            kwargs |= {"pool_size": pool_size, "max_overflow": pool_size, "pool_recycle": 1800}
        # single statements on the message path, without the ORM (bot.db.inbound)
        self.direct = None if self.is_sqlite else DirectPool(self.url, pool_size)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            _sqlite_hooks(self.engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error.
        Raises SeatGone when PostgreSQL refused the commit because a promised seat was gone."""
        try:
            async with self.sessions() as session, session.begin():
                yield session
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) == SEAT_GONE:
                raise SeatGone(str(exc.orig)) from exc
            raise

    async def migrate(self) -> None:
        """Applies the Alembic migrations up to the head(s)."""
        async with self.engine.begin() as conn:
            await conn.run_sync(_upgrade)

    async def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:  # any driver error means "not ok" for the health check
            log.warning("database ping failed", exc_info=True)
            return False
        return True

    async def dispose(self) -> None:
        if self.direct is not None:
            await self.direct.close()
        await self.engine.dispose()


def _sqlite_hooks(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _upgrade(connection: Connection) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    # "heads": features may add migrations on parallel branches until a merge revision joins them
    command.upgrade(cfg, "heads")
