"""Question -> typed plan. Parse (handlers.question) -> plan (here) -> execute
(the intent modules in handlers/intents) -> render (bot/).

Planning reads the whole question: it marks every word with what explains it
(a stored metric or alias, a subject, a licensee, a lexicon word), lets each
registered intent in turn claim the question, and records the words the chosen
intent could not use. A plan with unexplained words is refused by `ask`, never
answered with the nearest metric."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from handlers import lexicon as lx
from handlers.deps import Deps
from handlers.index import FactIndex
from handlers.question import YEAR_TAG, Question, Word

# tags that say a word has a meaning of its own (the rest are candidates an
# intent may or may not use)
METRIC, SUBJECT, LICENSEE, FILLER = "metric", "subject", "licensee", "filler"

# a metric phrase made only of these words is "weak": "patents" alone is the
# valid-patent count, but "patents about video" is a patent search
_WEAK_WORDS = lx.LICENCE_NOUN | lx.PATENT_NOUN | {"count"}


@dataclass
class Plan:
    intent: str
    subject: str = ""
    # several subjects compared side by side ("Acme and Qualcomm licensing revenue")
    subjects: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    years: list[str] = field(default_factory=list)
    year_range: tuple[str, str] | None = None
    operation: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)  # title words of a patent search
    unexplained: list[str] = field(default_factory=list)
    unknown_subject: str = ""
    # "our licensing revenue from Qualcomm": the company named as where money came from
    # (what one licensee pays is never stored)
    payer: str = ""
    # "R&D 2023, revenue 2024": each metric with the years written after it
    years_by_metric: dict[str, list[str]] = field(default_factory=dict)

    def unexplain(self, words: Iterable[str]) -> None:
        """Add words the plan does not explain, each once, in the order given."""
        self.unexplained += [w for w in dict.fromkeys(words) if w not in self.unexplained]

    def public(self) -> dict[str, Any]:
        # copied by hand, one level deep as the fields are (asdict's recursion was a
        # tenth of answering a question)
        d: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, dict):
                v = {k: list(x) if isinstance(x, list) else x for k, x in v.items()}
            elif isinstance(v, list | tuple):
                v = list(v)
            if v or f.name in ("intent", "unexplained"):
                d[f.name] = v
        return d


@dataclass
class MetricMatch:
    metrics: list[str]  # one metric, or a family ("royalty caps") answered together
    words: frozenset[str]
    weak: bool
    positions: list[int] = field(default_factory=list)  # of the words it explains


@dataclass
class Context:
    """A question with its store-derived tags, handed to each intent's matcher."""

    q: Question
    deps: Deps
    home: str
    matches: list[MetricMatch] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)  # as stored
    licensees: list[str] = field(default_factory=list)
    topic: str | None = None

    def kinds(self, w: Word) -> frozenset[str]:
        if w.kinds is None:
            w.kinds = frozenset(lexicon_kinds(w, self.q))
        return w.kinds

    def words_of(self, *kinds: str) -> list[Word]:
        want = set(kinds)
        return [w for w in self.q.words if w.tag in want or (not w.tag and self.kinds(w) & want)]

    def any_of(self, *kinds: str) -> bool:
        return bool(self.words_of(*kinds))

    @property
    def strong(self) -> list[MetricMatch]:
        return [m for m in self.matches if not m.weak]

    @property
    def subject_or_home(self) -> str:
        return self.other_subject or self.home

    @property
    def other_subject(self) -> str:
        return next((s for s in self.subjects if s.lower() != self.home.lower()), "")

    def unexplained(self, accepts: set[str]) -> list[Word]:
        """Words neither tagged by the store nor of a lexicon kind the intent uses."""
        out = []
        for w in self.q.words:
            if w.tag in (METRIC, SUBJECT, LICENSEE, FILLER, YEAR_TAG, "family_id", "owner"):
                continue
            if not (self.kinds(w) & accepts):
                out.append(w)
        return out


# lexicon table -> the kind of word it makes; a word may have several kinds
# ("granted" is a status, a date and a field) and each intent uses those it needs
_KINDS: list[tuple[frozenset[str] | dict[str, str], str]] = [
    (lx.CHANGE | {"yoy"}, "change"), (lx.TREND | {"trend"}, "trend"), (lx.HIGHEST, "highest"),
    (lx.LOWEST, "lowest"), (lx.LATEST | {"latest"}, "latest"), (lx.EARLIEST, "earliest"),
    (lx.SUM | {"sum", "total"}, "sum"), (lx.COUNT | {"count"}, "count"), (frozenset({"how_much"}), "how_much"),
    (lx.MONEY, "money"), (lx.UNITS, "unit"), (lx.SCALE, "scale"), (lx.TECHNOLOGY, "tech"),
    (lx.LICENCE_NOUN, "licence"), (lx.LICENCE_KIND, "kind"), (lx.STATUS_WORDS, "status"),
    (lx.LICENCE_DETAIL, "detail"), (lx.EXPIRE, "expire"), (lx.AMOUNT, "amount"), (lx.PATENT_NOUN, "patent"),
    (lx.FILED, "filed"), (lx.GRANTED, "granted"), (lx.TITLE_FILLER | {"title"}, "titlefiller"),
    (lx.FIELDS, "field"), (lx.WHEN, "when"), (lx.JURISDICTIONS, "juris"), (lx.TERRITORIES, "territory"),
    (lx.STORE, "store"), (lx.LISTING, "listing"), (lx.FAMILY_MEMBERS, "members"),
]


def lexicon_kinds(w: Word, q: Question) -> set[str]:
    n = w.norm
    if n == "us" and "us" not in q.acronyms:
        return set()  # "tell us", not "US patents"
    k = {kind for table, kind in _KINDS if n in table}
    if n == "last" and not q.years:
        k.add("latest")
    if n.isdigit():
        k.add("digit")
    return k


# the answer table's questions name at most 3 metrics in one part
MAX_METRICS_NAMED = 10


def match_metrics(words: list[Word], facts: FactIndex) -> list[MetricMatch]:
    """Stored metrics named in the question. A metric is named when one of its names
    or aliases is wholly in the question; among those, the one whose names and
    aliases explain the most words wins, and takes all of them ("total R&D
    investment" is cumulative R&D spending, not R&D spending plus a stray "total").
    A name with technology or soft words ("5g handset royalty cap") also matches
    without its soft words, and without its technology when none is asked (then
    the whole family answers: "royalty caps"). A weak name ("patents") counts only
    as the first match: after another metric it is a modifier ("companies licensed
    acme patents")."""
    asked_tech = {w.norm for w in words if w.tag == "" and (w.norm in lx.TECHNOLOGY or w.norm.startswith("wifi"))}
    vocab = facts.metric_words
    segments = _segments(words)
    out: list[MetricMatch] = []
    # each round scans the whole question: "R&D " * 1,000 took 1,000 rounds and a second.
    # Past this many metrics in one question part the rest stay unexplained (a refusal)
    for _ in range(MAX_METRICS_NAMED):
        # metric -> (score, words used, words of the name that matched, segment)
        best: dict[str, tuple[tuple[int, int, int], frozenset[str], frozenset[str], int]] = {}
        for s_i, seg in enumerate(segments):
            avail = {words[i].norm for i in seg if words[i].tag == ""}
            for name in facts.names_within(avail):
                toks, metric, tech, core = name.words, name.metric, name.tech, name.core
                if tech and asked_tech and not tech <= asked_tech:
                    continue  # "6g royalty cap" is not the 5G cap; "4G and 5G caps" are both
                family = bool(tech or toks & lx.SOFT)
                # a royalty cap's soft words ("per unit", "phones") are explained by it
                used = frozenset((vocab[metric] - lx.TECHNOLOGY | (lx.SOFT if family else set())) & avail)
                # a technology asked anywhere names its member ("4G and 5G handset caps": both)
                # (soft words aside: "caps for 4G, 5G and Wi-Fi 6" names the handset caps too)
                score = (len(used), int(toks - (lx.SOFT if tech else set()) <= avail | asked_tech), -s_i)
                if metric not in best or score > best[metric][0]:
                    best[metric] = (score, used, frozenset(toks & avail - lx.TECHNOLOGY), s_i)
        if not best:
            return out
        top = max(b[0] for b in best.values())
        winners = sorted(m for m, b in best.items() if b[0] == top)
        if len({best[m][1] for m in winners}) != 1:
            # a tie of different words is not a family: the first, then the next round
            winners = winners[:1]
        used = frozenset().union(*(best[m][1] for m in winners))
        core = frozenset().union(*(best[m][2] for m in winners))
        weak = used <= _WEAK_WORDS
        if weak and out:
            return out
        # the technology that tells family members apart belongs to them wherever it
        # stands ("royalty cap for 4G and 5G phones")
        techs = {t for m in winners for t in vocab[m] if t in lx.TECHNOLOGY or t.startswith("wifi")}
        seeds = [i for i, w in enumerate(words) if w.tag == "" and w.norm in techs]
        extra = (used - core) | (lx.SOFT if techs else frozenset())
        positions = _tag_nearest(words, segments, best[winners[0]][3], core, extra, seeds)
        out.append(MetricMatch(winners, frozenset(words[i].norm for i in positions), weak, positions))
    return out


_SEPARATORS = frozenset({"and", "or", "vs", "versus", "v", "plus"})


def _segments(words: list[Word]) -> list[list[int]]:
    """Word positions between years and "and"/"vs": a metric's name lies within one
    ("revenue 2021 and R&D share 2021" is revenue, then R&D share of revenue)."""
    out: list[list[int]] = [[]]
    for i, w in enumerate(words):
        if w.tag == YEAR_TAG or w.norm in _SEPARATORS:
            if out[-1]:
                out.append([])
        else:
            out[-1].append(i)
    return [s for s in out if s]


def _tag_nearest(words: list[Word], segments: list[list[int]], s_i: int, core: frozenset[str],
                 extra: frozenset[str], seeds: list[int]) -> list[int]:
    """Tag the words a metric explains: in its segment, one occurrence of each word
    of the name or alias that matched, those closest together; its technology words
    (`seeds`) wherever they stand; then its other words ("investment" of R&D
    spending, "phones" of a handset cap) next to those, within a segment."""
    seg = segments[s_i]
    where: dict[str, list[int]] = {}
    for i in seg:
        if words[i].tag == "" and words[i].norm in core:
            where.setdefault(words[i].norm, []).append(i)
    chosen = set(seeds)
    if where:
        anchor_norm = min(where, key=lambda n: (len(where[n]), where[n][-1]))
        anchor = where[anchor_norm][-1]
        chosen |= {min(positions, key=lambda i: abs(i - anchor)) for positions in where.values()}
    seg_of = {i: k for k, sg in enumerate(segments) for i in sg}
    for i in chosen:
        words[i].tag = METRIC
    grown = True
    while grown:
        grown = False
        for i, w in enumerate(words):
            if w.tag == "" and w.norm in extra and i in seg_of and any(
                    abs(i - j) <= 2 and seg_of.get(j) == seg_of[i] for j in chosen):
                w.tag = METRIC
                chosen.add(i)
                grown = True
    return sorted(chosen)
