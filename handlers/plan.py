"""Question -> typed plan. Parse (handlers.question) -> plan (here) -> execute
(the intent modules in handlers/intents) -> render (bot/).

Planning reads the whole question: it marks every word with what explains it
(a stored metric or alias, a subject, a licensee, a lexicon word), lets each
registered intent in turn claim the question, and records the words the chosen
intent could not use. A plan with unexplained words is refused by `ask`, never
answered with the nearest metric."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from handlers import lexicon as lx
from handlers.deps import Deps
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
    # several subjects compared side by side ("Huawei and Qualcomm licensing revenue")
    subjects: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    years: list[str] = field(default_factory=list)
    year_range: tuple[str, str] | None = None
    operation: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)  # title words of a patent search
    unexplained: list[str] = field(default_factory=list)
    unknown_subject: str = ""
    # "R&D 2023, revenue 2024": each metric with the years written after it
    years_by_metric: dict[str, list[str]] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        d = asdict(self)
        d["year_range"] = list(self.year_range) if self.year_range else None
        return {k: v for k, v in d.items() if v or k in ("intent", "unexplained")}


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
            if w.tag in (METRIC, SUBJECT, LICENSEE, FILLER, YEAR_TAG, "family_id"):
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
    (lx.STORE, "store"), (lx.LISTING, "listing"),
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


def match_metrics(words: list[Word], phrase_tokens: dict[str, frozenset[str]], phrases: dict[str, str],
                  metric_names: frozenset[str]) -> list[MetricMatch]:
    """Stored metrics named in the question. A metric is named when one of its names
    or aliases is wholly in the question; among those, the one whose names and
    aliases explain the most words wins, and takes all of them ("total R&D
    investment" is cumulative R&D spending, not R&D spending plus a stray "total").
    A name with technology or soft words ("5g handset royalty cap") also matches
    without its soft words, and without its technology when none is asked (then
    the whole family answers: "royalty caps"). A weak name ("patents") counts only
    as the first match: after another metric it is a modifier ("companies licensed
    huawei patents")."""
    avail = {w.norm for w in words if w.tag == ""}
    asked_tech = avail & lx.TECHNOLOGY | {t for t in avail if t.startswith("wifi")}
    vocab: dict[str, set[str]] = {}
    for key, toks in phrase_tokens.items():
        vocab.setdefault(phrases[key], set()).update(toks)
    out: list[MetricMatch] = []
    while True:
        best: dict[str, tuple[tuple[int, int], frozenset[str]]] = {}
        for key, toks in phrase_tokens.items():
            metric = phrases[key]
            tech = {t for t in toks if t in lx.TECHNOLOGY or t.startswith("wifi")}
            core = toks - lx.SOFT - tech - ({"royalty"} if tech else set())
            if not core:
                core = toks
            if not core <= avail:
                continue
            if tech and asked_tech and not tech <= asked_tech:
                continue  # "6g royalty cap" is not the 5G cap; "4G and 5G caps" are both
            family = bool(tech or toks & lx.SOFT)
            # a royalty cap's soft words ("per unit", "phones") are explained by it
            used = frozenset((vocab[metric] - (lx.TECHNOLOGY - tech) | (lx.SOFT if family else set())) & avail)
            score = (len(used - lx.TECHNOLOGY), int(toks <= avail))
            if metric not in best or score > best[metric][0]:
                best[metric] = (score, used)
        if not best:
            return out
        top = max(s for s, _ in best.values())
        winners = sorted(m for m, (s, _) in best.items() if s == top)
        if len({best[m][1] - lx.TECHNOLOGY for m in winners}) != 1:
            # a tie of different words is not a family: the first, then the next round
            winners = winners[:1]
        used = frozenset().union(*(best[m][1] for m in winners))
        weak = used <= _WEAK_WORDS
        if weak and out:
            return out
        out.append(MetricMatch(winners, used, weak, _tag_nearest(words, used)))
        avail = {w.norm for w in words if w.tag == ""}


def _tag_nearest(words: list[Word], used: frozenset[str]) -> list[int]:
    """Tag one word for each norm a metric used, the occurrences closest together:
    in "revenue 2022 and licensing revenue 2023" licensing revenue takes the second
    "revenue" and leaves the first for revenue."""
    where: dict[str, list[int]] = {}
    for i, w in enumerate(words):
        if w.tag == "" and w.norm in used:
            where.setdefault(w.norm, []).append(i)
    if not where:
        return []
    anchor_norm = min(where, key=lambda n: (len(where[n]), where[n][-1]))
    anchor = where[anchor_norm][-1]
    chosen = sorted(min(positions, key=lambda i: abs(i - anchor)) for positions in where.values())
    for i in chosen:
        words[i].tag = METRIC
    return chosen
