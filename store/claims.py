"""The exactly-once claim behind the digest (`digest_runs`, store/digests.py) and
the monthly reminder (`reminder_runs`, store/reminders.py): one row per (who,
period) under a unique key; whoever holds the row with status `claimed` may send.

On SQLite and PostgreSQL alike exactly one of several concurrent claimers wins:
the first takes the key with an INSERT (the unique constraint refuses every other
insert, inside a savepoint so the caller's transaction goes on); a row that exists
is taken back only by a conditional UPDATE whose WHERE still sees it failed (or
abandoned), so of several claimers exactly one updates a row. The caller commits
the claim before sending, so other senders see it, and then finishes the run
(`Runs`: sent, or failed to be taken back later)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Base

# the statuses the claim reads and writes, and the one a run that went out ends in
# (a table may have others of its own: a digest is `skipped` when empty)
CLAIMED, FAILED, SENT = "claimed", "failed", "sent"
MAX_ERROR_CHARS = 1000
# the message_ts column's length (a Slack ts is far shorter)
MAX_TS_CHARS = 40

Run = TypeVar("Run", bound=Base)


async def claim_run(
    *,
    session: AsyncSession,
    model: type[Run],
    key: Mapping[str, object],
    at: datetime,
    values: Mapping[str, object] | None = None,
    retry_failed_before: datetime | None = None,
    stale_claim_before: datetime | None = None,
) -> Run | None:
    """The run of `model` under the unique `key` (column -> value), claimed at `at`
    with `values` set; None if it went out already or another sender holds it.

    `model` has the columns status, claimed_at and attempts. A failed run (failed
    at or before `retry_failed_before`; default: any) and a claim abandoned by a
    sender that died (claimed before `stale_claim_before`; default: never taken
    back) are taken back, counting one more attempt."""
    values = dict(values or {})
    run = model(**key, **values, status=CLAIMED, claimed_at=at, attempts=1)
    try:
        async with session.begin_nested():
            session.add(run)
            await session.flush()
        return run
    except IntegrityError:
        pass
    c = model.__table__.c
    retake = c.status == FAILED
    if retry_failed_before is not None:
        retake = and_(retake, c.claimed_at <= retry_failed_before)
    if stale_claim_before is not None:
        retake = or_(retake, and_(c.status == CLAIMED, c.claimed_at < stale_claim_before))
    same_key = [c[name] == value for name, value in key.items()]
    res = await session.execute(
        update(model)
        .where(*same_key, retake)
        .values(**values, status=CLAIMED, claimed_at=at, attempts=c.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if not res.rowcount:  # type: ignore[attr-defined]
        return None
    return await session.scalar(select(model).where(*same_key).execution_options(populate_existing=True))


@dataclass(frozen=True)
class Runs:
    """How a claimed run of `model` ends. `model` has the columns id, status,
    sent_at, message_ts and error."""

    model: type[Base]

    async def finish(self, *, session: AsyncSession, run_id: int, **values: object) -> None:
        await session.execute(
            update(self.model).where(self.model.__table__.c.id == run_id).values(**values)
            .execution_options(synchronize_session=False)
        )

    async def mark_sent(self, *, session: AsyncSession, run_id: int, message_ts: str, at: datetime) -> None:
        await self.finish(session=session, run_id=run_id, status=SENT, message_ts=message_ts[:MAX_TS_CHARS],
                          sent_at=at, error="")

    async def mark_failed(self, *, session: AsyncSession, run_id: int, error: str) -> None:
        """Failed: the claim is taken back by a later claimer (`claim_run`)."""
        await self.finish(session=session, run_id=run_id, status=FAILED, error=error[:MAX_ERROR_CHARS])
