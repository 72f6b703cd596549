"""A stored figure by name, subject and year
e.g. what was R&D spend in 2022? · licensing revenue · 5G royalty cap · Qualcomm licensing revenue 2022 ·
chief legal officer"""

from __future__ import annotations

from handlers import lexicon as lx
from handlers import wording
from handlers.deps import Deps
from handlers.intents import common
from handlers.plan import Context, Plan
from handlers.replies import FactView, Reply, ReplyKind


def chosen_metrics(ctx: Context) -> list[str]:
    """The strong matches; a weak one ("patents", "licensees") only when it is all
    there is."""
    matches = ctx.strong or ctx.matches
    return [m for match in matches for m in match.metrics]


def metric_plan(ctx: Context, intent: str, deps: Deps, op_kinds: set[str], operation: str = "") -> Plan:
    metrics = chosen_metrics(ctx)
    if not metrics and ctx.topic and (ctx.q.years or ctx.q.year_range):
        metrics = [ctx.topic]
    subject = ctx.subject_or_home
    accepts = common.metric_words_accepted(deps, metrics, subject) | op_kinds
    unexplained = common.unexplained_words(ctx, accepts)
    plan = Plan(intent, subject=subject, metrics=metrics, years=list(ctx.q.years), year_range=ctx.q.year_range,
                operation=operation, unexplained=unexplained)
    units = {lx.UNITS[w.norm] for w in ctx.words_of("unit")}
    if units:
        plan.filters["unit"] = ",".join(sorted(units))
    plan.unknown_subject = common.unknown_name(ctx, unexplained)
    return plan


def match(ctx: Context) -> Plan | None:
    if not ctx.matches and not (ctx.topic and ctx.q.years):
        return None
    if ctx.topic and not ctx.matches and any(w.tag == "" and not ctx.kinds(w) for w in ctx.q.words):
        return None
    return metric_plan(ctx, "figure", ctx.deps, {"latest"})


async def execute(deps: Deps, plan: Plan, ctx: Context) -> Reply:
    replies = [one_metric(deps, plan, m) for m in plan.metrics]
    if len(replies) == 1:
        return replies[0]
    answered = all(r.answered for r in replies)
    lines = [line for r in replies for line in [r.headline, *r.lines]]
    notes = [r.note for r in replies if r.note]
    return Reply(ReplyKind.ANSWER if answered else ReplyKind.NOT_KNOWN,
                 f"{len(replies)} figures:" if answered else "Not all of that is on record:",
                 lines=lines, note=" ".join(notes), facts=[f for r in replies for f in r.facts],
                 topic=plan.metrics[0])


def no_metric_for_subject(deps: Deps, subject: str, metric: str, home: str) -> Reply:
    fidx = deps.index.facts
    holders = sorted({fidx.subjects[s] for (s, m) in fidx.facts if m == metric})
    held = f"I hold {metric} for {', '.join(holders)}." if holders else ""
    return Reply(ReplyKind.NOT_KNOWN, f"I have no {metric} for {subject}.", note=held,
                 suggestions=[f"{h if h != home else ''} {metric}".strip() for h in holders[:3]])


def unit_mismatch(plan: Plan, facts: list[FactView]) -> Reply | None:
    asked = plan.filters.get("unit")
    if not asked:
        return None
    stored = {f.unit for f in facts if f.numeric is not None}
    if stored and not stored <= set(asked.split(",")):
        metric = facts[0].metric
        return Reply(ReplyKind.NOT_KNOWN,
                     f"I hold {metric} in {', '.join(sorted(stored))}, not {asked}; I don't convert currencies "
                     "or units.", suggestions=[f"{metric} {plan.years[0] if plan.years else ''}".strip()])
    return None


def one_metric(deps: Deps, plan: Plan, metric: str) -> Reply:
    periods = deps.index.facts.periods(plan.subject, metric)
    if not periods:
        return no_metric_for_subject(deps, plan.subject, metric, deps.home_subject)
    mismatch = unit_mismatch(plan, list(periods.values()))
    if mismatch:
        return mismatch
    dated = sorted((k for k in periods if k), reverse=True)
    if not plan.years:
        f = periods[""] if "" in periods else periods[dated[0]]
        others = [d for d in dated if d != f.period]
        note = f"Also on record: {', '.join(others)}." if others and f.period else ""
        return Reply(ReplyKind.ANSWER, wording.fact_sentence(f), note=note, facts=[f], topic=metric)
    found = [periods[y] for y in plan.years if y in periods]
    missing = [y for y in plan.years if y not in periods]
    have = ", ".join(dated) if dated else "no year"
    if not found:
        return Reply(
            ReplyKind.NOT_KNOWN,
            f"I have no figure for {metric} in {' or '.join(missing)}.",
            note=f"I have {metric} for: {have}.",
            suggestions=[f"{metric} {y}" for y in dated[:3]],
            topic=metric,
        )
    if len(found) == 1 and not missing:
        return Reply(ReplyKind.ANSWER, wording.fact_sentence(found[0]), facts=found, topic=metric)
    lines = [wording.fact_sentence(f) for f in found]
    if missing:
        return Reply(ReplyKind.NOT_KNOWN, f"I have {metric} for only part of that:", lines=lines,
                     note=f"No figure for {' or '.join(missing)}; I have: {have}.", facts=found, topic=metric)
    return Reply(ReplyKind.ANSWER, f"{metric}:", lines=lines, facts=found, topic=metric)
