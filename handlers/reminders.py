"""Monthly reminders of figures due for update (handlers/stale.py): the admin who
last set a due metric gets one direct message a month at most, listing every due
figure they last set, each with an Update button that opens the fact form with the
metric and the year to add filled in. bot/reminders.py sends them.

One message per admin and month, not one per metric: the figures of one annual
report fall due together, and an admin owning eight of them should be interrupted
once, not eight times. A figure that falls due after this month's message waits for
next month's."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta

from handlers import admin, admin_forms, stale
from handlers.deps import Deps
from handlers.dispatch import Request
from handlers.permissions import is_admin
from handlers.replies import ActionId, Button, Reply, ReplyKind
from store import audit
from store import freshness as freshness_repo
from store import reminders as reminder_repo
from store.records import FactKey

# a Slack user id: the only kind of actor a DM can reach ("cli" or "fixture" cannot)
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,30}$")
# Update buttons in one message (Block Kit: 25 an actions block, bot/blocks.py packs them)
MAX_UPDATES = 20


@dataclass(frozen=True)
class Reminder:
    user: str
    due: tuple[stale.Due, ...]

    def reply(self) -> Reply:
        n = len(self.due)
        headline = (f"{self.due[0].metric} is due for update" if n == 1
                    else f"{n} figures you last set are due for update")
        buttons = [Button(f"Update {d.metric}"[:75], ActionId.REMIND_UPDATE.value,
                          audit.key_value(FactKey("", d.metric, next_period(d.latest))), "primary")
                   for d in self.due[:MAX_UPDATES]]
        more = f" {n - MAX_UPDATES} more are listed by `/ip freshness`." if n > MAX_UPDATES else ""
        return Reply(ReplyKind.ANSWER, headline, lines=[d.text() for d in self.due], buttons=buttons,
                     note="You last set these. A figure is due when its newest year ended longer ago than its "
                          f"rule (`/ip freshness`). I remind you once a month at most.{more}")


def next_period(latest: str) -> str:
    return str(int(latest) + 1) if latest.isdigit() else ""


def period_key(deps: Deps) -> str:
    """The month a reminder belongs to, in IPBOT_TIMEZONE."""
    return f"{deps.now():%Y-%m}"


async def reminders(deps: Deps) -> list[Reminder]:
    """Who gets a reminder now and for which figures: each due metric goes to the
    latest of its setters who is a Slack user and still an admin; a metric nobody
    like that set gets none (the digest and the Home tab still list it)."""
    async with deps.sessions() as session:
        rules = await freshness_repo.rules(session=session)
    overdue = stale.due(deps, rules, deps.now().date())
    if not overdue:
        return []
    admins: dict[str, bool] = {}
    mine: dict[str, list[stale.Due]] = {}
    for due in overdue:
        async with deps.sessions() as session:
            actors = await reminder_repo.setters(session=session, subject=deps.home_subject, metric=due.metric)
        for actor in actors:
            if not _SLACK_USER.match(actor):
                continue
            if actor not in admins:
                admins[actor] = await is_admin(deps, actor)
            if admins[actor]:
                mine.setdefault(actor, []).append(due)
                break
    return [Reminder(user, tuple(due)) for user, due in sorted(mine.items())]


@admin.safe
async def update_form(deps: Deps, req: Request, value: str) -> Reply:
    """The Update button: the fact form with the metric and the year to add filled in."""
    # the home subject's figure ("" subject) and the year to add
    key = audit.key_from_value(value)
    metric, period = (key.metric, key.period) if key else ("", "")
    reply = await admin_forms.fact_form(deps, req, metric)
    if reply.form is None or not period.isdigit():
        return reply
    fields = tuple(replace(f, initial=period) if f.name == "period" else f for f in reply.form.fields)
    return replace(reply, form=replace(reply.form, fields=fields))


# ---- sending exactly once a month: the claim, then the DM, then the mark ------------


async def claim(deps: Deps, reminder: Reminder, *, period: str, stale_claim: timedelta) -> int | None:
    """The run for (admin, month), committed before the DM goes out; None when it was
    sent or is being sent (a claim older than `stale_claim` is taken back)."""
    now = deps.clock()
    async with deps.unit_of_work() as session:
        run = await reminder_repo.claim(session=session, user=reminder.user, period_key=period, at=now,
                                        metrics=[d.metric for d in reminder.due],
                                        stale_claim_before=now - stale_claim)
        return run.id if run is not None else None


async def mark_failed(deps: Deps, run_id: int, error: str) -> None:
    async with deps.unit_of_work() as session:
        await reminder_repo.mark_failed(session=session, run_id=run_id, error=error)


async def mark_sent(deps: Deps, run_id: int, message_ts: str) -> None:
    async with deps.unit_of_work() as session:
        await reminder_repo.mark_sent(session=session, run_id=run_id, message_ts=message_ts, at=deps.clock())
