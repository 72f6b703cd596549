"""Who may change facts and subscriptions: IPBOT_ADMINS plus the admins table.
The CLI and console run as a trusted operator (Request.trusted)."""

from __future__ import annotations

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
