"""Fact and metric-alias repository."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from store import revisions as revision_repo
from store.models import Fact, MetricAlias


async def list_facts(*, session: AsyncSession) -> Sequence[Fact]:
    return (await session.scalars(select(Fact).order_by(Fact.subject, Fact.metric, Fact.period))).all()


async def get_fact(*, session: AsyncSession, subject: str, metric: str, period: str) -> Fact | None:
    return await session.scalar(
        select(Fact).where(Fact.subject == subject, Fact.metric == metric, Fact.period == period)
    )


async def upsert_fact(
    *,
    session: AsyncSession,
    subject: str,
    metric: str,
    period: str,
    value: str,
    numeric: float | None,
    unit: str,
    qualifier: str,
    source: str,
    actor: str = "",
) -> tuple[Fact, bool]:
    """Insert or update by natural key; returns (fact, created)."""
    fact = await get_fact(session=session, subject=subject, metric=metric, period=period)
    created = fact is None
    if fact is None:
        fact = Fact(subject=subject, metric=metric, period=period)
        session.add(fact)
    fact.value, fact.numeric, fact.unit, fact.qualifier, fact.source = value, numeric, unit, qualifier, source
    fact.updated_at = datetime.now(UTC)
    fact.updated_by = actor
    await revision_repo.bump(session=session, kind="facts")
    await session.flush()
    return fact, created


async def delete_fact(*, session: AsyncSession, subject: str, metric: str, period: str) -> bool:
    res = await session.execute(
        delete(Fact).where(Fact.subject == subject, Fact.metric == metric, Fact.period == period)
    )
    await revision_repo.bump(session=session, kind="facts")
    return bool(res.rowcount)  # type: ignore[attr-defined]


async def list_aliases(*, session: AsyncSession) -> dict[str, str]:
    rows = await session.execute(select(MetricAlias.alias, MetricAlias.metric))
    return {alias: metric for alias, metric in rows}


async def set_alias(*, session: AsyncSession, alias: str, metric: str) -> None:
    row = await session.get(MetricAlias, alias)
    if row is None:
        session.add(MetricAlias(alias=alias, metric=metric))
    else:
        row.metric = metric
    await revision_repo.bump(session=session, kind="facts")
    await session.flush()


async def delete_alias(*, session: AsyncSession, alias: str) -> bool:
    res = await session.execute(delete(MetricAlias).where(MetricAlias.alias == alias))
    await revision_repo.bump(session=session, kind="facts")
    return bool(res.rowcount)  # type: ignore[attr-defined]
