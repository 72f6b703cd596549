"""Parts of one message read together.

A message often asks several things, and the later parts lean on the earlier
ones: "What did Nokia earn from licensing in 2022? And Ericsson?", "What's the 5G cap
per handset? And the 4G one?", "R&D in 2023 — is that up from 2022?". A part like
"And Ericsson?" names only what changes; the rest (metric, year, licensee, patent) is
the part before it. `inherit` writes that part out in full from the words the
user typed in the part before, swapping in what the new part names, so the
planner reads an ordinary question and its usual rule holds: answered only if
every word is explained.

Prefaces ("Quick one for the board deck:", "Two things.", "First,", "If so,")
carry no question; `strip_lead` and the caller's preface rule keep them from being
read as one."""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.plan import FILLER, LICENSEE, METRIC, SUBJECT, Context
from handlers.question import YEAR_TAG, Question

# "First, …", "Secondly …", "Finally, …", "If so, …", "In that case …": how a part is
# introduced, never what it asks ("first" alone before a noun is "earliest": "first licence")
_LEAD = re.compile(
    r"^\s*(?:(?:first|second|third|fourth|next|then|also|plus|btw|oh|ok|okay|and|or|so)\s*[,:]\s+"
    r"|(?:firstly|secondly|thirdly|lastly|finally|additionally|separately)\b[\s,:]*|(?:then|also)\s+(?=\w)"
    r"|(?:and\s+)?if\s+(?:so|yes|not)\b[\s,:]*|in\s+that\s+case\b[\s,:]*|(?:\d{1,2}(?:st|nd|rd|th)|no\.\s?\d)\s*[,:]\s*)",
    re.IGNORECASE,
)
# how a part that continues the one before starts: "And Ericsson?", "What about 2021?"
_CONTINUES = re.compile(r"^\s*(?:and|also|plus|or|what\s+about|how\s+about|same\s+for|same|and\s+for|vs\.?)\b",
                        re.IGNORECASE)
# words that stand for something of the part before ("the 4G one", "is that up")
REFERS = frozenset({"it", "its", "that", "this", "those", "these", "one", "ones", "same", "they", "them", "there",
                    "then"})
# "our"/"ours"/"us" name the home company; "we" does not ("do we have it?" asks the store)
HOME_WORDS = frozenset({"our", "ours", "us", "ourselves"})
_REFERS_TEXT = re.compile(r"\b(?:" + "|".join(sorted(REFERS)) + r")\b", re.IGNORECASE)
# "us" in lower case only: "US" is the jurisdiction
_HOME_TEXT = re.compile(r"\b(?:[Oo]urs|[Oo]ur|[Oo]urselves|us)\b")
# what a part can name without asking anything of its own: it swaps that slot of the part before
_SLOT_KINDS = ("tech", "juris", "territory", "status", "kind")
_TIME_KINDS = frozenset({"latest", "earliest", "highest", "lowest", "trend"})
COMPARE = frozenset({"compare", "compared", "comparison", "vs", "versus", "against", "relative"})


# "licensing income over the same years": the years written last before it
_SAME_YEARS = re.compile(r"\b(?:(?:over|for|in|across|during)\s+)?the\s+same\s+(?:years|year|period|time\s*frame)\b",
                         re.IGNORECASE)
_YEARS_TEXT = re.compile(r"\b(?:19|20)\d\d(?:\s*(?:-|–|—|to|vs\.?|versus|and|through|until)\s*(?:19|20)\d\d)*\b")


def same_years(text: str) -> str:
    """Text with "the same years" written as the years it points back to."""
    m = _SAME_YEARS.search(text)
    if not m:
        return text
    before = list(_YEARS_TEXT.finditer(text, 0, m.start()))
    if not before:
        return text
    return text[: m.start()] + before[-1].group(0) + text[m.end():]


def strip_lead(part: str) -> str:
    for _ in range(3):
        stripped = _LEAD.sub("", part, count=1)
        if stripped == part:
            break
        part = stripped
    return part.strip()


def continues(part: str) -> bool:
    # "有效专利呢？" — a trailing 呢 asks "and what about …?"
    return bool(_CONTINUES.match(part)) or part.rstrip(" ?？!！。").endswith("呢")


@dataclass
class _Slots:
    time: bool
    company: bool
    home: bool
    metric: bool
    kinds: set[str]
    compare: bool
    versus: bool


def _slots(ctx: Context) -> _Slots:
    q = ctx.q
    kinds: set[str] = set()
    for w in q.words:
        kinds |= ctx.kinds(w) & set(_SLOT_KINDS)
    home = any(w.norm in HOME_WORDS and ctx.kinds(w) == frozenset() for w in q.words) or any(
        s.lower() == ctx.home.lower() for s in ctx.subjects)
    return _Slots(
        time=bool(q.years or q.year_range or q.since or q.window_days
                  or any(ctx.kinds(w) & _TIME_KINDS for w in q.words)),
        company=any(w.tag in (SUBJECT, LICENSEE) for w in q.words),
        home=home,
        metric=any(w.tag == METRIC for w in q.words),
        kinds=kinds,
        compare=any(w.norm in COMPARE for w in q.words),
        # "… in 2021 — how did it change vs 2020?": one year to compare the year before with
        versus=len(q.years) == 1 and not q.year_range and any("change" in ctx.kinds(w) for w in q.words),
    )


def names_home(q: Question) -> bool:
    return bool(_HOME_TEXT.search(q.raw))


def refers(ctx: Context) -> bool:
    """The part points back ("is that up from 2022?", "how does it compare to ours?")."""
    return any(w.norm in REFERS for w in ctx.q.words) or (
        names_home(ctx.q) and any(w.norm in COMPARE for w in ctx.q.words))


_RELATIVE = re.compile(r"\b(?:the\s+year\s+before|(?:previous|prior)\s+year|(?:a\s+)?year\s+earlier)\b", re.IGNORECASE)
_FOUR_DIGITS = re.compile(r"\b(?:19|20)\d\d\b")


def anchor_years(prev: Context, text: str) -> str:
    """"valid patents end of 2022? Is that up on the year before?": the year before
    2022, not the year before this one: the part gets the years it is relative to."""
    if not _RELATIVE.search(text) or _FOUR_DIGITS.search(text):
        return text
    years = [w.surface for w in prev.q.words if w.tag == YEAR_TAG]
    return f"{' '.join(years)} {text}" if years else text


def has_time(ctx: Context) -> bool:
    return _slots(ctx).time


def with_time(prev: Context, text: str) -> str:
    """The part with the years of the part before, "" when that had none."""
    lent = [w.surface for w in prev.q.words if w.tag == YEAR_TAG] + [_time_phrase(prev.q)]
    lent = [x for x in lent if x]
    return f"{text} {' '.join(lent)}" if lent else ""


def elliptical(ctx: Context) -> bool:
    """A part that names only what changes ("And Ericsson?", "and in 2023?", "the 4G
    one?", "how many in the US?") and asks nothing of its own."""
    own = [w for w in ctx.q.words
           if w.tag not in (FILLER, YEAR_TAG, SUBJECT, LICENSEE) and w.norm not in REFERS | HOME_WORDS
           and not (ctx.kinds(w) & {*_SLOT_KINDS, "count", "how_much"})]
    return not own and not ctx.q.patent_numbers


def _named(norm: str, capitalised: frozenset[str]) -> bool:
    return norm in capitalised or f"{norm}'s" in capitalised


def _time_phrase(q: Question) -> str:
    if q.last_n_years:
        return f"last {q.last_n_years} years"
    if q.year_range:
        return f"from {q.year_range[0]} to {q.year_range[1]}"
    if q.since:
        return f"since {q.since}"
    if q.window_days:
        return f"in the next {q.window_days} days"
    return ""


def inherit(prev: Context, new: Context, home: str, *, keep_metric: bool = False) -> str:
    """The new part written out in full: its own words, then the words of the part
    before that it does not replace. "" when the part before has nothing to lend.
    `keep_metric`: the metric before is a word of the new one ("R&D spend in 2021 —
    what share of revenue was that?" is the R&D share)."""
    have = _slots(new)
    # "patents on lidar? and on tailgating?": the new part's own free words replace those before
    new_free = any(not w.tag and not new.kinds(w) and w.norm not in REFERS | HOME_WORDS for w in new.q.words)
    lend: list[str] = []
    for w in prev.q.words:
        kinds = prev.kinds(w)
        free = not w.tag and not kinds
        if free and new_free:
            continue
        if free and (have.company or have.home) and _named(w.norm, prev.q.capitalised):
            continue  # "Ford's … 2022? And ours?": a company the store does not know is replaced too
        if w.tag == YEAR_TAG and have.time and not have.versus:
            continue
        if w.tag in (SUBJECT, LICENSEE) and (have.company or have.home) and not have.compare:
            continue
        if w.tag == METRIC and have.metric and not keep_metric:
            continue
        if kinds & have.kinds:
            continue  # "the 4G one" replaces "5G" (even inside "5G cap")
        if have.time and kinds & _TIME_KINDS:
            continue
        if w.norm in REFERS or (w.tag == FILLER and not kinds):
            continue
        if lend and lend[-1] == w.surface:
            continue  # a phrase rewritten into several words keeps its surface on each
        lend.append(w.surface.upper() if w.surface.lower() in prev.q.acronyms else w.surface)
    if not have.time:
        lend.append(_time_phrase(prev.q))
    if prev.q.patent_numbers and not new.q.patent_numbers:
        lend += prev.q.patent_numbers
    lend = [x for x in lend if x]
    if not lend:
        return ""
    # the part as typed, so "US" stays the jurisdiction and a name keeps its capital
    own = [_REFERS_TEXT.sub(" ", _HOME_TEXT.sub(" ", new.q.raw))]
    # "our" is the home company by name, so it is kept beside the company of the part before
    # when the two are compared ("how does it compare to ours?"), and replaces it otherwise
    if have.home and any(w.tag == SUBJECT and w.norm != home.lower() for w in prev.q.words):
        own.append(home)
    time = [] if not have.time else [_time_phrase(new.q)]
    # "·" keeps the lent words apart from the part's own: "which report is it from?" +
    # "2021 R&D" must not read as "from 2021" (since 2021)
    return " · ".join(x for x in [" ".join(x for x in [*own, *time] if x), " ".join(lend)] if x)
