"""Figures computed from several stored years: change, trend, highest/lowest, sum
e.g. R&D growth 2023 · change in licensing revenue from 2022 to 2023 · revenue 2019-2023 ·
which year had the highest R&D share? · total revenue 2021-2023"""

from __future__ import annotations

from handlers import charts, wording
from handlers.deps import Deps
from handlers.intents import figure
from handlers.plan import Context, Plan
from handlers.replies import Reply, ReplyKind
from store.records import FactRecord
from store.values import format_value

OPS = ("change", "highest", "lowest", "sum", "trend")


# the time of a question this type reads (handlers/intents/__init__.py)
TIME: frozenset[str] = frozenset({"years", "since"})


def match(ctx: Context) -> Plan | None:
    metrics = figure.chosen_metrics(ctx)
    if not metrics or len(figure.asked_subjects(ctx)) > 1:
        return None  # several companies are compared side by side, as figures
    facts = ctx.deps.index.facts
    if not any(p for m in metrics for p in facts.periods(figure.asked_subjects(ctx)[0], m)):
        return None  # "5G vs 4G cap": undated figures are shown side by side
    q = ctx.q
    ranged = bool(q.year_range or q.since or q.last_n_years)
    op = ""
    if ctx.any_of("change") and not (ranged and ctx.any_of("trend")):
        # "has it gone up every year since 2020?" shows every year: a trend
        op = "change"
    elif ctx.any_of("highest"):
        op = "highest"
    elif ctx.any_of("lowest"):
        op = "lowest"
    elif ctx.any_of("sum") and (ranged or len(q.years) > 1):
        op = "sum"
    elif ctx.any_of("trend") or ranged:
        op = "trend"
    if not op:
        return None
    if op in ("highest", "lowest") and any(w.norm in _ACROSS for w in q.words):
        # "which company has the highest licensing revenue": across companies, which is
        # not one company's years (and figures in several currencies are not ranked)
        plan = figure.metric_plan(ctx, "series", ctx.deps, {op, "when", "trend"}, operation=op)
        plan.unexplained = [*plan.unexplained, "which company"]
        return plan
    kinds = {op, "when", "trend"} | ({"sum"} if op == "sum" else set()) | (
        {"change"} if op == "trend" and ctx.any_of("change") else set())
    return figure.metric_plan(ctx, "series", ctx.deps, kinds, operation=op)


_ACROSS = frozenset({"company", "companies", "competitor", "competitors", "who", "whose", "firm", "firms",
                     "peer", "peers", "among", "rival", "rivals", "player", "players"})


async def execute(deps: Deps, plan: Plan, ctx: Context) -> Reply:
    replies = [_one(deps, plan, ctx, m) for m in plan.metrics]
    if len(replies) == 1:
        return replies[0]
    answered = all(r.answered for r in replies)
    return Reply(ReplyKind.ANSWER if answered else ReplyKind.NOT_KNOWN, f"{len(replies)} figures:",
                 # each figure's sources under it: one note would repeat "Computed from …" per figure
                 lines=[x for r in replies for x in [r.headline, *r.lines, *([r.note] if r.note else [])]],
                 facts=[f for r in replies for f in r.facts],
                 topic=plan.metrics[0])


def _one(deps: Deps, plan: Plan, ctx: Context, metric: str) -> Reply:
    periods = {k: v for k, v in deps.index.facts.periods(plan.subject, metric).items() if k}
    if not periods:
        return figure.no_metric_for_subject(deps, plan.subject, metric, deps.home_subject)
    reply = _computed(plan, ctx, metric, periods)
    unconverted = "" if plan.operation == "change" and plan.filters.get("unit") == "%" else \
        figure.unit_note(plan, reply.facts)
    if unconverted:
        reply.note = " ".join(x for x in (reply.note, unconverted) if x)
    return reply


def _computed(plan: Plan, ctx: Context, metric: str, periods: dict[str, FactRecord]) -> Reply:
    if plan.operation == "change":
        return _change(plan, metric, periods, since=ctx.q.since)
    years, explicit = _years(plan, ctx, periods)
    found = [periods[y] for y in years if y in periods]
    missing = [y for y in years if y not in periods]
    have = ", ".join(sorted(periods))
    if not found:
        return Reply(ReplyKind.NOT_KNOWN, f"I have no {metric} for {_span(years)}.",
                     note=f"I have {metric} for: {have}.", topic=metric)
    if missing and (explicit or plan.operation == "sum"):
        return Reply(ReplyKind.NOT_KNOWN, f"I have {metric} for only part of {_span(years)}:",
                     lines=[wording.fact_sentence(f) for f in found],
                     note=f"Missing: {', '.join(missing)}; I have: {have}. Nothing was computed.",
                     facts=found, topic=metric)
    if plan.operation in ("highest", "lowest", "sum"):
        numeric = [f for f in found if f.numeric is not None]
        units = {f.unit for f in numeric}
        if len(numeric) != len(found) or len(units) != 1:
            return Reply(ReplyKind.NOT_KNOWN,
                         f"The {metric} figures are not all numbers in one unit, so I won't compute that.",
                         lines=[wording.fact_sentence(f) for f in found], facts=found, topic=metric)
        if plan.operation == "sum":
            total = sum(f.numeric or 0.0 for f in numeric)
            qual = wording.carried_qualifier(*numeric)
            head = (f"{plan.subject}'s {wording.metric_label(metric)} {_span(years)} adds up to "
                    f"{format_value(total, numeric[0].unit, qual)} (computed from {len(found)} stored figures)")
        else:
            pick = (max if plan.operation == "highest" else min)(numeric, key=lambda f: f.numeric or 0.0)
            head = (f"{plan.operation.capitalize()} {wording.metric_label(metric)}: {pick.period} with "
                    f"{wording.value_of(pick)} "
                    f"(of {', '.join(f.period for f in found)} on record)")
        return Reply(ReplyKind.ANSWER, head, lines=[wording.fact_sentence(f, source=False) for f in found],
                     note=wording.sources(found), facts=found, topic=metric)
    note = f"No figure for {', '.join(missing)}. " if missing else ""
    return Reply(ReplyKind.ANSWER,
                 f"{plan.subject}'s {wording.metric_label(metric)}, {_span([f.period for f in found])}:",
                 lines=[wording.fact_sentence(f, source=False) for f in found],
                 note=note + wording.sources(found), facts=found, topic=metric, chart=charts.from_facts(found))


def _years(plan: Plan, ctx: Context, periods: dict[str, FactRecord]) -> tuple[list[str], bool]:
    """The years the operation covers, and whether the question named them all."""
    q = ctx.q
    stored = sorted(periods)
    if q.year_range:
        a, b = q.year_range
        return [str(y) for y in range(int(a), int(b) + 1)], True
    if q.since:
        end = max([*stored, q.since])
        return [str(y) for y in range(int(q.since), int(end) + 1)], False
    if q.last_n_years:
        return stored[-q.last_n_years :], False
    if len(plan.years) > 1:
        return sorted(plan.years), True
    if plan.years:
        return list(plan.years), True
    return stored, False


def _span(years: list[str]) -> str:
    """"2019–2023" only for every year between; "2019 and 2023" otherwise."""
    if not years:
        return "no year"
    if len(years) == 1:
        return years[0]
    if [int(y) for y in years] == list(range(int(years[0]), int(years[-1]) + 1)):
        return f"{years[0]}–{years[-1]}"
    return ", ".join(years[:-1]) + f" and {years[-1]}"


def _change(plan: Plan, metric: str, periods: dict[str, FactRecord], since: str | None = None) -> Reply:
    stored = sorted(periods)
    if plan.year_range:
        a, b = plan.year_range
    elif since and not plan.years:
        # "R&D growth since 2020": from that year to the latest on record
        a, b = since, max(stored[-1], since) if stored else since
        if a == b:
            return Reply(ReplyKind.NOT_KNOWN, f"I hold no {metric} after {a}: no change to compute.", topic=metric)
    elif len(plan.years) >= 2:
        a, b = sorted(plan.years)[0], sorted(plan.years)[-1]
    elif plan.years:
        b = plan.years[0]
        a = str(int(b) - 1)
    elif len(stored) >= 2:
        a, b = stored[-2], stored[-1]
    else:
        return Reply(ReplyKind.NOT_KNOWN, f"I hold {metric} for only {', '.join(stored)}: no change to compute.",
                     topic=metric)
    found = [periods[y] for y in (a, b) if y in periods]
    missing = [y for y in (a, b) if y not in periods]
    if missing:
        return Reply(ReplyKind.NOT_KNOWN,
                     f"I can't compute the change in {metric} from {a} to {b}: no figure for {' or '.join(missing)}.",
                     lines=[wording.fact_sentence(f) for f in found],
                     note=f"I have {metric} for: {', '.join(stored)}.", facts=found, topic=metric)
    old, new = periods[a], periods[b]
    if old.numeric is None or new.numeric is None or old.unit != new.unit:
        return Reply(ReplyKind.NOT_KNOWN,
                     f"The {metric} figures for {a} and {b} are not numbers in one unit, so I won't compute a change.",
                     lines=[wording.fact_sentence(f) for f in (old, new)], facts=[old, new], topic=metric)
    qual = wording.carried_qualifier(old, new)
    delta = new.numeric - old.numeric
    if old.unit == "%":
        change = f"{qual + ' ' if qual else ''}{'+' if delta >= 0 else '−'}{abs(round(delta, 2)):g} percentage points"
    else:
        change = wording.amount(delta, old.unit, qual)
        if old.numeric:
            change += f" ({'+' if delta >= 0 else '−'}{abs(delta / old.numeric * 100):.1f}%)"
    verb = "rose" if delta > 0 else "fell" if delta < 0 else "stayed the same"
    head = (f"{plan.subject}'s {wording.metric_label(metric)} {verb} from {wording.value_of(old)} in {a} to "
            f"{wording.value_of(new)} "
            f"in {b}: {change}")
    return Reply(ReplyKind.ANSWER, head, note=f"Computed from the two stored figures. {wording.sources([old, new])}",
                 facts=[old, new], topic=metric)
