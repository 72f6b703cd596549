"""Log of questions the store could not answer, so admins see what to add."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import UnansweredQuestion

MAX_LOGGED_CHARS = 2000


async def log_unanswered(
    *, session: AsyncSession, text: str, user: str, channel: str = "", at: datetime
) -> None:
    session.add(UnansweredQuestion(text=text[:MAX_LOGGED_CHARS], user=user[:100], channel=channel[:100],
                                   asked_at=at))
    await session.flush()


async def count_unanswered_elsewhere(*, session: AsyncSession, since: datetime | None, channel: str) -> int:
    """How many unanswered questions were asked anywhere but `channel`."""
    q = select(func.count()).select_from(UnansweredQuestion).where(UnansweredQuestion.channel != channel)
    if since is not None:
        q = q.where(UnansweredQuestion.asked_at >= since)
    return int(await session.scalar(q) or 0)

