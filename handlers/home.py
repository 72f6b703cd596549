"""The App Home page: the state of the store at a glance, and for admins the ways to
change it without typing a command. Slack-free (bot/home.py makes the view)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from handlers import digest, gaps, stale
from handlers import schedule as sch
from handlers.deps import Deps
from handlers.digest import DigestItem, DigestSection
from handlers.permissions import is_admin
from handlers.replies import ActionId, Button
from store import digests as digest_repo
from store import feedback as feedback_repo
from store import freshness as freshness_repo

WINDOW = timedelta(days=90)
RECENT_CHANGES = timedelta(days=30)
SHOWN = 10


@dataclass
class HomePage:
    sections: list[DigestSection] = field(default_factory=list)
    admin: bool = False
    buttons: list[Button] = field(default_factory=list)
    # (channel id, its schedule in words): the renderer makes the channel a link
    digests: list[tuple[str, str]] = field(default_factory=list)


async def page(deps: Deps, user: str) -> HomePage:
    now = deps.clock()
    today = now.astimezone(deps.tz).date()
    admin = await is_admin(deps, user)
    async with deps.sessions() as session:
        signed, n_signed = await digest_repo.licences_signed(session=session, start=today - WINDOW, end=today,
                                                             limit=SHOWN)
        expiring, n_exp = await digest_repo.licences_expiring(session=session, start=today, end=today + WINDOW,
                                                              limit=SHOWN)
        changes, _ = await digest_repo.changes_since(session=session, since=now - RECENT_CHANGES,
                                                             until=now, limit=SHOWN * 5)
        subs = await digest_repo.list_subscriptions(session=session)
        rules = await freshness_repo.rules(session=session) if admin else {}
        open_gaps = gaps.group(await feedback_repo.open_gaps(session=session, channel=None)) if admin else []
    home = HomePage(admin=admin)

    def add(title: str, items: list[DigestItem], total: int, empty: str) -> None:
        home.sections.append(DigestSection(title, tuple(items[:SHOWN]) or (DigestItem(empty),),
                                           max(total, len(items[:SHOWN]))))

    figures = digest.headline_figures(deps)
    add("Headline figures", figures, len(figures), "No figures stored yet.")
    change_list = digest.change_items(list(changes), deps.home_subject)
    add("Changed in the last 30 days", change_list, len(change_list), "No changes.")
    add("Licences signed in the last 90 days", [
        DigestItem(f"{lc.licensee}, signed {lc.signed_on:%d %b %Y}") for lc in signed if lc.signed_on],
        n_signed, "None.")
    add("Licences expiring in the next 90 days", [
        DigestItem(f"{lc.licensee}, expires {lc.expires_on:%d %b %Y}") for lc in expiring if lc.expires_on],
        n_exp, "None.")
    home.digests = [(s.channel, sch.Schedule.of(s).describe() + (" (paused)" if s.paused else "")) for s in subs]
    if admin:
        overdue = stale.due(deps, rules, today)
        add("Figures due for update", [DigestItem(d.text()) for d in overdue], len(overdue), "None.")
        add("Gaps: questions I could not answer or got wrong", [DigestItem(g.line()) for g in open_gaps],
            len(open_gaps), "None open.")
        home.buttons = [Button("Edit a fact", ActionId.EDIT_FACT.value, "", "primary"),
                        Button("Add a licence", ActionId.ADD_LICENCE.value, ""),
                        Button("Remove a licence", ActionId.REMOVE_LICENCE.value, ""),
                        Button("Subscribe a channel", ActionId.SUBSCRIBE_DIGEST.value, ""),
                        Button("Import a file", ActionId.IMPORT_HELP.value, ""),
                        Button("Gaps", ActionId.GAPS.value, "")]
    return home
