"""Fact and metric-alias reads. Every write goes through store/changes.py, which
records it in the audit log (history, undo, digests) and bumps the store revision."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Fact, MetricAlias
from store.records import AliasRecord, FactRecord


async def list_facts(*, session: AsyncSession) -> list[FactRecord]:
    rows = await session.scalars(select(Fact).order_by(Fact.subject, Fact.metric, Fact.period))
    return [r.record() for r in rows]


async def list_aliases(*, session: AsyncSession) -> list[AliasRecord]:
    return [r.record() for r in await session.scalars(select(MetricAlias))]
