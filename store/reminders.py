"""Monthly "figures due for update" reminders: who last set a metric, and the
per-(admin, month) claim that makes a reminder DM go out once across replicas and
restarts. Caller owns the transaction; `claim` must be committed before sending."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.claims import Runs, claim_run
from store.models import FactChange, ReminderRun

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
    `stale_claim_before`) by a sender that died, are taken back (store/claims.py),
    so again only one sender wins."""
    return await claim_run(session=session, model=ReminderRun, key={"user_id": user, "period_key": period_key},
                           at=at, values={"metrics": "\n".join(metrics)}, stale_claim_before=stale_claim_before)


_runs = Runs(ReminderRun)
mark_sent = _runs.mark_sent
mark_failed = _runs.mark_failed
