"""Monthly "figures due for update" reminders: who last set a metric, and the
per-(admin, month) claim that makes a reminder DM go out once across replicas and
restarts. Caller owns the transaction; `claim` must be committed before sending."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import FactChange, ReminderRun

CLAIMED, SENT, FAILED = "claimed", "sent", "failed"
MAX_ERROR_CHARS = 1000
# changes that put a value in place (a removal or an alias does not)
SETTING = ("set", "import")


async def setters(*, session: AsyncSession, subject: str, metric: str, limit: int = 20) -> list[str]:
    """Who set `subject`'s `metric` (any year), most recent first, each once; changes
    that were undone do not count."""
    rows = await session.scalars(
        select(FactChange.actor)
        .where(FactChange.kind == "fact", FactChange.metric == metric,
               func.lower(FactChange.subject) == subject.lower(), FactChange.action.in_(SETTING),
               FactChange.undone_by.is_(None))
        .order_by(FactChange.id.desc()).limit(limit)
    )
    return list(dict.fromkeys(rows))


async def claim(*, session: AsyncSession, user: str, period_key: str, at: datetime, metrics: list[str],
                stale_claim_before: datetime) -> ReminderRun | None:
    """The right to send `user` this period's reminder; None if it went out already
    or another sender holds it. A failed send, and a claim abandoned (claimed before
    `stale_claim_before`) by a sender that died, are taken back by a conditional
    UPDATE, so again only one sender wins."""
    run = ReminderRun(user_id=user, period_key=period_key, status=CLAIMED, metrics="\n".join(metrics),
                      claimed_at=at, attempts=1, message_ts="", error="")
    try:
        async with session.begin_nested():
            session.add(run)
            await session.flush()
        return run
    except IntegrityError:
        pass
    retake = or_(ReminderRun.status == FAILED,
                 and_(ReminderRun.status == CLAIMED, ReminderRun.claimed_at < stale_claim_before))
    res = await session.execute(
        update(ReminderRun)
        .where(ReminderRun.user_id == user, ReminderRun.period_key == period_key, retake)
        .values(status=CLAIMED, claimed_at=at, metrics="\n".join(metrics), attempts=ReminderRun.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if not res.rowcount:  # type: ignore[attr-defined]
        return None
    return await session.scalar(
        select(ReminderRun).where(ReminderRun.user_id == user, ReminderRun.period_key == period_key)
        .execution_options(populate_existing=True)
    )


async def _finish(session: AsyncSession, run_id: int, **values: Any) -> None:
    await session.execute(update(ReminderRun).where(ReminderRun.id == run_id).values(**values)
                          .execution_options(synchronize_session=False))


async def mark_sent(*, session: AsyncSession, run_id: int, message_ts: str, at: datetime) -> None:
    await _finish(session, run_id, status=SENT, message_ts=message_ts[:40], sent_at=at, error="")


async def mark_failed(*, session: AsyncSession, run_id: int, error: str) -> None:
    await _finish(session, run_id, status=FAILED, error=error[:MAX_ERROR_CHARS])
