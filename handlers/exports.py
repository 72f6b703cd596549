"""`ipbot export`: the store as CSV or JSON, in the form import reads back."""

from __future__ import annotations

from handlers.deps import Deps
from store import export as export_repo


async def export(deps: Deps, *, kind: str, fmt: str = "csv") -> str:
    async with deps.sessions() as session:
        return await export_repo.export(session=session, kind=kind, fmt=fmt)
