"""Who may change facts and subscriptions: IPBOT_ADMINS plus the admins table.
The CLI and console run as a trusted operator (Request.trusted)."""

from __future__ import annotations

import time

from handlers.deps import Deps
from handlers.dispatch import Request
from handlers.errors import NotAllowed
from store import audit


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


async def shows_admin_tools(deps: Deps, user: str) -> bool:
    """Whether answers to `user` may carry admin buttons: `is_admin`, read at most once
    a minute per user."""
    if not user or user in deps.admins:
        return bool(user)
    now = time.monotonic()
    seen = deps.admin_seen.get(user)
    if seen is None or now - seen[1] > SEEN_FOR:
        if len(deps.admin_seen) > 10_000:
            deps.admin_seen.clear()
        seen = deps.admin_seen[user] = (await is_admin(deps, user), now)
    return seen[0]


def forget_admins(deps: Deps) -> None:
    deps.admin_seen.clear()


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
