"""Patents expiring in the next 90 days."""

from __future__ import annotations

from datetime import timedelta

from handlers.digest_sections.base import SECTION_FETCH, DigestContext, DigestItem, DigestSection, section
from store import digests as digest_repo

EXPIRY_HORIZON = timedelta(days=90)


async def expiring(ctx: DigestContext) -> DigestSection | None:
    rows, total = await digest_repo.patents_expiring(session=ctx.session, start=ctx.today,
                                                     end=ctx.today + EXPIRY_HORIZON, limit=SECTION_FETCH)
    return section("Patents expiring in the next 90 days", [
        DigestItem(f"{p.number} — {p.title or 'untitled'}" + (f" ({p.owner})" if p.owner else "")
                   + f", expires {p.expiry_date:%d %b %Y}")
        for p in rows], total)
