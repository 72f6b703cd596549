"""Engine, sessions and schema migrations."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# any fixed key: held for the migration transaction only
MIGRATION_LOCK = 7_412_001
# the revision the migrations end at (tests/store/test_db.py holds it to Alembic's
# head): a store already there starts without loading Alembic and its scripts, ~0.3 s
# of every start-up
HEAD = "0013_patent_number_collation"

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


class BadDatabaseUrl(ValueError):
    pass


def normalize_url(url: str) -> str:
    """Accept the forms people write (`sqlite:///x.db`, `postgres://…`,
    `postgresql+psycopg2://…`) and return the async-driver form."""
    raw = url.strip()
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://") :]
    try:
        parsed = make_url(raw)
    except ArgumentError as exc:
        raise BadDatabaseUrl(
            f"DATABASE_URL {raw!r} is not a database URL; use e.g. sqlite:///ipbot.db "
            "or postgresql://user:pass@host:5432/db"
        ) from exc
    backend = parsed.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise BadDatabaseUrl(f"DATABASE_URL uses {backend!r}; ipbot supports sqlite and postgresql")
    return parsed.set(drivername=_ASYNC_DRIVERS[backend]).render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: object) -> AsyncEngine:
    async_url = normalize_url(url)
    if async_url.startswith("sqlite"):
        engine = create_async_engine(async_url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL lets the console/CLI read while the bot writes; FKs are off by default in SQLite.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_async_engine(async_url, pool_pre_ping=True, **kwargs)


class DatabaseGone(Exception):
    """The database answers, but not from where it is configured to live."""


async def check_alive(*, session: AsyncSession) -> None:
    """Raises (SQLAlchemyError, OSError or DatabaseGone) unless the database answers.
    SQLite answers from a deleted file as long as a connection holds it open, and
    keeps writing into it: so for SQLite the main file must still be at its path."""
    await session.execute(text("SELECT 1"))
    if session.get_bind().dialect.name == "sqlite":
        for _seq, name, file in (await session.execute(text("PRAGMA database_list"))).all():
            if name == "main" and file and not await asyncio.to_thread(Path(file).exists):
                raise DatabaseGone(f"SQLite file {file} is gone")


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def _alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


async def at_head(engine: AsyncEngine) -> bool:
    """The schema is at HEAD already (False when there is no schema yet)."""
    try:
        async with engine.connect() as conn:
            versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
    except DBAPIError:
        return False
    return list(versions) == [HEAD]


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to head through Alembic (also used by the tests), sharing
    our async connection with Alembic as its cookbook recommends."""
    if await at_head(engine):
        # a replica still migrating holds its transaction open: this one sees the old
        # revision until it commits, and then waits for the lock below
        return
    from alembic import command

    def _upgrade(sync_conn: Connection) -> None:
        if sync_conn.dialect.name == "postgresql":
            # replicas starting together on a fresh database: one migrates, the others
            # wait here and then find the schema at head (else CREATE TABLE collides)
            sync_conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        elif sync_conn.dialect.name == "sqlite":
            # the same for processes sharing a SQLite file: take the write lock first
            # (the driver would otherwise run each CREATE TABLE in its own transaction)
            sync_conn.exec_driver_sql("BEGIN IMMEDIATE")
        cfg = _alembic_config()
        cfg.attributes["connection"] = sync_conn
        command.upgrade(cfg, "head")

    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)


async def downgrade(engine: AsyncEngine, to: str = "base") -> None:
    """Take the schema down to revision `to` (Alembic's form: "base", "-1", an id)."""
    from alembic import command

    def _down(sync_conn: Connection) -> None:
        cfg = _alembic_config()
        cfg.attributes["connection"] = sync_conn
        command.downgrade(cfg, to)

    async with engine.begin() as conn:
        await conn.run_sync(_down)
