"""Slack delivery bookkeeping kept in the database, so it holds across restarts
and replicas: which deliveries were already answered (processed_events) and what
a thread is about (thread_topics)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import ProcessedEvent, ThreadTopic

MAX_KEY = 200


class AlreadyClaimed(Exception):
    """Another delivery recorded this key first."""


async def is_claimed(*, session: AsyncSession, key: str) -> bool:
    return await session.scalar(select(ProcessedEvent.key).where(ProcessedEvent.key == key[:MAX_KEY])) is not None


async def claim(*, session: AsyncSession, key: str, at: datetime) -> None:
    """Record `key` inside the caller's transaction, so it is committed with, and
    only with, the work it marks as done (handlers/deliveries.py gives a bare claim a
    transaction of its own). Raises AlreadyClaimed when another delivery recorded it
    first (a concurrent one waits here for the first to commit); the caller's
    transaction must then be rolled back."""
    session.add(ProcessedEvent(key=key[:MAX_KEY], received_at=at))
    try:
        await session.flush()
    except IntegrityError as exc:
        raise AlreadyClaimed(key) from exc


async def prune(*, session: AsyncSession, before: datetime) -> int:
    """Slack retries for minutes, not days: older claims can go."""
    res = await session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < before))
    await session.execute(delete(ThreadTopic).where(ThreadTopic.updated_at < before))
    return int(getattr(res, "rowcount", 0) or 0)


async def get_topic(*, session: AsyncSession, channel: str, thread_ts: str) -> str | None:
    return await session.scalar(
        select(ThreadTopic.topic).where(ThreadTopic.channel == channel, ThreadTopic.thread_ts == thread_ts)
    )


async def set_topic(*, session: AsyncSession, channel: str, thread_ts: str, topic: str, at: datetime) -> None:
    """Insert or overwrite in one statement, so two replicas answering in the same
    thread cannot collide on the primary key."""
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert(ThreadTopic) if dialect == "postgresql" else sqlite.insert(ThreadTopic)
    stmt = ins.values(channel=channel, thread_ts=thread_ts, topic=topic[:200], updated_at=at)
    stmt = stmt.on_conflict_do_update(
        index_elements=[ThreadTopic.channel, ThreadTopic.thread_ts],
        set_={"topic": stmt.excluded.topic, "updated_at": stmt.excluded.updated_at},
    )
    await session.execute(stmt)
