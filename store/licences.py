"""Licence repository."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Licence


async def list_licences(*, session: AsyncSession) -> Sequence[Licence]:
    return (
        await session.scalars(select(Licence).order_by(Licence.signed_on, Licence.licensee))
    ).all()
