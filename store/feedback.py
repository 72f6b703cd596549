"""Feedback on answers, and the open gaps admins work through: unanswered questions
and down-voted answers that nobody has taught the bot or dismissed yet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Feedback, UnansweredQuestion
from store.questions import MAX_LOGGED_CHARS

GapKind = Literal["unanswered", "down"]
GapStatus = Literal["open", "taught", "dismissed"]
Verdict = Literal["up", "down"]


@dataclass(frozen=True)
class GapRef:
    """One stored question a gap is made of: which table, which row."""

    kind: GapKind
    id: int


@dataclass(frozen=True)
class GapRow:
    ref: GapRef
    text: str
    channel: str
    at: datetime
    expected: str = ""


async def add_feedback(*, session: AsyncSession, question: str, answer: str, verdict: Verdict,
                       user: str, channel: str, at: datetime) -> int:
    row = Feedback(question=question[:MAX_LOGGED_CHARS], answer=answer[:MAX_LOGGED_CHARS], verdict=verdict,
                   expected="", user=user[:100], channel=channel[:100], at=at, status="open")
    session.add(row)
    await session.flush()
    return row.id


async def set_expected(*, session: AsyncSession, feedback_id: int, user: str, expected: str) -> bool:
    """What the user expected, added from the 👎 modal by the person who voted."""
    res = await session.execute(update(Feedback).where(Feedback.id == feedback_id, Feedback.user == user)
                                .values(expected=expected[:MAX_LOGGED_CHARS]))
    return bool(res.rowcount == 1)  # type: ignore[attr-defined]


async def open_gaps(*, session: AsyncSession, channel: str | None, since: datetime | None = None,
                    limit: int = 1000) -> list[GapRow]:
    """The newest open gaps, of one channel or (channel None) of every channel, since a time."""
    uq = select(UnansweredQuestion.id, UnansweredQuestion.text, UnansweredQuestion.channel,
                UnansweredQuestion.asked_at).where(UnansweredQuestion.status == "open")
    fb = select(Feedback.id, Feedback.question, Feedback.channel, Feedback.at, Feedback.expected).where(
        Feedback.status == "open", Feedback.verdict == "down")
    if channel is not None:
        uq, fb = uq.where(UnansweredQuestion.channel == channel), fb.where(Feedback.channel == channel)
    if since is not None:
        uq, fb = uq.where(UnansweredQuestion.asked_at >= since), fb.where(Feedback.at >= since)
    uq = uq.order_by(UnansweredQuestion.asked_at.desc()).limit(limit)
    fb = fb.order_by(Feedback.at.desc()).limit(limit)
    rows = [GapRow(GapRef("unanswered", i), t, c, a) for i, t, c, a in (await session.execute(uq)).all()]
    rows += [GapRow(GapRef("down", i), t, c, a, e) for i, t, c, a, e in (await session.execute(fb)).all()]
    return sorted(rows, key=lambda r: r.at, reverse=True)[:limit]


async def close_gaps(*, session: AsyncSession, refs: Sequence[GapRef], status: GapStatus,
                     channel: str | None) -> int:
    """Mark these open gaps taught or dismissed; only within `channel` when given (an
    admin in a channel acts on that channel's questions only). Returns how many."""
    n = 0
    for model, kind in ((UnansweredQuestion, "unanswered"), (Feedback, "down")):
        ids = [r.id for r in refs if r.kind == kind]
        if not ids:
            continue
        stmt = update(model).where(model.id.in_(ids), model.status == "open")
        if channel is not None:
            stmt = stmt.where(model.channel == channel)
        res = await session.execute(stmt.values(status=status))
        n += int(res.rowcount or 0)  # type: ignore[attr-defined]
    return n
