"""Licences signed since the last digest, and licences expiring in the next 90 days."""

from __future__ import annotations

from datetime import timedelta

from handlers.digest_sections.base import SECTION_FETCH, DigestContext, DigestItem, DigestSection, section
from store import digests as digest_repo
from store.records import LicenceRecord

EXPIRY_HORIZON = timedelta(days=90)


def _kind(lc: LicenceRecord) -> str:
    return ", ".join(b for b in (lc.kind, lc.technology) if b) or "licence"


async def signed(ctx: DigestContext) -> DigestSection | None:
    since_day = ctx.since.astimezone(ctx.tz).date()
    rows, total = await digest_repo.licences_signed(session=ctx.session, start=since_day, end=ctx.today,
                                                    limit=SECTION_FETCH)
    return section(f"Licences signed since {since_day:%d %b %Y}", [
        DigestItem(f"{lc.licensee} ({_kind(lc)}), signed {lc.signed_on:%d %b %Y}"
                   + (f", licensor {lc.licensor}" if lc.licensor else ""))
        for lc in rows], total)


async def expiring(ctx: DigestContext) -> DigestSection | None:
    rows, total = await digest_repo.licences_expiring(session=ctx.session, start=ctx.today,
                                                      end=ctx.today + EXPIRY_HORIZON, limit=SECTION_FETCH)
    return section("Licences expiring in the next 90 days", [
        DigestItem(f"{lc.licensee} ({_kind(lc)}), expires {lc.expires_on:%d %b %Y}") for lc in rows], total)
