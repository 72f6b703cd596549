"""Per-metric freshness rules (how many months after its year a figure is due)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import MetricFreshness


async def rules(*, session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(MetricFreshness.metric, MetricFreshness.months))
    return {metric: int(months) for metric, months in rows}


async def set_rule(*, session: AsyncSession, metric: str, months: int, actor: str, at: datetime) -> None:
    row = await session.get(MetricFreshness, metric)
    if row is None:
        session.add(MetricFreshness(metric=metric, months=months, updated_by=actor[:100], updated_at=at))
    else:
        row.months, row.updated_by, row.updated_at = months, actor[:100], at
    await session.flush()
