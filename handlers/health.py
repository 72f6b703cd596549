"""Is the fact store usable? For load balancers' health checks (`GET /healthz`)."""

from __future__ import annotations

import asyncio

from sqlalchemy.exc import SQLAlchemyError

from handlers.deps import Deps
from store.db import DatabaseGone, check_alive

# a health check that hangs is a failed one
HEALTH_TIMEOUT = 2.0


async def store_healthy(deps: Deps) -> bool:
    """True when the database answers within HEALTH_TIMEOUT seconds from where it is
    configured to live (a deleted SQLite file is not healthy, though it still answers)."""
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT), deps.sessions() as session:
            await check_alive(session=session)
        return True
    except (SQLAlchemyError, OSError, TimeoutError, DatabaseGone):
        return False
