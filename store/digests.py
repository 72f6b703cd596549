"""Digest repository: subscriptions (handed out as `Subscription` values, never
ORM rows), the per-period claim that makes a digest go out once, and the reads a
digest is built from. Caller owns the transaction; `claim` must be committed
before posting so other senders see it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.audit import change_record
from store.claims import SENT, Runs, claim_run
from store.models import DigestRun, DigestSubscription, FactChange, Licence, Patent
from store.records import ChangeRecord, LicenceRecord, PatentRecord

# a run's status besides the claim's own (store/claims.py): posted nothing, as asked
SKIPPED = "skipped"


# --- subscriptions ---------------------------------------------------------

@dataclass(frozen=True)
class Subscription:
    """A channel's digest subscription as this repository hands it out: a value,
    never the ORM row, so no service holds a row tied to a session."""

    id: int
    channel: str
    frequency: str
    weekday: int
    day_of_month: int
    at_time: str
    timezone: str
    paused: bool
    skip_empty: bool
    created_by: str
    created_at: datetime


def _subscription(row: DigestSubscription) -> Subscription:
    return Subscription(id=row.id, channel=row.channel, frequency=row.frequency, weekday=row.weekday,
                        day_of_month=row.day_of_month, at_time=row.at_time, timezone=row.timezone,
                        paused=row.paused, skip_empty=row.skip_empty, created_by=row.created_by,
                        created_at=row.created_at)


async def _row(session: AsyncSession, channel: str) -> DigestSubscription | None:
    return await session.scalar(select(DigestSubscription).where(DigestSubscription.channel == channel))


async def get_subscription(*, session: AsyncSession, channel: str) -> Subscription | None:
    row = await _row(session, channel)
    return _subscription(row) if row is not None else None


async def list_subscriptions(*, session: AsyncSession, active_only: bool = False) -> list[Subscription]:
    q = select(DigestSubscription).order_by(DigestSubscription.channel)
    if active_only:
        q = q.where(DigestSubscription.paused.is_(False))
    return [_subscription(row) for row in await session.scalars(q)]


async def subscribe(
    *,
    session: AsyncSession,
    channel: str,
    frequency: str,
    weekday: int,
    day_of_month: int,
    at_time: str,
    timezone: str,
    skip_empty: bool,
    actor: str,
    at: datetime,
) -> tuple[Subscription, bool]:
    """Create the channel's subscription or replace its schedule (one per channel);
    returns (subscription, created). Re-subscribing also resumes a paused one."""
    sub = await _row(session, channel)
    created = sub is None
    if sub is None:
        sub = DigestSubscription(channel=channel, created_by=actor, created_at=at)
        session.add(sub)
    sub.frequency, sub.weekday, sub.day_of_month = frequency, weekday, day_of_month
    sub.at_time, sub.timezone, sub.skip_empty, sub.paused = at_time, timezone, skip_empty, False
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        # another admin subscribed the same channel at the same moment: theirs stands, update it
        existing = await _row(session, channel)
        if existing is None:
            raise
        return await subscribe(session=session, channel=channel, frequency=frequency, weekday=weekday,
                               day_of_month=day_of_month, at_time=at_time, timezone=timezone,
                               skip_empty=skip_empty, actor=actor, at=at)
    return _subscription(sub), created


async def unsubscribe(*, session: AsyncSession, channel: str) -> bool:
    res = await session.execute(delete(DigestSubscription).where(DigestSubscription.channel == channel))
    return bool(res.rowcount)  # type: ignore[attr-defined]


async def set_paused(*, session: AsyncSession, channel: str, paused: bool) -> bool:
    res = await session.execute(
        update(DigestSubscription).where(DigestSubscription.channel == channel).values(paused=paused)
    )
    return bool(res.rowcount)  # type: ignore[attr-defined]


async def pause_all(*, session: AsyncSession) -> int:
    """Pause every active subscription (the app was removed from the workspace);
    returns how many were active."""
    res = await session.execute(
        update(DigestSubscription).where(DigestSubscription.paused.is_(False)).values(paused=True)
    )
    return int(getattr(res, "rowcount", 0) or 0)


async def subscriptions_fingerprint(*, session: AsyncSession) -> tuple[Any, ...]:
    """Changes whenever a subscription is added, removed, paused or rescheduled,
    so a replica rebuilds its jobs only when something moved."""
    rows = await session.execute(
        select(DigestSubscription.id, DigestSubscription.frequency, DigestSubscription.weekday,
               DigestSubscription.day_of_month, DigestSubscription.at_time, DigestSubscription.timezone,
               DigestSubscription.paused).order_by(DigestSubscription.id)
    )
    return tuple(tuple(r) for r in rows)


# --- runs: exactly once ----------------------------------------------------

async def claim(
    *,
    session: AsyncSession,
    subscription_id: int,
    period_key: str,
    at: datetime,
    retry_failed_before: datetime | None = None,
    stale_claim_before: datetime | None = None,
) -> DigestRun | None:
    """Take the right to post this (subscription, period); None if someone else
    holds it or it went out already. The unique (subscription_id, period_key)
    decides between concurrent inserts; a failed run (failed before
    `retry_failed_before`, default: any) and a claim abandoned by a crashed sender
    (claimed before `stale_claim_before`) are taken back (store/claims.py), so
    again only one claimer wins."""
    return await claim_run(session=session, model=DigestRun,
                           key={"subscription_id": subscription_id, "period_key": period_key}, at=at,
                           retry_failed_before=retry_failed_before, stale_claim_before=stale_claim_before)


_runs = Runs(DigestRun)
mark_sent = _runs.mark_sent
mark_failed = _runs.mark_failed


async def mark_skipped(*, session: AsyncSession, run_id: int, at: datetime) -> None:
    await _runs.finish(session=session, run_id=run_id, status=SKIPPED, sent_at=at, error="")


async def get_run(*, session: AsyncSession, subscription_id: int, period_key: str) -> DigestRun | None:
    return await session.scalar(
        select(DigestRun).where(DigestRun.subscription_id == subscription_id, DigestRun.period_key == period_key)
        .execution_options(populate_existing=True)
    )


async def list_runs(*, session: AsyncSession, subscription_id: int) -> Sequence[DigestRun]:
    return (await session.scalars(
        select(DigestRun).where(DigestRun.subscription_id == subscription_id).order_by(DigestRun.id)
        .execution_options(populate_existing=True)
    )).all()


async def last_delivered(*, session: AsyncSession, subscription_id: int) -> datetime | None:
    """When this subscription's last digest went out (or was skipped as empty):
    the start of what the next one reports."""
    return await session.scalar(
        select(func.max(DigestRun.sent_at)).where(
            DigestRun.subscription_id == subscription_id, DigestRun.status.in_((SENT, SKIPPED))
        )
    )


# --- what a digest reports ---------------------------------------------------

async def licences_signed(*, session: AsyncSession, start: date, end: date,
                          limit: int) -> tuple[list[LicenceRecord], int]:
    """Licences signed on or after `start` and before `end`, newest first, with the total."""
    cond = and_(Licence.signed_on >= start, Licence.signed_on < end)
    rows, total = await _page(session, Licence, cond, (Licence.signed_on.desc(), Licence.licensee), limit)
    return [r.record() for r in rows], total


async def licences_expiring(*, session: AsyncSession, start: date, end: date,
                            limit: int) -> tuple[list[LicenceRecord], int]:
    cond = and_(Licence.expires_on >= start, Licence.expires_on <= end)
    rows, total = await _page(session, Licence, cond, (Licence.expires_on, Licence.licensee), limit)
    return [r.record() for r in rows], total


async def patents_expiring(*, session: AsyncSession, start: date, end: date,
                           limit: int) -> tuple[list[PatentRecord], int]:
    cond = and_(Patent.expiry_date >= start, Patent.expiry_date <= end)
    rows, total = await _page(session, Patent, cond, (Patent.expiry_date, Patent.number), limit)
    return [r.record() for r in rows], total


_Row = TypeVar("_Row", Licence, Patent)


async def _page(session: AsyncSession, model: type[_Row], cond: ColumnElement[bool], order: tuple[Any, ...],
                limit: int) -> tuple[list[_Row], int]:
    total = await session.scalar(select(func.count()).select_from(model).where(cond)) or 0
    rows = (await session.scalars(select(model).where(cond).order_by(*order).limit(limit))).all()
    return list(rows), int(total)


async def changes_since(*, session: AsyncSession, since: datetime, until: datetime,
                        limit: int) -> tuple[list[ChangeRecord], int]:
    """Audit rows in [since, until), oldest first, with the total."""
    cond = and_(FactChange.at >= since, FactChange.at < until)
    total = await session.scalar(select(func.count()).select_from(FactChange).where(cond)) or 0
    rows = await session.scalars(
        select(FactChange).where(cond).order_by(FactChange.at, FactChange.id).limit(limit)
    )
    return [change_record(r) for r in rows], int(total)
