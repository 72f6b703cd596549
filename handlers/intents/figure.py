"""A stored figure by name, subject and year
e.g. what was R&D spend in 2022? · licensing revenue · 5G royalty cap · Qualcomm licensing revenue 2022 ·
chief legal officer"""

from __future__ import annotations

from handlers import followup, wording
from handlers import lexicon as lx
from handlers.deps import Deps
from handlers.intents import common
from handlers.plan import LICENSEE, SUBJECT, Context, Plan
from handlers.question import YEAR_TAG
from handlers.replies import Reply, ReplyKind
from store.records import FactRecord

# comparison words, with "than" ("more than Qualcomm's?") and "stack" ("stack up against")
_COMPARE = followup.COMPARE | {"than", "stack"}
# "我们和 Qualcomm … 对比": the home company, as the Chinese reading writes it ("we")
_WE = followup.HOME_WORDS | {"we"}


def chosen_metrics(ctx: Context) -> list[str]:
    """The strong matches; a weak one ("patents", "licensees") only when it is all
    there is."""
    matches = ctx.strong or ctx.matches
    return list(dict.fromkeys(m for match in matches for m in match.metrics))


def metric_plan(ctx: Context, intent: str, deps: Deps, op_kinds: set[str], operation: str = "") -> Plan:
    metrics = chosen_metrics(ctx)
    if not metrics and ctx.topic and (ctx.q.years or ctx.q.year_range):
        metrics = [ctx.topic]
    subjects = asked_subjects(ctx)
    accepts = common.metric_words_accepted(deps, metrics, subjects[0]) | op_kinds
    unexplained = common.unexplained_words(ctx, accepts)
    plan = Plan(intent, subject=subjects[0], subjects=subjects if len(subjects) > 1 else [], metrics=metrics,
                years=list(ctx.q.years), year_range=ctx.q.year_range, operation=operation,
                unexplained=unexplained, years_by_metric=_years_by_metric(ctx))
    units = {lx.UNITS[w.norm] for w in ctx.words_of("unit")}
    if units:
        plan.filters["unit"] = ",".join(sorted(units))
    plan.unknown_subject = common.unknown_name(ctx, unexplained)
    plan.payer = _payer(ctx)
    if plan.payer:
        # what one licensee pays is never stored, and Qualcomm's own licensing revenue
        # is another figure
        plan.unexplained = [*plan.unexplained, f"from {plan.payer}"]
    return plan


def _payer(ctx: Context) -> str:
    """A company named as where money came from ("… from Nokia", "… paid by Sony",
    "… from our Nokia deal")."""
    words = ctx.q.words
    for i, w in enumerate(words):
        if w.tag not in (SUBJECT, LICENSEE):
            continue
        before = [x.norm for x in words[max(0, i - 3):i] if x.norm not in _BETWEEN]
        after = words[i + 1].norm if i + 1 < len(words) else ""
        source = bool(before) and before[-1] in ("from", "by")
        # "from Nokia", "from our Nokia deal", "from its licence with us"
        if source and (w.norm != ctx.home.lower() or after in _DEAL):
            return w.surface
    return ""


_BETWEEN = frozenset({"our", "the", "their", "its", "his", "her", "a"})
_DEAL = frozenset({"deal", "license", "licence", "agreement", "contract"})


def asked_subjects(ctx: Context) -> list[str]:
    """Whose figure: the companies named (several are compared side by side), else a
    licensee named as the subject ("Sony licensing revenue" is Sony's, which is not
    stored, never the home subject's), else the home subject."""
    if len(ctx.subjects) > 1:
        return list(ctx.subjects)
    if ctx.other_subject and (followup.names_home(ctx.q) or any(w.norm in _WE for w in ctx.q.words)) \
            and any(w.norm in _COMPARE for w in ctx.q.words):
        # "how does our 2023 licensing revenue compare with Qualcomm's?": both, side by side
        return [ctx.home, ctx.other_subject]
    if ctx.other_subject:
        return [ctx.other_subject]
    others = [n for n in ctx.licensees if n.lower() != ctx.home.lower()]
    return [others[0]] if others else [ctx.home]


def _years_by_metric(ctx: Context) -> dict[str, list[str]]:
    """Years written after each named metric, when every metric has its own."""
    if len(ctx.matches) < 2:
        return {}
    pairs: dict[int, list[str]] = {}
    owner = {pos: i for i, m in enumerate(ctx.matches) for pos in m.positions}
    words = ctx.q.words
    current: int | None = None
    for pos, w in enumerate(words):
        if pos in owner:
            current = owner[pos]
        elif w.tag == YEAR_TAG:
            # "R&D 2022 and 2023 revenue": a year written just before another metric, once
            # the one before has its year, is that metric's
            ahead = owner.get(pos + 1) if current is None or current in pairs else None
            target = ahead if ahead is not None and ahead != current else current
            if target is not None:
                pairs.setdefault(target, []).append(w.surface)
    if len(pairs) != len(ctx.matches) or len({tuple(v) for v in pairs.values()}) == 1:
        return {}
    out: dict[str, list[str]] = {}
    for i, m in enumerate(ctx.matches):
        for metric in m.metrics:
            # "R&D 2022 and R&D 2023": one metric named twice, each with its year
            out[metric] = list(dict.fromkeys([*out.get(metric, []), *pairs[i]]))
    return out


# the time of a question this type reads (handlers/intents/__init__.py)
TIME: frozenset[str] = frozenset({"years"})


def match(ctx: Context) -> Plan | None:
    if not ctx.matches and not (ctx.topic and ctx.q.years):
        return None
    if ctx.matches and not ctx.strong and not ctx.q.has("count", "how_much"):
        return None  # "patents" alone is not "how many patents"
    if ctx.topic and not ctx.matches and any(w.tag == "" and not ctx.kinds(w) for w in ctx.q.words):
        return None
    # "compare Acme and Qualcomm licensing revenue", "5G vs 4G cap": side by side, nothing computed
    compare = {"change"} if len(asked_subjects(ctx)) > 1 or len(chosen_metrics(ctx)) > 1 else set()
    return metric_plan(ctx, "figure", ctx.deps, {"latest"} | compare)


async def execute(deps: Deps, plan: Plan, ctx: Context) -> Reply:
    replies = [one_metric(deps, plan, subject, m) for subject in (plan.subjects or [plan.subject])
               for m in plan.metrics]
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


def unit_note(plan: Plan, facts: list[FactRecord]) -> str:
    """"R&D 2022 in USD": the stored figure is the answer, in the unit it was
    published in, and the reply says it was not converted."""
    asked = plan.filters.get("unit")
    stored = {f.unit for f in facts if f.numeric is not None}
    if not asked or not stored or stored <= set(asked.split(",")):
        return ""
    return f"Stored in {', '.join(sorted(stored))}, not {asked}: I don't convert currencies or units."


def one_metric(deps: Deps, plan: Plan, subject: str, metric: str) -> Reply:
    periods = deps.index.facts.periods(subject, metric)
    if not periods:
        return no_metric_for_subject(deps, subject, metric, deps.home_subject)
    whose = "" if subject == deps.home_subject else f"{subject}'s "
    years = plan.years_by_metric.get(metric, plan.years)
    if set(periods) == {""} and len(plan.metrics) > 1 and metric not in plan.years_by_metric:
        # "cumulative R&D 2022 … and the 4G cap": the year is the others'; the cap has none
        years = []
    reply = _by_year(whose, metric, periods, years)
    unconverted = unit_note(plan, reply.facts)
    if unconverted:
        reply.note = " ".join(x for x in (reply.note, unconverted) if x)
    return reply


def _by_year(whose: str, metric: str, periods: dict[str, FactRecord], years: list[str]) -> Reply:
    dated = sorted((k for k in periods if k), reverse=True)
    if not years:
        f = periods[""] if "" in periods else periods[dated[0]]
        others = [d for d in dated if d != f.period]
        note = f"Also on record: {', '.join(others)}." if others and f.period else ""
        return Reply(ReplyKind.ANSWER, wording.fact_sentence(f), note=note, facts=[f], topic=metric)
    found = [periods[y] for y in years if y in periods]
    missing = [y for y in years if y not in periods]
    have = ", ".join(dated) if dated else "no year"
    if not found:
        return Reply(
            ReplyKind.NOT_KNOWN,
            f"I have no figure for {whose}{metric} in {' or '.join(missing)}.",
            note=f"I have {whose}{metric} for: {have}.",
            suggestions=[f"{whose.removesuffix(chr(39) + 's ')} {metric} {y}".strip() for y in dated[:3]],
            topic=metric,
        )
    if len(found) == 1 and not missing:
        return Reply(ReplyKind.ANSWER, wording.fact_sentence(found[0]), facts=found, topic=metric)
    lines = [wording.fact_sentence(f) for f in found]
    if missing:
        return Reply(ReplyKind.NOT_KNOWN, f"I have {whose}{metric} for only part of that:", lines=lines,
                     note=f"No figure for {' or '.join(missing)}; I have: {have}.", facts=found, topic=metric)
    return Reply(ReplyKind.ANSWER, f"{metric}:", lines=lines, facts=found, topic=metric)
