"""The patents of one patent's family, asked by the number of one of them
e.g. which patents are in the same family as US 9999001 B2? · what else is in the family of EP3123456?"""

from __future__ import annotations

from handlers import patent_engine, wording
from handlers.deps import Deps
from handlers.intents import common
from handlers.plan import Context, Plan
from handlers.replies import Reply, ReplyKind
from store import patents as patent_repo

_ACCEPTS = {"patent", "count", "field", "members", "listing"}


# the time of a question this type reads (handlers/intents/__init__.py): none
TIME: frozenset[str] = frozenset()


def match(ctx: Context) -> Plan | None:
    """One number and "family" in the singular, asking for other patents ("what else",
    "the same family", "which patents", "how many"). "What family is US … in?" asks
    for the family id (patent_number); "how many patent families" asks a portfolio
    figure the store does not hold."""
    q = ctx.q
    if len(q.patent_numbers) != 1 or not any(w.surface == "family" for w in q.words):
        return None
    if not (ctx.any_of("members", "count") or any(w.surface == "patents" for w in q.words)):
        return None
    plan = Plan("patent_family", filters={"number": q.patent_numbers[0]},
                operation="count" if ctx.any_of("count") else "list")
    plan.unexplained = common.unexplained_words(ctx, _ACCEPTS)
    return plan


async def execute(deps: Deps, plan: Plan, ctx: Context) -> Reply:
    engine = patent_engine.of(deps)
    number = plan.filters["number"]
    ids = await engine.by_number(number)
    if not ids:
        return Reply(ReplyKind.NOT_KNOWN, f"No patent {number} is in the store.",
                     note="Search by title words instead: patents <words>.")
    if len(ids) > 1:
        # "US 9999001" without its kind code, stored as B1 and B2: whose family is asked?
        return Reply(ReplyKind.NOT_KNOWN, f"{len(ids)} patents in the store are numbered {number}; "
                     "give the kind code (e.g. B2) to say which one's family you mean.")
    records = await common.fetch_patents(deps, ids)
    if not records:  # removed since the index was read
        return Reply(ReplyKind.NOT_KNOWN, f"No patent {number} is in the store.")
    asked = records[0]
    if not asked.family_id:
        return Reply(ReplyKind.NOT_KNOWN, f"No patent family is stored for {asked.number}.", patents=[asked])
    total, members = await engine.query(patent_repo.PatentFilter(family_id=asked.family_id), None, common.SHOWN)
    head = f"{asked.number} is in family {asked.family_id}: {wording.plural(total, 'patent')} in the store"
    if total <= 1:
        return Reply(ReplyKind.ANSWER, f"{head}, no other.", note=_NOTE, patents=[asked])
    head += ":" if total <= len(members) else f"; the first {len(members)}:"
    return Reply(ReplyKind.ANSWER, head, lines=[wording.patent_line(p) for p in members], note=_NOTE,
                 patents=members)


_NOTE = "Only the patents stored here are counted, not the family's full membership worldwide."
