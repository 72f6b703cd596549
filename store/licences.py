"""Licence repository."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Licence
from store.records import LicenceRecord


async def list_licences(*, session: AsyncSession) -> list[LicenceRecord]:
    rows = await session.scalars(select(Licence).order_by(Licence.signed_on, Licence.licensee))
    return [r.record() for r in rows]
