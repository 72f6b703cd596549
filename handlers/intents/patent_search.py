"""Patents whose titles contain the words, in any word form
e.g. patents tailgaters · patents about tailgating · find patents on lane keeping"""

from __future__ import annotations

from handlers import patent_engine, wording
from handlers.deps import Deps
from handlers.intents import common
from handlers.plan import METRIC, Context, Plan
from handlers.question import Word
from handlers.replies import Reply, ReplyKind

_ACCEPTS = {"patent", "titlefiller", "listing"}


def title_words(ctx: Context) -> list[str]:
    """Words no slot explains: in a patent question, they are what the titles should say.
    A technology is searched as typed: titles say "LTE", not the "4g" it is read as."""
    return [_as_typed(w) if "tech" in ctx.kinds(w) else w.norm for w in ctx.q.words
            if (not w.tag or (w.tag == METRIC and not ctx.strong and "patent" not in ctx.kinds(w)))
            and not ctx.kinds(w) - {"tech"} and not w.norm.isdigit()]


def _as_typed(w: Word) -> str:
    typed = w.surface.lower()
    return typed if typed.isalnum() else w.norm


# the time of a question this type reads (handlers/intents/__init__.py): none
TIME: frozenset[str] = frozenset()


def match(ctx: Context) -> Plan | None:
    if ctx.strong:
        return None
    words = title_words(ctx)
    if not ctx.any_of("patent") and not any(w.norm == "patent" for w in ctx.q.words) and not _about_titles(
            ctx, words):
        return None
    plan = Plan("patent_search", words=words)
    plan.unexplained = [w for w in common.unexplained_words(ctx, _ACCEPTS) if w not in words
                        and not any(w == x.surface for x in ctx.q.words if x.norm in words)]
    plan.unexplain(common.companies_unread(ctx))
    return plan


async def execute(deps: Deps, plan: Plan, ctx: Context) -> Reply:
    words = plan.words
    if not words:
        return common.refuse(deps, ctx, "Which patents? Give title words or a number.",
                             note="e.g. patents tailgaters · patent US 8818681 B1")
    res = await patent_engine.of(deps).search_titles(words)
    shown_words = " ".join(words)
    if not res.ids:
        why = f" (unknown words: {', '.join(res.unknown_words)})" if res.unknown_words else ""
        return Reply(ReplyKind.NOT_KNOWN, f"No patent titles match “{shown_words}”{why}.",
                     note="Try fewer or other title words, or a patent number like US 8818681 B1.")
    patents = await common.fetch_patents(deps, res.ids)
    count = f"{res.total:,}" if res.exact_total else f"over {res.total:,}"
    noun = "patent" if res.total == 1 and res.exact_total else "patents"
    head = f"{count} {noun} with “{' '.join(res.words)}” in the title"
    head += ":" if res.total <= len(patents) else f"; the {len(patents)} closest:"
    note = f"and {res.total - len(patents):,} more — narrow the question" if res.total > len(patents) else ""
    return Reply(ReplyKind.ANSWER, head, lines=[wording.patent_line(pt) for pt in patents], note=note,
                 patents=patents)


def _about_titles(ctx: Context, words: list[str]) -> bool:
    """"Do we have anything on tailgating?": no "patent", but "on"/"about" and words
    that every one some stored title holds (the search is also what answers it)."""
    q = ctx.q
    if not words or not any("titlefiller" in ctx.kinds(w) for w in q.words):
        return False
    if ctx.licensees or ctx.subjects or q.years or q.year_range:
        return False
    return patent_engine.of(ctx.deps).has_titles(words)
