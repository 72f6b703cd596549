"""Log of questions the store could not answer, so admins see what to add."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import UnansweredQuestion

MAX_LOGGED_CHARS = 2000


@dataclass(frozen=True)
class Unanswered:
    text: str
    user: str
    channel: str
    at: datetime


async def log_unanswered(*, session: AsyncSession, questions: Sequence[Unanswered]) -> None:
    """One insert for all of them. PostgreSQL text cannot hold NUL, and no database
    takes a lone surrogate (undecodable bytes in `ipbot ask` arguments): each question
    is kept as it reads."""
    if not questions:
        return
    await session.execute(insert(UnansweredQuestion), [
        {"text": q.text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")[:MAX_LOGGED_CHARS],
         "user": q.user[:100], "channel": q.channel[:100], "asked_at": q.at, "status": "open"}
        for q in questions])


async def count_unanswered_elsewhere(*, session: AsyncSession, since: datetime | None, channel: str) -> int:
    """How many unanswered questions were asked anywhere but `channel`."""
    q = select(func.count()).select_from(UnansweredQuestion).where(UnansweredQuestion.channel != channel)
    if since is not None:
        q = q.where(UnansweredQuestion.asked_at >= since)
    return int(await session.scalar(q) or 0)

