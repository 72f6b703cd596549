"""What a digest section is made of, and what it is given to build itself."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.deps import Deps

# items fetched per section; the renderer may show fewer to stay within Slack's limits
SECTION_FETCH = 50


@dataclass(frozen=True)
class DigestItem:
    text: str
    # who made a change, shown after the text (the renderer may turn a Slack id into a mention)
    actors: tuple[str, ...] = ()


@dataclass(frozen=True)
class DigestSection:
    title: str
    items: tuple[DigestItem, ...]
    total: int  # items that exist; more than len(items) when the store held more than fetched


@dataclass(frozen=True)
class DigestContext:
    """One digest being built: the period it reports on and a read session shared by
    every section (one snapshot of the store)."""

    deps: Deps
    session: AsyncSession
    # whose unanswered questions may be listed by text; None (a CLI preview): none
    channel: str | None
    # what is new is what happened in [since, now)
    since: datetime
    now: datetime
    # the subscription's zone, and `now` as a calendar day there (expiry windows start here)
    tz: ZoneInfo
    today: date


def section(title: str, items: list[DigestItem], total: int | None = None) -> DigestSection | None:
    """A section, or None when it has nothing to say (it is then left out)."""
    return DigestSection(title, tuple(items), max(total or 0, len(items))) if items else None


@dataclass(frozen=True)
class Section:
    """A registered section: how it is built, and whether it is news. Only news makes
    a digest worth posting; standing lists (headline figures, figures due for
    update) are shown with news, never instead of it."""

    build: Callable[[DigestContext], Awaitable[DigestSection | None]]
    news: bool = True
