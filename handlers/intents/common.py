"""What several intents share: refusals with suggestions, the kinds of words
every intent may leave unused, fetching shown patents."""

from __future__ import annotations

from rapidfuzz import fuzz, process
from sqlalchemy.exc import SQLAlchemyError

from handlers.deps import Deps
from handlers.errors import StoreUnavailable
from handlers.plan import LICENSEE, SUBJECT, Context
from handlers.question import YEAR_TAG, Question
from handlers.replies import Reply, ReplyKind
from store import patents as patent_repo
from store.records import PatentRecord

SHOWN = 10

# words every intent may leave unused: they never change which figure is meant
NEUTRAL = frozenset({"scale"})


def unexplained_words(ctx: Context, accepts: set[str]) -> list[str]:
    return list(dict.fromkeys(w.surface for w in ctx.unexplained(accepts | NEUTRAL)))


def time_unread(q: Question, reads: frozenset[str]) -> list[str]:
    """The time a question names that a question type does not read, as the refusal
    names it: "patents tailgaters since 2010" is not answered for every year."""
    out: list[str] = []
    if "years" not in reads:
        # relative years ("last year") and ranges have no word of their own
        out += [w.surface for w in q.words if w.tag == YEAR_TAG] or q.years
        if q.year_range:
            out.append(f"{q.year_range[0]}–{q.year_range[1]}")
    if "since" not in reads and q.since:
        out.append(q.since_text or f"since {q.since}")
    if "window" not in reads and q.window_days:
        out.append(f"the next {q.window_days} days")
    return out


def companies_unread(ctx: Context) -> list[str]:
    """Companies the store knows (subjects, licensees) other than the home company that
    a patent answer does not filter by (an owner it does is tagged so): named, so "how
    many US patents does Nokia have" is refused rather than answered with every owner's."""
    home = ctx.home.lower()
    return list(dict.fromkeys(w.surface for w in ctx.q.words if w.tag in (SUBJECT, LICENSEE) and w.norm != home))


def suggestions(deps: Deps, ctx: Context, limit: int = 3) -> list[str]:
    """Up to three questions the store can answer that look like this one."""
    fidx = deps.index.facts
    query = " ".join(w.norm for w in ctx.q.words if w.tag != "filler")
    if not query or not fidx.phrases:
        return []
    hits = process.extract(query, list(fidx.phrases), scorer=fuzz.WRatio, limit=10, score_cutoff=60)
    out: list[str] = []
    for phrase, _score, _ in hits:
        metric = fidx.phrases[phrase]
        periods = fidx.periods(ctx.subject_or_home, metric)
        dated = sorted((k for k in periods if k), reverse=True)
        if not periods:
            continue
        year = next((y for y in ctx.q.years if y in periods), dated[0] if dated else "")
        s = f"{metric} {year}".strip()
        if s not in out:
            out.append(s)
        if len(out) == limit:
            break
    return out


def refuse(deps: Deps, ctx: Context, headline: str, note: str = "Type `help` to see what I can answer.",
           **kw: object) -> Reply:
    reply = Reply(ReplyKind.NOT_KNOWN, headline, note=note, **kw)  # type: ignore[arg-type]
    if not reply.suggestions:
        reply.suggestions = suggestions(deps, ctx)
    return reply


def not_understood(deps: Deps, ctx: Context, words: list[str]) -> Reply:
    shown = ", ".join(f"“{w}”" for w in words[:5])
    return refuse(deps, ctx, f"I don't know that: I did not understand {shown}, so I won't guess an answer.")


async def fetch_patents(deps: Deps, ids: list[int]) -> list[PatentRecord]:
    async def read(missing: list[int]) -> dict[int, PatentRecord]:
        try:
            async with deps.sessions() as session:
                return await patent_repo.get_many(session=session, ids=missing)
        except (SQLAlchemyError, OSError) as exc:
            raise StoreUnavailable() from exc

    return await deps.index.records.get(ids, read)


_MARKERS = frozenset({"of", "for", "by", "at", "from", "with"})


def unknown_name(ctx: Context, words: list[str]) -> str:
    """An unexplained word that names a company or person ("Ford's licensing revenue",
    "valid patents of apple"): the reply names it instead of answering for the home
    subject."""
    surfaces = [w.surface for w in ctx.q.words]
    for i, w in enumerate(ctx.q.words):
        if w.surface not in words or not w.surface.isalpha() or ctx.kinds(w):
            continue
        after_marker = i > 0 and surfaces[i - 1] in _MARKERS
        possessive = i + 1 < len(surfaces) and surfaces[i + 1] == "s"
        if after_marker or possessive:
            return w.surface.capitalize()
    for w in ctx.q.words:
        if w.surface in words and w.surface.isalpha() and w.surface in ctx.q.capitalised and len(w.surface) > 3 \
                and not ctx.kinds(w):
            return w.surface.capitalize()
    return ""


def metric_words_accepted(deps: Deps, metrics: list[str], subject: str) -> set[str]:
    """Kinds of words a question about these metrics may use without changing the
    figure: money verbs for money, domain nouns for licensing and patent figures."""
    accepts: set[str] = {"unit", "count", "how_much"}
    for m in metrics:
        units = {f.unit for f in deps.index.facts.periods(subject, m).values()} or {
            f.unit for (_, metric), p in deps.index.facts.facts.items() if metric == m for f in p.values()}
        if units & {"USD", "CNY", "EUR", "GBP", "JPY"}:
            accepts.add("money")
        if any(x in m for x in ("licen", "patent", "royalt")):
            accepts |= {"licence", "patent"}
    return accepts
