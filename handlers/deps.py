"""What handlers need from the outside world, passed in rather than imported, so
the CLI, Slack and the tests share one code path with their own clock and store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.index import Index


def _utcnow() -> datetime:
    return datetime.now(UTC)


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

    def now(self) -> datetime:
        return self.clock().astimezone(self.tz)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """The unit of work a service writes in: `async with deps.transaction() as
        session:` commits when the block ends and rolls back if it raises, so a
        change is applied whole or not at all. Reads use `deps.sessions()`."""
        async with self.sessions() as session, session.begin():
            yield session
