"""Start-up shared by every run mode: engine, migrations, index, handler deps."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from handlers.deps import Deps
from handlers.index import Index
from store.db import make_engine, make_sessionmaker, migrate

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    deps: Deps


async def start(settings: Settings) -> Runtime:
    engine = make_engine(settings.database_url)
    await migrate(engine)
    sessions = make_sessionmaker(engine)
    index = Index()
    await index.refresh(sessions)
    deps = Deps(sessions=sessions, index=index, tz=settings.tz, admins=settings.admin_ids)
    return Runtime(settings, engine, deps)


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Runtime]:
    rt = await start(settings)
    try:
        yield rt
    finally:
        await rt.engine.dispose()


async def keep_index_fresh(rt: Runtime) -> None:
    """Poll the revision counters so a change made through another replica (or the
    CLI) is served here within a second; a database outage only delays it."""
    while True:
        await asyncio.sleep(rt.settings.refresh_interval)
        try:
            await rt.deps.index.refresh(rt.deps.sessions)
        except (SQLAlchemyError, OSError) as exc:
            log.warning("index refresh failed: %s", type(exc).__name__)
