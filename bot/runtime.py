"""Start-up shared by every run mode: engine, migrations, index, handler deps."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from handlers import registry
from handlers.deps import Deps
from handlers.index import Index
from store.db import make_engine, make_sessionmaker, migrate, normalize_url

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    deps: Deps


async def start(settings: Settings, *, index_kinds: Collection[str] | None = None,
                patents_later: bool = False) -> Runtime:
    """`patents_later`: load figures and licences only, so the first answer does not
    wait seconds for a large patent index; the caller loads it (`warm_patents`) while
    patent questions say the index is warming up."""
    settings.check_patent_search()  # also when the settings were made without load_settings
    engine = make_engine(settings.database_url)
    await migrate(engine)
    sessions = make_sessionmaker(engine)
    index = Index(index_kinds, settings.patent_search) if index_kinds is not None else Index(
        patent_search=settings.patent_search)
    await index.refresh(sessions, only=("facts", "licences") if patents_later else None)
    deps = Deps(sessions=sessions, index=index, tz=settings.tz, admins=settings.admin_ids,
                home_subject=settings.home_subject.strip(), registry=registry.build())
    return Runtime(settings, engine, deps)


@contextlib.asynccontextmanager
async def running(settings: Settings, *, index_kinds: Collection[str] | None = None,
                  patents_later: bool = False) -> AsyncIterator[Runtime]:
    rt = await start(settings, index_kinds=index_kinds, patents_later=patents_later)
    try:
        yield rt
    finally:
        await rt.engine.dispose()


# the channel store/migrations/versions/0004_notify.py notifies when a revision moves
REVISION_CHANNEL = "ipbot_revisions"
LISTEN_RETRY = 5.0
# While a listener is connected, a change arrives by NOTIFY within milliseconds and
# a lost connection wakes the loop at once (termination listener): polling is only a
# net for a notification lost on a connection that still looks alive. Every poll is a
# query on the event loop, between Slack's acknowledgements (at IPBOT_REFRESH_INTERVAL
# = 0.5 s they made a visible share of the slowest 1 % of acks).
LISTENING_POLL = 5.0


class RevisionListener:
    """LISTEN on PostgreSQL for revision bumps, so a change made through another
    replica is served here within milliseconds. Only a shortcut: polling goes on
    underneath, so a lost listener connection (a database restart) costs at most
    the polling interval, and the listener reconnects on its own."""

    def __init__(self, url: str, wake: asyncio.Event) -> None:
        self.url = url
        self.wake = wake
        self._conn: Any = None
        self._retry_at = 0.0

    @property
    def listening(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    async def ensure(self) -> None:
        if self.listening:
            return
        loop = asyncio.get_running_loop()
        if loop.time() < self._retry_at:
            return
        import asyncpg

        u = make_url(normalize_url(self.url))
        try:
            async with asyncio.timeout(LISTEN_RETRY):
                self._conn = await asyncpg.connect(host=u.host, port=u.port, user=u.username, password=u.password,
                                                   database=u.database)
                await self._conn.add_listener(REVISION_CHANNEL, lambda *_: self.wake.set())
                # a lost connection: back to polling and reconnecting at once
                self._conn.add_termination_listener(lambda *_: self.wake.set())
            # whatever changed while nobody listened is picked up by the next refresh
            self.wake.set()
        except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
            log.warning("cannot listen for store changes (%s); polling only", type(exc).__name__)
            await self.close()
            self._retry_at = loop.time() + LISTEN_RETRY

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)


async def keep_index_fresh(rt: Runtime) -> None:
    """Poll the revision counters so a change made through another replica (or the
    CLI) is served here within a second; on PostgreSQL a NOTIFY wakes the refresh at
    once (and polling slows to LISTENING_POLL while it listens). A database outage
    only delays it."""
    wake = asyncio.Event()
    # a server started with the patent index still to load loads it first
    wake.set()
    listener = RevisionListener(rt.settings.database_url, wake) if rt.engine.dialect.name == "postgresql" else None
    try:
        while True:
            if listener is not None:
                await listener.ensure()
            every = rt.settings.refresh_interval
            if listener is not None and listener.listening:
                every = max(every, LISTENING_POLL)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), every)
            wake.clear()
            try:
                await rt.deps.index.refresh(rt.deps.sessions)
            except (SQLAlchemyError, OSError) as exc:
                log.warning("index refresh failed: %s", type(exc).__name__)
    finally:
        if listener is not None:
            await listener.close()
