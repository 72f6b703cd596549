"""Patents counted and listed by jurisdiction, status, filing/grant/expiry year and title words
e.g. how many US patents? · European patents · granted patents in CN · patents filed in 2014 ·
how many patents mention vehicle?"""

from __future__ import annotations

from datetime import timedelta

from handlers import lexicon as lx
from handlers import patent_engine, wording
from handlers.deps import Deps
from handlers.intents import common, patent_search
from handlers.plan import Context, Plan
from handlers.replies import Reply, ReplyKind
from store import patents as patent_repo

_ACCEPTS = {"patent", "count", "juris", "status", "filed", "granted", "expire", "titlefiller", "listing", "store",
            "territory", "latest", "field"}
_STATUS = {"granted": ("granted",), "published": ("published", "pending"), "pending": ("pending", "published"),
           "expired": ("expired",), "lapsed": ("lapsed", "expired")}


# the time of a question this type reads (handlers/intents/__init__.py)
TIME: frozenset[str] = frozenset({"years", "window"})


def match(ctx: Context) -> Plan | None:
    q = ctx.q
    metrics = {m for match in ctx.matches for m in match.metrics}
    patentish = ctx.any_of("patent") or any(_patent_metric(m) for m in metrics)
    if not patentish or q.patent_numbers:
        return None
    if not all(_patent_metric(m) for m in metrics):
        return None  # "R&D and valid patents", "bilateral patent licences": figures
    plan = Plan("patent_query", operation="count" if ctx.any_of("count") else "list")
    juris = {lx.JURISDICTIONS[w.norm] for w in ctx.words_of("juris")}
    if juris:
        plan.filters["jurisdiction"] = ",".join(sorted(juris))
    statuses = {lx.STATUS_WORDS[w.norm] for w in ctx.q.words if w.norm in lx.STATUS_WORDS}
    date_word = ("expiry_date" if ctx.any_of("expire") else "filing_date" if ctx.any_of("filed")
                 else "grant_date" if ctx.any_of("granted") and (q.years or q.year_range) else "")
    if date_word == "expiry_date":
        statuses.discard("expired")
    if statuses:
        plan.filters["status"] = ",".join(sorted(statuses))
    if (q.years or q.year_range or q.window_days) and (date_word or not metrics):
        plan.filters["date"] = date_word or "filing_date"
    plan.years = list(q.years)
    plan.year_range = q.year_range
    family = _family(ctx)
    if family:
        plan.filters["family"] = family
    owner = _owner(ctx)
    if owner:
        plan.filters["owner"] = owner
    plan.words = patent_search.title_words(ctx)
    has_filter = bool(juris or "date" in plan.filters or ctx.any_of("store") or family or owner or
                      (plan.words and plan.operation == "count") or
                      # "which patents are pending?": "patents" alone is the weak valid-patent name
                      (statuses - {"granted"} and not ctx.strong))
    if not has_filter:
        return None
    # "how many … in the store in total": with a count, a total is the same question
    accepts = _ACCEPTS | {"sum"} if plan.operation == "count" or ctx.any_of("store") else _ACCEPTS
    plan.unexplained = [w for w in common.unexplained_words(ctx, accepts)
                        if not any(w == x.surface for x in q.words if x.norm in plan.words)]
    plan.unexplain(common.companies_unread(ctx))
    if "date" not in plan.filters:
        # "how many US patents in 2014": filed, granted or held then? Not all US patents
        plan.unexplain(common.time_unread(q, frozenset()))
    return plan


def _family(ctx: Context) -> str:
    """"patents in family F500": the word after "family" is the family id (tagged so
    it is neither a title word nor unexplained)."""
    words = ctx.q.words
    for i, w in enumerate(words[:-1]):
        if w.norm == "family" and not words[i + 1].tag:
            words[i + 1].tag = "family_id"
            return words[i + 1].surface.upper()
    return ""


_STORED_COUNT = "Counts are of the patents stored here, not the published portfolio size."
_OWNED = frozenset({"own", "owned", "owner", "assigned", "assignee", "held", "hold", "applicant"})


def _owner(ctx: Context) -> str:
    """"patents owned by Waymo": the words after "owned by" name the owner; "patents does
    Google own": a company right before "own" is the owner."""
    words = ctx.q.words
    for i, w in enumerate(words):
        named = w.tag in ("licensee", "subject") or (not w.tag and w.norm in ctx.q.capitalised and i > 0)
        if w.norm == ctx.home.lower() and not ctx.any_of("store"):
            continue  # "how many valid patents do we hold": the home company's published count
        if named and any(
                x.norm in _OWNED for x in words[i + 1 : i + 3]) and words[i + 1].norm not in ("by",):
            w.tag = "owner"
            return w.surface
    for i in range(1, len(words) - 1):
        if words[i].norm == "by" and words[i - 1].norm in _OWNED:
            name = []
            for w in words[i + 1 :]:
                if w.tag not in ("", "licensee", "subject"):
                    break
                w.tag = "owner"
                name.append(w.surface)
            return " ".join(name)
    return ""


def _patent_metric(metric: str) -> bool:
    """A count of patents held ("valid patents"), which filters turn into a store query."""
    return "patent" in metric and "licen" not in metric and "fee" not in metric


async def execute(deps: Deps, plan: Plan, ctx: Context) -> Reply:
    engine = patent_engine.of(deps)
    titles: patent_engine.TitleHits | None = None
    words_note = ""
    if plan.words:
        res = titles = await engine.title_filter(plan.words)
        if not res.ids:
            why = f" (unknown words: {', '.join(res.unknown_words)})" if res.unknown_words else ""
            return Reply(ReplyKind.NOT_KNOWN, f"No patent titles match “{' '.join(plan.words)}”{why}.",
                         note="Try other title words.")
        if not res.exact_total:
            return Reply(ReplyKind.NOT_KNOWN, f"Too many titles hold “{' '.join(res.words)}” to count exactly.",
                         note="Add a more specific title word.")
        words_note = f" with “{' '.join(res.words)}” in the title"
    f = plan.filters
    years = tuple(int(y) for y in plan.years)
    date_from = date_to = None
    if plan.year_range:
        years = tuple(range(int(plan.year_range[0]), int(plan.year_range[1]) + 1))
    if ctx.q.window_days:
        date_from = deps.now().date()
        date_to = date_from + timedelta(days=ctx.q.window_days)
    statuses = tuple(s for st in f.get("status", "").split(",") if st for s in _STATUS.get(st, (st,)))
    jurisdictions = f.get("jurisdiction", "").split(",")
    if len(jurisdictions) > 1:
        return common.refuse(deps, ctx, "Ask about one jurisdiction at a time.")
    where = patent_repo.PatentFilter(jurisdiction=jurisdictions[0], statuses=statuses, date_field=f.get("date", ""),
                                     years=years, date_from=date_from, date_to=date_to,
                                     family_id=f.get("family", ""), owner=f.get("owner", ""))
    total, patents = await engine.query(where, titles, common.SHOWN)
    what = _describe(plan, words_note, ctx)
    if not total:
        # "how many": none is an answer; "list them": nothing to show is not
        return Reply(ReplyKind.ANSWER if plan.operation == "count" else ReplyKind.NOT_KNOWN,
                     f"No patents in the store{what}.", note="Counts are of the patents stored here.")
    head = f"{wording.plural(total, 'patent')} in the store{what}"
    if not what:
        # the whole store counted: a list of its first ten would say nothing
        return Reply(ReplyKind.ANSWER, head + ".", note=_STORED_COUNT)
    head += ":" if total <= len(patents) else f"; the first {len(patents)}:"
    return Reply(ReplyKind.ANSWER, head, lines=[wording.patent_line(p) for p in patents],
                 note=_STORED_COUNT, patents=patents)


def _describe(plan: Plan, words_note: str, ctx: Context) -> str:
    f, bits = plan.filters, []
    if "status" in f:
        # say what was counted: a published application is still pending, and an
        # application pending here may already be published (EP … A1)
        shown = sorted({s for st in f["status"].split(",") for s in _STATUS.get(st, (st,))})
        bits.append(" or ".join(shown) + (" applications" if set(shown) == {"pending", "published"} else ""))
    if "jurisdiction" in f:
        bits.append(f"in {f['jurisdiction']}")
    if "family" in f:
        bits.append(f"family {f['family']}")
    if "owner" in f:
        bits.append(f"owned by {f['owner']}")
    if "date" in f:
        verb = {"filing_date": "filed", "grant_date": "granted", "expiry_date": "expiring"}[f["date"]]
        if plan.year_range:
            bits.append(f"{verb} {plan.year_range[0]}–{plan.year_range[1]}")
        elif plan.years:
            bits.append(f"{verb} in {' or '.join(plan.years)}")
        elif ctx.q.window_days:
            bits.append(f"{verb} within {ctx.q.window_days} days")
    text = (" (" + ", ".join(bits) + ")") if bits else ""
    return text + words_note
