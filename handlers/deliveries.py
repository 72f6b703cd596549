"""Exactly once for deliveries (a Slack event, a typed command): the first
delivery of a key claims it in the database, so the claim holds across retries,
restarts and replicas."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError

from handlers.deps import Deps
from handlers.errors import StoreUnavailable
from store import events as event_repo


async def claim(deps: Deps, key: str) -> bool:
    """True for the first caller with `key`, False for every later one (another
    delivery, retry or replica). A transaction of its own: the claim must be visible
    to other replicas before the answer goes out, whatever happens next."""
    try:
        async with deps.unit_of_work() as session:
            await event_repo.claim(session=session, key=key, at=deps.clock())
    except event_repo.AlreadyClaimed:
        return False
    except (SQLAlchemyError, OSError) as exc:
        raise StoreUnavailable() from exc
    return True


async def claimed(deps: Deps, key: str) -> bool:
    """Whether `key` was claimed already (by a finished delivery)."""
    try:
        async with deps.sessions() as session:
            return await event_repo.is_claimed(session=session, key=key)
    except (SQLAlchemyError, OSError) as exc:
        raise StoreUnavailable() from exc


async def prune(deps: Deps, *, keep: timedelta) -> None:
    """Dedupe records only need to outlive Slack's retries."""
    async with deps.unit_of_work() as session:
        await event_repo.prune(session=session, before=deps.clock() - keep)
