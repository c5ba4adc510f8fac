"""A fresh database per benchmark: a temporary PostgreSQL database, or a SQLite file.

PostgreSQL is the server at LTSA_BENCH_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/postgres) when it answers; SQLite otherwise (or asked).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def admin_url() -> str:
    return os.environ.get("LTSA_BENCH_POSTGRES_URL", ADMIN_URL)


async def _postgres(admin: str, sql: str) -> str:
    url = make_url(admin).set(drivername="postgresql+asyncpg")
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            result = await conn.execute(text(sql))
            return str(result.scalar()) if result.returns_rows else ""
    finally:
        await engine.dispose()


def postgres_version() -> str:
    """The server's version ("(unreachable)" when it does not answer)."""
    try:
        return asyncio.run(_postgres(admin_url(), "SHOW server_version"))
    except (OSError, SQLAlchemyError):
        return "(unreachable)"


@contextmanager
def fresh_database(sqlite: bool = False) -> Iterator[tuple[str, str]]:
    """(URL, engine name) of an empty database, dropped afterwards."""
    admin = admin_url()
    name = f"ltsa_bench_{uuid.uuid4().hex[:10]}"
    if not sqlite:
        try:
            asyncio.run(_postgres(admin, f'CREATE DATABASE "{name}"'))
        except (OSError, SQLAlchemyError) as exc:
            print(f"PostgreSQL not reachable ({type(exc).__name__}): using SQLite")
        else:
            try:
                yield make_url(admin).set(database=name).render_as_string(False), "PostgreSQL"
            finally:
                asyncio.run(_postgres(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{Path(tmp) / 'bench.db'}", "SQLite"
