"""Shared fixtures: real content, real databases (SQLite and PostgreSQL), the real NLU model."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from bot import crypto
from bot.app import create_app
from bot.content import Content, load_content
from bot.db.engine import Database
from bot.pipeline import Pipeline
from bot.render import Renderer
from bot.settings import Settings, load_settings
from nlu.client import RasaClient
from nlu.gazetteer import Gazetteer
from nlu.langid import LanguageDetector
from nlu.understand import Understander
from tests.helpers import closed_port

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_URL = os.environ.get(
    "LTSA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


TEST_SECRET_KEY = "test-secret-key"


@pytest.fixture(scope="session", autouse=True)
def encryption_key() -> None:
    """Texts are encrypted at rest with a key from LTSA_SECRET_KEY (set once per process)."""
    crypto.configure(TEST_SECRET_KEY)


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(ROOT / "content")


@pytest.fixture(scope="session")
def renderer(content: Content) -> Renderer:
    return Renderer(content)


@pytest.fixture(scope="session")
def detector() -> LanguageDetector:
    return LanguageDetector.load()


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


async def _postgres_database(template: str | None = None) -> tuple[str, str]:
    """Creates an empty PostgreSQL database (a copy of database `template`); returns (its URL,
    its name)."""
    admin = make_url(POSTGRES_ADMIN_URL)
    name = f"ltsa_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(
        host=admin.host, port=admin.port, user=admin.username, database=admin.database
    )
    try:
        copy = f' TEMPLATE "{template}"' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{copy}')
    finally:
        await conn.close()
    return admin.set(database=name).render_as_string(hide_password=False), name


# Migrating a database takes 0.7-1 s on PostgreSQL and 0.25 s on SQLite, and about 480 tests
# want a migrated one: each database is migrated once per test session, and every test gets a
# copy (PostgreSQL's CREATE DATABASE … TEMPLATE: about 0.1 s)
_templates: dict[str, str] = {}
_templates_made = asyncio.Lock()


async def _migrated_template(kind: str, folder: Callable[[], Path] | None = None) -> str:
    """The migrated database that tests copy: a PostgreSQL database's name, or (given where
    to put it) a SQLite file's path."""
    async with _templates_made:
        if kind not in _templates:
            if kind == "postgresql":
                url, made = await _postgres_database()
            else:
                assert folder is not None
                made = str(folder() / "template.db")
                url = f"sqlite:///{made}"
            db = Database(url, ROOT)
            try:
                await db.migrate()
            finally:
                await db.dispose()  # no connection may stay open on a template
            _templates[kind] = made
    return _templates[kind]


@pytest.fixture(scope="session", autouse=True)
def _drop_templates() -> Iterator[None]:
    yield
    name = _templates.pop("postgresql", None)
    if name is not None:
        asyncio.run(_drop_postgres(name))


async def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory, path: Path) -> Database:
    template = await _migrated_template("sqlite", lambda: tmp_path_factory.mktemp("template"))
    source, copy = sqlite3.connect(template), sqlite3.connect(path)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    return Database(f"sqlite:///{path}", ROOT)


async def _drop_postgres(name: str) -> None:
    admin = make_url(POSTGRES_ADMIN_URL)
    conn = await asyncpg.connect(
        host=admin.host, port=admin.port, user=admin.username, database=admin.database
    )
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(
    request: pytest.FixtureRequest, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    """A migrated, empty database: SQLite and PostgreSQL (127.0.0.1:5432, trust auth)."""
    if request.param == "sqlite":
        db = await _migrated_sqlite(tmp_path_factory, tmp_path / "ltsa.db")
        yield db
        await db.dispose()
        return
    async with migrated_postgres() as db:
        yield db


@asynccontextmanager
async def migrated_postgres() -> AsyncIterator[Database]:
    """A migrated, empty PostgreSQL database, dropped afterwards."""
    url, name = await _postgres_database(await _migrated_template("postgresql"))
    db = Database(url, ROOT)
    try:
        yield db
    finally:
        await db.dispose()
        await _drop_postgres(name)


@pytest.fixture
async def sqlite_db(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    db = await _migrated_sqlite(tmp_path_factory, tmp_path / "ltsa.db")
    yield db
    await db.dispose()


@pytest.fixture
async def nlu_down(gazetteer: Gazetteer) -> AsyncIterator[RasaClient]:
    """A client of a Rasa server that is not there (connection refused)."""
    client = RasaClient(f"http://127.0.0.1:{closed_port()}", "t", gazetteer, timeout=1.0)
    yield client
    await client.close()


@pytest.fixture
def pipeline(
    database: Database, nlu_down: RasaClient, detector: LanguageDetector, renderer: Renderer
) -> Pipeline:
    """The real pipeline on each database; typed text finds the NLU down, buttons need none."""
    return Pipeline(database, Understander(nlu_down), detector, renderer)


def service_settings(tmp_path: Path, database_url: str | None = None, **env: str) -> Settings:
    """Settings for a service under test: its own database and var/, the NLU at RASA_URL."""
    environ = {
        "DATABASE_URL": database_url or f"sqlite:///{tmp_path}/ltsa.db",
        "LTSA_VAR_DIR": str(tmp_path / "var"),
        "RASA_URL": f"http://127.0.0.1:{closed_port()}",
        "RASA_TOKEN": "t",
        "LTSA_SECRET_KEY": "test-secret-key",
        **env,
    }
    return load_settings(environ)


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The real app with its lifespan, reached through httpx's ASGI transport."""
    app = create_app(settings, wait_for_nlu=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ltsa.test") as client:
            yield client
