"""Questions I could not answer since the last digest, grouped like `/ip gaps`
("royalty payload 2022" and "what is our royalty payload in 2022?" are one).

Only questions asked in the digest's own channel are listed by text; those asked
anywhere else, DMs and private channels included, only as a count. With no
channel at all (a CLI preview) none is listed."""

from __future__ import annotations

from handlers import gaps
from handlers.digest_sections.base import DigestContext, DigestItem, DigestSection, section
from store import feedback as feedback_repo
from store import questions as question_repo

TITLE = "Questions I could not answer"
TOP_QUESTIONS = 5


def _gap_text(g: gaps.Gap) -> str:
    counts = [c for c in (f"asked {g.unanswered} times" if g.unanswered > 1 else "",
                          f"👎 {g.down}×" if g.down else "") if c]
    return f"“{g.sample}”" + (f" — {', '.join(counts)}" if counts else "")


async def here(ctx: DigestContext) -> DigestSection | None:
    if not ctx.channel:
        return None
    grouped = gaps.group(await feedback_repo.open_gaps(session=ctx.session, channel=ctx.channel, since=ctx.since))
    return section(TITLE, [DigestItem(_gap_text(g)) for g in grouped[:TOP_QUESTIONS]], len(grouped))


async def elsewhere(ctx: DigestContext) -> DigestSection | None:
    # a count, never the text: questions asked elsewhere may have been asked in private
    n = await question_repo.count_unanswered_elsewhere(session=ctx.session, since=ctx.since,
                                                       channel=ctx.channel or "")
    return section(TITLE, [DigestItem(f"{n} more asked in other conversations (not shown here)")] if n else [])
