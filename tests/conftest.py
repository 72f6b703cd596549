"""Shared fixtures: a fresh, migrated database per test on the backend chosen by
IPBOT_TEST_DATABASE_URL (unset: SQLite files; set: a real PostgreSQL).

Each test gets its own database cloned from a template migrated once per run
(PostgreSQL `CREATE DATABASE … TEMPLATE`, SQLite a file copy), so tests stay
isolated from each other and from any other run on the same server."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.runtime import Runtime, running
from store.db import make_engine, migrate

FIXTURES = Path(__file__).parent / "fixtures"
PG_URL = os.environ.get("IPBOT_TEST_DATABASE_URL", "").strip()
BACKEND = "postgresql" if PG_URL else "sqlite"

# 2026-11-25 10:00 UTC, a Wednesday: "last year" is 2025 in every test
FIXED_NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


class Clock:
    """An injected clock tests move by hand; nothing sleeps."""

    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _pg_admin(sql: str) -> None:
    import asyncpg

    u = make_url(PG_URL)
    conn = await asyncpg.connect(
        host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username or "postgres",
        password=u.password, database=u.database or "postgres",
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _pg_url_for(db: str) -> str:
    return make_url(PG_URL).set(database=db).render_as_string(hide_password=False)


@contextlib.asynccontextmanager
async def scratch_pg_database(prefix: str, template: str | None = None) -> AsyncIterator[str]:
    """A PostgreSQL database of its own (a copy of `template`, or empty), dropped after."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    await _pg_admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield _pg_url_for(name)
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Name (PostgreSQL) or path (SQLite) of a database migrated to head."""
    if BACKEND == "sqlite":
        path = tmp_path_factory.mktemp("template") / "template.db"

        async def _mk() -> None:
            engine = make_engine(f"sqlite:///{path}")
            await migrate(engine)
            await engine.dispose()

        asyncio.run(_mk())
        yield str(path)
        return
    name = f"ipbot_tmpl_{uuid.uuid4().hex[:10]}"

    async def _mk_pg() -> None:
        await _pg_admin(f'CREATE DATABASE "{name}"')
        engine = make_engine(_pg_url_for(name))
        await migrate(engine)
        await engine.dispose()

    asyncio.run(_mk_pg())
    yield name
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def db_url(template_db: str, tmp_path: Path) -> AsyncIterator[str]:
    if BACKEND == "sqlite":
        path = tmp_path / "ipbot.db"
        shutil.copy(template_db, path)
        yield f"sqlite:///{path}"
        return
    async with scratch_pg_database("ipbot_t", template_db) as url:
        yield url


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(_env_file=None, DATABASE_URL=db_url, IPBOT_ADMINS="UADMIN")  # type: ignore[call-arg]


@pytest.fixture
async def rt(settings: Settings, clock: Clock) -> AsyncIterator[Runtime]:
    async with running(settings) as runtime:
        runtime.deps.clock = clock
        yield runtime
