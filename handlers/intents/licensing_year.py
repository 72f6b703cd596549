"""The licensing picture of a year: licence counts, revenue and who signed
e.g. licensees 2022 · licences 2023 · licensing in 2021"""

from __future__ import annotations

from handlers import wording
from handlers.deps import Deps
from handlers.intents import common
from handlers.plan import METRIC, Context, Plan
from handlers.question import YEAR_TAG
from handlers.replies import Reply, ReplyKind

LICENSING_METRICS = ("bilateral patent licences", "companies licensed", "licensing revenue")
_WORDS = {"licence", "listing"}
# a question asked of the licences (yes/no, who/which): the licences intent answers it
_ASKING = frozenset("do does did is are have has can who which what".split())


# the time of a question this type reads (handlers/intents/__init__.py)
TIME: frozenset[str] = frozenset({"years"})


def match(ctx: Context) -> Plan | None:
    q = ctx.q
    if ctx.strong or ctx.licensees or len(q.years) > 1 or q.year_range or q.window_days:
        return None
    content = [w for w in q.words if w.tag not in ("filler", YEAR_TAG)]
    if not content or not all((w.tag == METRIC or not w.tag) and ctx.kinds(w) and ctx.kinds(w) <= _WORDS
                              for w in content):
        return None
    if not any("licence" in ctx.kinds(w) for w in content):
        return None
    # "who signed a licence in 2023", "licences signed in 2022": the licences,
    # not the year's revenue and published counts too
    if any(w.norm in ("signed", "sign") for w in content):
        return None
    if not q.years and q.words and q.words[0].norm in _ASKING:
        # "do we have a licence in place?" asks about licences, not the latest year's picture
        return None
    return Plan("licensing_year", subject=ctx.home, years=list(q.years), operation="picture")


async def execute(deps: Deps, plan: Plan, ctx: Context) -> Reply:
    fidx, subject = deps.index.facts, plan.subject
    years_with: set[str] = set()
    for m in LICENSING_METRICS:
        years_with |= {k for k in fidx.periods(subject, m) if k}
    lidx = deps.index.licences
    years_with |= {str(y) for y in lidx.signed_in}
    have = ", ".join(sorted(years_with, reverse=True)) or "none"
    if not plan.years:
        if not years_with:
            return common.refuse(deps, ctx, "I hold no licensing figures or licences yet.")
        year = max(years_with)
    else:
        year = plan.years[0]
    facts = [fidx.periods(subject, m)[year] for m in LICENSING_METRICS if year in fidx.periods(subject, m)]
    signed = lidx.picked(lidx.signed_in.get(int(year), ()))
    if not facts and not signed:
        return Reply(
            ReplyKind.NOT_KNOWN,
            f"I have no licensing figures or licences for {year}.",
            note=f"Years with licensing data: {have}.",
            suggestions=[f"licensees {y}" for y in sorted(years_with, reverse=True)[:3]],
        )
    lines = [wording.fact_sentence(f) for f in facts]
    if signed:
        shown = signed[: common.SHOWN]
        lines.append(f"Licences signed in {year}: " + ", ".join(wording.licence_short(lc) for lc in shown))
        if len(signed) > len(shown):
            lines.append(f"and {len(signed) - len(shown)} more — narrow the question")
    elif facts:
        lines.append(f"No named licensees are stored for {year}.")
    return Reply(ReplyKind.ANSWER, f"Licensing in {year}:", lines=lines, facts=facts, licences=signed,
                 topic="licensing revenue")
