"""Who may change facts and subscriptions: IPBOT_ADMINS plus the admins table.
The CLI and console run as a trusted operator (Request.trusted)."""

from __future__ import annotations

import asyncio
import logging
import time

from sqlalchemy.exc import SQLAlchemyError

from handlers.deps import Deps
from handlers.dispatch import Request
from handlers.errors import NotAllowed
from store import audit

log = logging.getLogger(__name__)


async def is_admin(deps: Deps, user: str) -> bool:
    if user and user in deps.admins:
        return True
    if not user:
        return False
    async with deps.sessions() as session:
        return await audit.is_admin(session=session, user_id=user)


# how long a database admin's "Correct this" buttons may lag a change made on another
# replica (this one forgets at once); the button's action checks again
SEEN_FOR = 60.0


async def _read_admins(deps: Deps) -> frozenset[str]:
    async with deps.sessions() as session:
        ids = frozenset(a.user_id for a in await audit.list_admins(session=session))
    deps.seen_admins.ids, deps.seen_admins.read_at = ids, time.monotonic()
    return ids


async def _reread(deps: Deps) -> None:
    try:
        await _read_admins(deps)
    except (SQLAlchemyError, OSError) as exc:
        # the buttons keep following the list read before; the next answer tries again
        log.warning("re-reading the admins failed: %s", type(exc).__name__)


async def shows_admin_tools(deps: Deps, user: str) -> bool:
    """Whether answers to `user` may carry admin buttons. The database's admins are
    read once (at start-up, or after a change on this replica) and then again at
    most once a minute beside the answers, so no answer waits for the database."""
    if not user or user in deps.admins:
        return bool(user)
    seen = deps.seen_admins
    if seen.ids is None:
        return user in await _read_admins(deps)
    if time.monotonic() - seen.read_at > SEEN_FOR and (seen.rereading is None or seen.rereading.done()):
        seen.rereading = asyncio.create_task(_reread(deps))
    return user in seen.ids


def forget_admins(deps: Deps) -> None:
    deps.seen_admins.ids = None


async def require_admin(deps: Deps, req: Request) -> None:
    if req.trusted or await is_admin(deps, req.user):
        return
    who = sorted(deps.admins)
    if not who:
        async with deps.sessions() as session:
            who = [a.user_id for a in await audit.list_admins(session=session)]
    if not who:
        raise NotAllowed("Only IP admins can change facts (ask whoever runs the bot to add you to IPBOT_ADMINS).")
    raise NotAllowed("Only IP admins can change facts.", contacts=who[:1])
