"""Licences by licensee, signing or expiry year, kind, technology, territory and status
e.g. do we license Ericsson? · licences expiring in the next 90 days · how many cross-licences? ·
Wi-Fi licences · most recent licence"""

from __future__ import annotations

from datetime import date, timedelta

from handlers import lexicon as lx
from handlers import text as tx
from handlers import wording
from handlers.deps import Deps
from handlers.index import LicenceIndex
from handlers.intents import common
from handlers.plan import SUBJECT, Context, Plan
from handlers.replies import Reply, ReplyKind
from store.records import LicenceRecord

_FILTERS = ("kind", "tech", "territory", "status", "expire", "amount", "latest", "earliest", "when")
_ACCEPTS = {"licence", "kind", "tech", "territory", "juris", "status", "expire", "amount", "count", "latest",
            "earliest", "when", "listing", "field", "detail", "store", "how_much", "titlefiller"}


# the time of a question this type reads (handlers/intents/__init__.py)
TIME: frozenset[str] = frozenset({"years", "since", "window"})


def match(ctx: Context) -> Plan | None:
    q = ctx.q
    if ctx.strong and not _listing_of_licences(ctx):
        return None
    has_noun = ctx.any_of("licence", "kind") or any(any("licen" in x for x in m.metrics) for m in ctx.matches)
    nouns = ctx.words_of("licence", "kind")
    patent_asked = any(w.norm in lx.PATENT_NOUN for w in ctx.q.words)
    if patent_asked and not ctx.licensees and nouns and all(w.corrected for w in nouns):
        return None  # "patents signl": a misspelt title word, not "patents sign(ed)" — a licence list
    if not (ctx.licensees or has_noun):
        return None
    if (ctx.any_of("patent") or any(m.weak and "licen" not in " ".join(m.metrics) for m in ctx.matches)) \
            and not ctx.any_of("licence", "kind"):
        return None  # "how many patents does Ericsson have": a patent figure, not its licence
    filters = [k for k in _FILTERS if ctx.any_of(k)]
    if ctx.any_of("tech", "territory", "juris", "status") and not has_noun and not ctx.licensees:
        return None
    if not filters and not ctx.licensees and not q.window_days and ctx.any_of("count") and ctx.matches \
            and not ctx.any_of("store") and (_published(ctx) or not _signing(ctx)):
        # "how many licensees in 2022": the published count (a figure); "… did we have in
        # 2023", not stored, is refused for that year, not answered with the licences signed in it
        return None
    # "signed between 2021 and 2023": every year of the range, not its two ends
    years = [str(y) for y in range(int(q.year_range[0]), int(q.year_range[1]) + 1)] if q.year_range \
        else list(q.years)
    plan = Plan("licences", subject=ctx.home, years=years)
    plan.filters = _filters(ctx)
    if ctx.licensees:
        plan.filters["licensee"] = "; ".join(ctx.licensees)
    if ctx.any_of("count"):
        plan.operation = "count"
    elif ctx.any_of("latest"):
        plan.operation = "latest"
    elif ctx.any_of("earliest"):
        plan.operation = "earliest"
    if ctx.any_of("amount"):
        plan.operation = "amount"
    elif _asks_for_patents(ctx):
        plan.operation = "patents"
    # a place no stored territory is named by must not widen the answer to all licences
    places = [w.surface for w in ctx.words_of("juris") if w.norm not in lx.TERRITORIES]
    # "how many licences in total": with a count, a total is the same question
    accepts = _ACCEPTS | {"sum"} if plan.operation == "count" else _ACCEPTS
    plan.unexplained = common.unexplained_words(ctx, accepts) + places
    plan.unknown_subject = common.unknown_name(ctx, plan.unexplained)
    if ctx.any_of("when") and not ctx.licensees and not plan.unexplained:
        plan.unexplained = ["when"]  # "when was it signed?" with no licence named: which one?
    return plan


_BETWEEN = frozenset({"of", "our", "the", "my", "your", "their", "its", "all"})


def _asks_for_patents(ctx: Context) -> bool:
    """"which (of our) patents are licensed to Nokia?" asks for patents, which no licence
    record names ("do we license our patents to Nokia?", "which licences cover 5G
    patents?" ask for licences)."""
    asked = False
    for w in ctx.q.words:
        if w.norm in ("which", "what"):
            asked = True
        elif asked and w.surface == "patents":
            return True
        elif w.norm not in _BETWEEN:
            asked = False
    return False


def _published(ctx: Context) -> bool:
    """Whether the licensing count asked about is stored for every year asked; if
    not, "how many licences were signed in 2024" counts the licences on record."""
    periods = [ctx.deps.index.facts.periods(ctx.home, m) for match in ctx.matches for m in match.metrics]
    return all(not ctx.q.years or all(y in p for y in ctx.q.years) for p in periods)


_SIGNING = frozenset("signed sign signing new concluded inked".split())


def _signing(ctx: Context) -> bool:
    return any(w.norm in _SIGNING for w in ctx.q.words)


def _listing_of_licences(ctx: Context) -> bool:
    """"bilateral licences signed in 2023" lists licences; "bilateral licences 2022" and
    "how many bilateral licences were signed" are the published count."""
    counts = [m for match in ctx.strong for m in match.metrics]
    return (all("licen" in m and "revenue" not in m for m in counts) and not ctx.any_of("count")
            and any(w.norm in ("signed", "list", "show", "which") for w in ctx.q.words))


def _filters(ctx: Context) -> dict[str, str]:
    f: dict[str, str] = {}
    kinds = {lx.LICENCE_KIND[w.norm] for w in ctx.q.words if w.norm in lx.LICENCE_KIND}
    if kinds:
        f["kind"] = ",".join(sorted(kinds))
    techs = {("4g" if w.norm == "lte" else w.norm) for w in ctx.words_of("tech")}
    if techs:
        f["technology"] = ",".join(sorted(techs))
    terr = {lx.TERRITORIES[w.norm] for w in ctx.words_of("territory", "juris") if w.norm in lx.TERRITORIES}
    if terr:
        f["territory"] = ",".join(sorted(terr))
    status = {lx.STATUS_WORDS[w.norm] for w in ctx.words_of("status")} - {"granted", "published"}
    if status:
        f["status"] = ",".join(sorted(status))
    if ctx.any_of("expire"):
        f["date"] = "expires"
    if ctx.q.window_days:
        f["within_days"] = str(ctx.q.window_days)
    if ctx.q.since:
        f["since"] = ctx.q.since
    # a company that is a licensee is filtered as one ("Nokia licence expiry and Ericsson
    # licence expiry": both); a party is a company on the other side (Qualcomm as licensor)
    named = {n.lower() for n in ctx.licensees}
    others = [s for s in ctx.subjects if s.lower() != ctx.home.lower() and s.lower() not in named]
    if others:
        f["party"] = others[0]
    elif any(w.tag == SUBJECT for w in ctx.q.words) and not ctx.licensees and (
            ctx.q.has("licensee") or _after_to(ctx)):
        # "licences where <home company> is the licensee", "who licenses patents to <home company>"
        f["licensee_is"] = ctx.home
    return f


def _after_to(ctx: Context) -> bool:
    words = ctx.q.words
    return any(w.tag == SUBJECT and i and words[i - 1].norm == "to" for i, w in enumerate(words))


def _tech_tokens(text: str) -> set[str]:
    return set(tx.tokens(text.replace("/", " ")))


def matching(lidx: LicenceIndex, plan: Plan, today: date) -> list[LicenceRecord]:
    f = plan.filters
    out = []
    # only the licences the licensee or signing-year filter can keep (the checks below still apply)
    pool = lidx.licences
    if "licensee" in f:
        pool = lidx.picked(p for name in f["licensee"].split("; ") for p in lidx.by_licensee.get(name, ()))
    elif plan.years and f.get("date") != "expires" and all(y.isdigit() for y in plan.years):
        pool = lidx.picked(p for y in plan.years for p in lidx.signed_in.get(int(y), ()))
    for lc in pool:
        if "licensee" in f and lc.licensee not in f["licensee"].split("; "):
            continue
        if "licensee_is" in f and lc.licensee != f["licensee_is"]:
            continue
        if "party" in f and f["party"] not in (lc.licensee, lc.licensor):
            continue
        if "kind" in f and not any(k.split("-")[0] in lc.kind.lower() for k in f["kind"].split(",")):
            continue
        if "technology" in f:
            have = _tech_tokens(lc.technology)
            if not all(t in have or (t == "wifi" and any(h.startswith("wifi") for h in have))
                       for t in f["technology"].split(",")):
                continue
        if "territory" in f and lc.territory.lower() not in f["territory"].split(","):
            continue
        expired = lc.status.lower() == "expired" or bool(lc.expires_on and lc.expires_on < today)
        if "status" in f:
            want = set(f["status"].split(","))
            if "expired" in want and not expired:
                continue
            if "active" in want and (expired or lc.status.lower() not in ("", "active")):
                continue
        when = lc.expires_on if f.get("date") == "expires" else lc.signed_on
        if plan.years and not (when and str(when.year) in plan.years):
            continue
        if "since" in f and not (when and when.year >= int(f["since"])):
            continue
        if "within_days" in f:
            end = today + timedelta(days=int(f["within_days"]))
            if not (lc.expires_on and today <= lc.expires_on <= end):
                continue
        out.append(lc)
    return out


def _describe(plan: Plan, n: int | None = None) -> str:
    """"cross-licence licences signed in 2022", or with a count "2 active licences with
    Nokia" — the conditions as a reader would say them."""
    f = plan.filters
    bits = []
    if "status" in f:
        bits.append(f["status"].replace(",", " or "))
    if "kind" in f:
        bits.append(f["kind"].replace(",", " or "))
    if "technology" in f:
        bits.append(f["technology"].replace(",", "/"))
    tail = []
    if "licensee" in f:
        tail.append(f"with {f['licensee']}")
    if "party" in f:
        tail.append(f"with {f['party']} as a party")
    if "licensee_is" in f:
        tail.append(f"where {f['licensee_is']} is the licensee")
    if "territory" in f:
        tail.append(f"for {f['territory'].upper() if len(f['territory']) <= 3 else f['territory']}")
    verb = "expiring" if f.get("date") == "expires" else "signed"
    if plan.years:
        tail.append(f"{verb} in {' or '.join(plan.years)}")
    if "since" in f:
        tail.append(f"{verb} in {f['since']} or later")
    if "within_days" in f:
        tail.append(f"expiring within {f['within_days']} days")
    if bits and bits[-1].endswith("licence"):
        # "cross-licences", not "cross-licence licences"
        noun = bits.pop() + "s" if n is None else wording.plural(n, bits.pop())
    else:
        noun = "licences" if n is None else wording.plural(n, "licence")
    if n is not None:
        noun = noun.replace(" ", " " + " ".join(bits) + " ", 1) if bits else noun
        return " ".join([noun, *tail])
    return " ".join([*bits, noun, *tail])


async def execute(deps: Deps, plan: Plan, ctx: Context) -> Reply:
    if plan.operation == "amount":
        return common.refuse(deps, ctx, "I don't hold what licensees pay: licence amounts and royalty terms are "
                             "not stored.", note="I can tell who holds a licence, its kind, dates and status.",
                             suggestions=["licensing revenue"])
    if plan.operation == "patents":
        return common.refuse(deps, ctx, "I don't hold which patents a licence covers: a licence is stored with its "
                             "licensee, licensor, kind, technology, territory, dates and status.",
                             note="Ask for the licence itself, e.g. do we license Ericsson?")
    today = deps.now().date()
    found = matching(deps.index.licences, plan, today)
    what = _describe(plan)
    if not found and "licensee" in plan.filters and "status" in plan.filters:
        # "is Kyocera's licence still active?": no, and here is what it is
        unfiltered = Plan(plan.intent, subject=plan.subject, years=plan.years,
                          filters={k: v for k, v in plan.filters.items() if k != "status"})
        theirs = matching(deps.index.licences, unfiltered, today)
        if theirs:
            return Reply(ReplyKind.ANSWER,
                         f"No — none of the {_describe(unfiltered)} on record is {plan.filters['status']}:",
                         lines=[wording.licence_line(lc) for lc in theirs[: common.SHOWN]], licences=theirs)
    if not found:
        return common.refuse(deps, ctx, f"No {what} on record.",
                             note=f"I hold {len(deps.index.licences.licences)} licences; try fewer conditions.",
                             suggestions=["licensees"])
    if plan.operation in ("latest", "earliest"):
        dated = sorted((lc for lc in found if lc.signed_on), key=lambda lc: lc.signed_on or date.min)
        if dated:
            found = [dated[-1] if plan.operation == "latest" else dated[0]]
    shown = found[: common.SHOWN]
    lines = [wording.licence_line(lc) for lc in shown]
    if len(found) > len(shown):
        lines.append(f"and {len(found) - len(shown)} more — narrow the question")
    if plan.operation in ("latest", "earliest"):
        head = f"The {'most recent' if plan.operation == 'latest' else 'earliest'} of the {what} on record:"
    else:
        head = f"{_describe(plan, len(found))} on record:"
        if "licensee" in plan.filters and plan.operation != "count" and ctx.q.words and \
                ctx.q.words[0].norm in ("do", "does", "did", "is", "are", "have", "has"):
            head = f"Yes — {wording.plural(len(found), 'licence')} on record:"
    return Reply(ReplyKind.ANSWER, head, lines=lines, licences=found,
                 note="Counts are of the licences stored here, not a published total." if plan.operation == "count"
                 else "")
