"""Figures due for update (handlers/stale.py): a standing reminder, not news."""

from __future__ import annotations

from handlers import stale
from handlers.digest_sections.base import SECTION_FETCH, DigestContext, DigestItem, DigestSection, section
from store import freshness as freshness_repo

TITLE = "Figures due for update"


async def build(ctx: DigestContext) -> DigestSection | None:
    rules = await freshness_repo.rules(session=ctx.session)
    overdue = stale.due(ctx.deps, rules, ctx.today)
    return section(TITLE, [DigestItem(d.text()) for d in overdue[:SECTION_FETCH]], len(overdue))
