"""What handlers need from the outside world, passed in rather than imported, so
the CLI, Slack and the tests share one code path with their own clock and store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.index import Index
from handlers.registry import Registry
from store.questions import Unanswered

T = TypeVar("T")
# how often a change is tried when another writer inserts the same key meanwhile
ATTEMPTS = 3


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class SeenAdmins:
    ids: frozenset[str] | None = None  # None: not read yet, or forgotten after a change here
    read_at: float = 0.0  # time.monotonic()
    # the re-read after SEEN_FOR runs beside the answers, never inside one
    rereading: asyncio.Task[None] | None = None


@dataclass
class UnansweredBuffer:
    """Unanswered questions not written yet (handlers/unanswered.py)."""

    pending: list[Unanswered] = field(default_factory=list)
    # True where answers go out inside Slack's ack: written together a moment later
    batched: bool = False
    writer: asyncio.Task[None] | None = None
    # set to make the pending write happen now (handlers/unanswered.py write_all)
    hurry: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Deps:
    sessions: async_sessionmaker[AsyncSession]
    index: Index
    # the company whose figures a question is about when it names none, and whose
    # facts and licences an import or an admin change records (IPBOT_HOME_SUBJECT)
    home_subject: str
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    clock: Callable[[], datetime] = _utcnow
    # Slack user ids allowed to change facts, from IPBOT_ADMINS (more are kept in the database)
    admins: frozenset[str] = frozenset()
    # the database's admins as last read: only for showing admin buttons on answers
    # without a database read inside Slack's ack; every change checks the database
    # (handlers/permissions.py)
    seen_admins: SeenAdmins = field(default_factory=SeenAdmins)
    unanswered: UnansweredBuffer = field(default_factory=UnansweredBuffer)
    # the verbs, buttons and forms besides questions (handlers/registry.py: build() at start-up)
    registry: Registry = field(default_factory=Registry)

    def now(self) -> datetime:
        return self.clock().astimezone(self.tz)

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """One transaction for a service's writes: committed when the block ends,
        rolled back, whole, when it raises. Repositories take the session and
        never commit."""
        async with self.sessions() as session, session.begin():
            yield session

    async def in_transaction(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """`work` in one unit of work, run again from the start when another writer
        inserted the same natural key between its read and its write (the unique
        constraint catches it; the retry reads what that writer committed)."""
        for attempt in range(ATTEMPTS):
            try:
                async with self.unit_of_work() as session:
                    return await work(session)
            except IntegrityError:
                if attempt == ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")
