"""The metric a thread is about, so a follow-up in the thread ("and 2021?") asks
about it. Best effort: a lost topic only makes the next question name its metric."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from handlers.deps import Deps
from store import events as event_repo

log = logging.getLogger(__name__)


async def get(deps: Deps, *, channel: str, thread_ts: str) -> str | None:
    try:
        async with deps.sessions() as session:
            return await event_repo.get_topic(session=session, channel=channel, thread_ts=thread_ts)
    except (SQLAlchemyError, OSError):
        log.warning("thread topic unavailable: store unreachable")
        return None


async def put(deps: Deps, *, channel: str, thread_ts: str, topic: str) -> None:
    try:
        async with deps.unit_of_work() as session:
            await event_repo.set_topic(session=session, channel=channel, thread_ts=thread_ts, topic=topic,
                                       at=deps.clock())
    except (SQLAlchemyError, OSError):
        log.warning("thread topic not saved: store unreachable")
