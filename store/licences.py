"""Licence repository."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Licence, record_columns
from store.records import LicenceRecord


async def list_licences(*, session: AsyncSession) -> list[LicenceRecord]:
    rows = await session.execute(select(*record_columns(Licence, LicenceRecord))
                                 .order_by(Licence.signed_on, Licence.licensee))
    return [LicenceRecord(*r) for r in rows]
