"""Facts due for update: a yearly figure whose latest year ended longer ago than its
metric's freshness rule (default 15 months: the annual report is out by then).
Listed in the digest and, for admins, on the Home tab; `/ip freshness` shows and sets
the rules.

e.g. freshness · freshness licensing revenue = 6 months"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from handlers import admin
from handlers.deps import Deps
from handlers.dispatch import Request
from handlers.errors import BadCommand
from handlers.metrics import resolve_metric
from handlers.permissions import require_admin
from handlers.replies import Reply, ReplyKind
from store import freshness as freshness_repo

DEFAULT_MONTHS = 15
MAX_MONTHS = 120
USAGE = "freshness <metric> = <N> months (or years) — e.g. freshness licensing revenue = 6 months"
_RULE = re.compile(r"^(\d{1,3})\s*(months?|mo|years?|yrs?)$")


@dataclass(frozen=True)
class Due:
    metric: str
    latest: str  # the newest year on record
    since: date  # when it became due
    months: int

    def text(self) -> str:
        return f"{self.metric}: latest {self.latest}, due since {self.since:%d %b %Y}"


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def due(deps: Deps, rules: dict[str, int], today: date) -> list[Due]:
    """The home subject's dated metrics whose newest year is due, oldest first."""
    out: list[Due] = []
    home = deps.home_subject.lower()
    for (subject, metric), periods in deps.index.facts.facts.items():
        years = [p for p in periods if p]
        if subject != home or not years:
            continue
        latest = max(years)
        months = rules.get(metric, DEFAULT_MONTHS)
        since = _add_months(date(int(latest), 12, 31), months)
        if today >= since:
            out.append(Due(metric, latest, since, months))
    return sorted(out, key=lambda d: (d.since, d.metric))


@admin.safe
async def freshness(deps: Deps, req: Request, rest: str) -> Reply:
    """Which figures are due for update, and the rules (setting one: admins)
    e.g. freshness · freshness licensing revenue = 6 months"""
    if "=" not in rest:
        if rest.strip():
            raise BadCommand(f"I couldn't read that. Use: {USAGE}")
        async with deps.sessions() as session:
            rules = await freshness_repo.rules(session=session)
        found = due(deps, rules, deps.now().date())
        ruled = [f"{m}: {n} months after its year" for m, n in sorted(rules.items())]
        return Reply(ReplyKind.ANSWER, f"{len(found)} figures due for update" if found else "No figure is due "
                     "for update.", lines=[d.text() for d in found],
                     note=f"Rule: a figure is due {DEFAULT_MONTHS} months after its year ends"
                          + (f"; except {'; '.join(ruled)}." if ruled else "."))
    await require_admin(deps, req)
    typed, _, rule = rest.partition("=")
    metric, _ = resolve_metric(deps, " ".join(typed.lower().split()), create=False)
    if metric not in deps.index.facts.metrics:
        raise BadCommand(f"There is no metric called “{typed.strip()[:60]}”. {USAGE}")
    m = _RULE.match(" ".join(rule.lower().split()))
    if not m:
        raise BadCommand(f"I couldn't read that. Use: {USAGE}")
    months = int(m.group(1)) * (12 if m.group(2).startswith(("y", "yr")) else 1)
    if not 1 <= months <= MAX_MONTHS:
        raise BadCommand(f"Give between 1 and {MAX_MONTHS} months.")
    async with deps.unit_of_work() as session:
        await freshness_repo.set_rule(session=session, metric=metric, months=months, actor=req.user,
                                      at=deps.clock())
    return Reply(ReplyKind.DONE, f"{metric} is due for update {months} months after its year ends.")
