"""Fact and metric-alias reads. Every write goes through store/changes.py, which
records it in the audit log (history, undo, digests) and bumps the store revision."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Fact, MetricAlias


async def list_facts(*, session: AsyncSession) -> Sequence[Fact]:
    return (await session.scalars(select(Fact).order_by(Fact.subject, Fact.metric, Fact.period))).all()


async def list_aliases(*, session: AsyncSession) -> dict[str, str]:
    rows = await session.execute(select(MetricAlias.alias, MetricAlias.metric))
    return {alias: metric for alias, metric in rows}
