"""The in-memory index every question is matched against.

Built from the store once, then refreshed per kind (facts / patents / licences)
only when that kind's revision counter in the database moved, so a question
never costs a table scan and a change made through any replica is picked up by
all of them. Heavy rebuilds run in a worker thread so the event loop keeps
acknowledging Slack while 100k titles are tokenised."""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import lexicon as lx
from handlers import text as tx
from handlers import title_words
from handlers.patent_index import (
    INCREMENTAL_MAX,
    PatentIndex,
    PatentIndexBuilder,
    apply_changes,
    prepare_changes,
    word_stem,
)
from handlers.patent_records import PatentRecords
from store import facts as fact_repo
from store import licences as licence_repo
from store import patents as patent_repo
from store import revisions as revision_repo
from store.records import AliasRecord, FactRecord, LicenceRecord

log = logging.getLogger(__name__)

# _NUMPY_LATE: numpy is imported by the patent searches that use it, not with this
# module: ~0.1 s of every start-up before the first answer, which needs no numpy

# Several common words ("patents wireless scheduling vehicle") scan at most this many
# titles of the rarest word's postings; past it the reply says "over N" instead of an
# exact count. A pass costs ~0.1 µs a title, so this bounds a question to a few ms at
# any portfolio size.
CANDIDATE_CAP = 20000
RERANK = 200
# how many typed words' closest title words an index keeps (PatentIndex.typos)
TYPOS_KEPT = 50_000

# words that say nothing about a patent's topic when searching titles
SEARCH_STOPWORDS = tx.STOPWORDS | frozenset(
    "patent related relating regarding titled title containing mention mentioning find search "
    "concerning covering cover".split()
)


@dataclass(frozen=True)
class MetricName:
    words: frozenset[str]
    metric: str
    tech: frozenset[str]  # its technology words ("5g")
    core: frozenset[str]  # the words a question must hold to name it


@dataclass
class FactIndex:
    # (subject lower, metric) -> period -> fact
    facts: dict[tuple[str, str], dict[str, FactRecord]] = field(default_factory=dict)
    # canonical key of a metric name or alias -> metric
    phrases: dict[str, str] = field(default_factory=dict)
    subjects: dict[str, str] = field(default_factory=dict)  # lower -> as stored
    vocabulary: frozenset[str] = frozenset()
    metrics: frozenset[str] = frozenset()
    # what matching a question against the names needs, worked out once per index
    # rather than for every question (handlers/plan.py match_metrics):
    # metric -> every word of its names and aliases
    metric_words: dict[str, frozenset[str]] = field(default_factory=dict)
    # each name or alias, in phrase order
    names: tuple[MetricName, ...] = ()
    # the rarest word of each name's core -> those names' positions in `names`: a name
    # whose core a question holds is found without testing every name (~150 of them)
    names_by_word: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def names_within(self, words: set[str]) -> list[MetricName]:
        """The names whose every core word is in `words`, in phrase order."""
        hits = sorted({i for w in words for i in self.names_by_word.get(w, ())})
        return [n for n in map(self.names.__getitem__, hits) if n.core <= words]

    def periods(self, subject: str, metric: str) -> dict[str, FactRecord]:
        return self.facts.get((subject.lower(), metric), {})


@dataclass
class LicenceIndex:
    licences: list[LicenceRecord] = field(default_factory=list)
    # first token of a licensee name -> names starting with it (lower-cased key, as stored)
    names: dict[str, list[tuple[tuple[str, ...], str]]] = field(default_factory=dict)
    name_tokens: frozenset[str] = frozenset()
    # positions in `licences` by licensee name and by signing year, in list order, so a
    # question about one licensee or year reads only those (thousands of licences)
    by_licensee: dict[str, list[int]] = field(default_factory=dict)
    signed_in: dict[int, list[int]] = field(default_factory=dict)

    def picked(self, positions: Iterable[int]) -> list[LicenceRecord]:
        return [self.licences[p] for p in sorted(set(positions))]


@dataclass
class SearchResult:
    positions: list[int]
    total: int
    exact_total: bool
    words: list[str]
    unknown_words: list[str]


def build_fact_index(facts: Iterable[FactRecord], aliases: Iterable[AliasRecord]) -> FactIndex:
    idx = FactIndex()
    by_key: dict[tuple[str, str], dict[str, FactRecord]] = defaultdict(dict)
    metrics: set[str] = set()
    for f in facts:
        by_key[(f.subject.lower(), f.metric)][f.period] = f
        idx.subjects[f.subject.lower()] = f.subject
        metrics.add(f.metric)
    idx.facts = dict(by_key)
    idx.metrics = frozenset(metrics)
    vocab: set[str] = set()
    phrase_tokens: dict[str, frozenset[str]] = {}
    # in a fixed order: which phrase a tie in matching or suggesting lands on must not
    # depend on the process's string hashing
    for phrase, metric in [(m, m) for m in sorted(metrics)] + sorted((a.alias, a.metric) for a in aliases):
        k = tx.key(phrase)
        if not k:
            continue
        # a metric's own name wins over an alias that happens to normalise the same
        if k not in idx.phrases or phrase == metric:
            idx.phrases[k] = metric
        toks = frozenset(k.split())
        phrase_tokens[k] = toks
        vocab |= toks
    idx.vocabulary = frozenset(vocab)
    metric_words: dict[str, set[str]] = defaultdict(set)
    names = []
    for k, toks in phrase_tokens.items():
        metric = idx.phrases[k]
        metric_words[metric] |= toks
        tech = frozenset(t for t in toks if t in lx.TECHNOLOGY or t.startswith("wifi"))
        core = toks - lx.SOFT - tech - ({"royalty"} if tech else set())
        names.append(MetricName(toks, metric, tech, core or toks))
    idx.metric_words = {m: frozenset(w) for m, w in metric_words.items()}
    idx.names = tuple(names)
    in_cores = Counter(w for n in names for w in n.core)
    by_word: dict[str, list[int]] = defaultdict(list)
    for i, n in enumerate(names):
        by_word[min(n.core, key=lambda w: (in_cores[w], w))].append(i)
    idx.names_by_word = {w: tuple(ids) for w, ids in by_word.items()}
    return idx


def build_licence_index(licences: Iterable[LicenceRecord]) -> LicenceIndex:
    idx = LicenceIndex(licences=list(licences))
    names: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
    all_tokens: set[str] = set()
    for name in sorted({lc.licensee for lc in idx.licences}):
        toks = tuple(tx.tokens(name))
        if toks:
            names[toks[0]].append((toks, name))
            all_tokens |= set(toks)
    idx.names = dict(names)
    idx.name_tokens = frozenset(all_tokens)
    by_licensee: dict[str, list[int]] = defaultdict(list)
    signed_in: dict[int, list[int]] = defaultdict(list)
    for pos, lc in enumerate(idx.licences):
        by_licensee[lc.licensee].append(pos)
        if lc.signed_on:
            signed_in[lc.signed_on.year].append(pos)
    idx.by_licensee, idx.signed_in = dict(by_licensee), dict(signed_in)
    return idx


def closest(query: str, titles: Sequence[str], limit: int) -> list[int]:
    """Which `limit` of `titles` (padded, as indexed) read closest to `query`, best
    first: token-set similarity, then the shorter title, then the earlier one. Both
    patent engines rank with it; scored in one C call rather than one per title."""
    if not titles:
        return []
    import numpy as np  # with the first patent search, not at start-up (_NUMPY_LATE)

    scores = process.cdist([query], titles, scorer=fuzz.token_set_ratio, dtype=np.float64, workers=1)[0]
    lengths = np.fromiter(map(len, titles), dtype=np.int64, count=len(titles))
    order = np.lexsort((np.arange(len(titles)), lengths, -scores))
    best: list[int] = order[:limit].tolist()
    return best


@functools.lru_cache(maxsize=4096)
def _closest_word(token: str, vocabulary: frozenset[str]) -> str:
    """The vocabulary word closest to a misspelt one, or the word itself. Kept per
    (word, vocabulary): the same typos come back, and a scan of the vocabulary is
    the dearest step of reading a question (an index refresh brings a new set)."""
    hits = process.extract(token, vocabulary, scorer=fuzz.ratio, score_cutoff=85, limit=None)
    # equally close words: the first alphabetically, not whichever a set yields first
    return min(hits, key=lambda h: (-h[1], h[0]))[0] if hits else token


class Index:
    """What the answering engine reads. Swapped part by part, so a question in
    flight always sees a consistent snapshot; the one exception, new patents
    appended to the patent index, happens in one synchronous step and only adds
    positions."""

    def __init__(self, kinds: Collection[str] = ("facts", "patents", "licences"),
                 patent_search: str = "memory") -> None:
        # one-shot commands that never search patents (set, import, export …) leave
        # "patents" out, so they do not wait seconds for a large title index
        self.kinds = frozenset(kinds)
        # "postgres": patent questions are answered by PostgreSQL (handlers/patent_engine.py)
        # and `patents` holds only the title vocabulary
        self.patent_search = patent_search
        self.facts = FactIndex()
        self.patents = PatentIndex()
        self.licences = LicenceIndex()
        self.revisions: dict[str, int] = {}
        # records of the patents recently shown (answers read them, not the database)
        self.records = PatentRecords()
        self._lock = asyncio.Lock()
        # PostgreSQL only: the revision of the indexed columns the patent index holds
        # (store/patents.py index_revision), None before the first build
        self._patent_rev: int | None = None
        # called with the kinds that changed after every refresh that reloaded any
        # (bot/home_refresh.py re-publishes the Home tab); must not block
        self.listeners: list[Callable[[frozenset[str]], None]] = []

    @property
    def warming(self) -> bool:
        """The patent index is wanted but not loaded yet (a server answers figures and
        licences at once and loads patents in the background): patent questions must
        say so rather than find nothing."""
        return "patents" in self.kinds and "patents" not in self.revisions

    async def refresh(self, sessions: async_sessionmaker[AsyncSession], *, force: bool = False,
                      only: Collection[str] | None = None) -> bool:
        """Reload the kinds whose revision moved (of `only`, when given); returns True
        when anything changed."""
        wanted = self.kinds if only is None else self.kinds & frozenset(only)
        async with self._lock:
            async with sessions() as session:
                revs = await revision_repo.current(session=session)
                stale = [k for k, v in revs.items()
                         if k in wanted and (force or self.revisions.get(k) != v)]
                if not stale:
                    return False
                if "facts" in stale:
                    await self._load_facts(session)
                if "licences" in stale:
                    await self._load_licences(session)
                if "patents" in stale:
                    # any patent write (a status, a date, a title) may change a shown record
                    self.records.clear()
                rebuilt = "patents" in stale and await self._load_patents(session)
            self.revisions = {**self.revisions, **{k: revs[k] for k in stale}}
            if rebuilt:
                # Millions of long-lived index objects would be re-walked by every full
                # collection, a pause of ~80 ms at 1M patents in the middle of an answer;
                # frozen, the collector skips them. They hold no reference cycles, so the
                # replaced index is still freed by reference counting. Young garbage is
                # collected first so little of it is frozen with them.
                gc.collect(1)
                gc.freeze()
            log.debug("index refreshed: %s (%d patents)", ", ".join(stale), len(self.patents))
        for listener in list(self.listeners):
            listener(frozenset(stale))
        return True

    async def _load_facts(self, session: AsyncSession) -> None:
        self.facts = build_fact_index(await fact_repo.list_facts(session=session),
                                      await fact_repo.list_aliases(session=session))

    async def _load_licences(self, session: AsyncSession) -> None:
        self.licences = build_licence_index(await licence_repo.list_licences(session=session))

    async def _load_patents(self, session: AsyncSession) -> bool:
        """Returns False when the index was updated in place (no rebuild)."""
        if self.patent_search == "postgres":
            self.patents = await title_words.refresh(session)
            return True
        logged = patent_repo.has_index_log(session=session)
        if logged and self._patent_rev is not None and await self._apply_changes(session):
            return False
        # read before the rows: a change committed while they stream is applied again
        # (harmlessly) by the next refresh
        revision = await patent_repo.index_revision(session=session) if logged else None
        builder = PatentIndexBuilder()
        # Millions of new objects that all survive: the collector would re-walk them
        # over and over (a quarter of the load time at 1M patents) and find nothing.
        collecting = gc.isenabled()
        gc.disable()
        try:
            async for part in patent_repo.stream_index_rows(session=session):
                # per batch in a worker thread: the event loop keeps acknowledging Slack
                await asyncio.to_thread(builder.add, part)
            self.patents = await asyncio.to_thread(builder.finish)
            self._patent_rev = revision
        finally:
            if collecting:
                gc.enable()
        return True

    async def _apply_changes(self, session: AsyncSession) -> bool:
        """Update the titles and numbers changed, removed or added since the index's
        revision in place. False: too many (or an unexpected one), rebuild."""
        assert self._patent_rev is not None
        changes = await patent_repo.index_changes(session=session, after=self._patent_rev,
                                                  limit=INCREMENTAL_MAX + 1)
        if len(changes) > INCREMENTAL_MAX:
            return False
        if changes:
            prepared = await asyncio.to_thread(prepare_changes, self.patents, changes)
            if prepared is None:
                return False
            apply_changes(self.patents, prepared)
            self._patent_rev = changes[-1].rev
        return True

    # ---- matching -------------------------------------------------------------

    def correct(self, token: str, vocabulary: frozenset[str]) -> str:
        """Map a misspelt word onto the vocabulary ("revenu" -> "revenue")."""
        if token in vocabulary or len(token) < 5 or not token.isalpha():
            return token
        return _closest_word(token, vocabulary)

    def _forms(self, word: str) -> list[str]:
        """The title words a query word stands for: its forms in the index ("tailgating"
        -> "tailgater"), else those of the closest indexed word (a typo), else none."""
        pidx = self.patents
        # most titles first, then alphabetical: the same order in both patent engines,
        # whatever order their vocabularies were built or updated in
        forms = sorted(pidx.forms.get(word_stem(word), ()), key=lambda f: (-self._titles_holding(f), f))
        if word in pidx.postings and word not in forms:
            forms.insert(0, word)
        if forms or len(word) < 4:
            return forms
        best = pidx.typos.get(word)
        if best is None:
            bucket = pidx.vocab_by_initial.get(word[:1], [])
            hits = process.extract(word, bucket, scorer=fuzz.ratio, score_cutoff=82, limit=None) if bucket else []
            # equally close words: the one more titles hold, then the first alphabetically —
            # the same in both patent engines, whatever order their vocabularies were built in
            best = min(hits, key=lambda h: (-h[1], -self._titles_holding(h[0]), h[0]))[0] if hits else ""
            if len(pidx.typos) < TYPOS_KEPT:
                pidx.typos[word] = best
        return self._forms(best) if best and best != word else []

    def _titles_holding(self, word: str) -> int:
        pidx = self.patents
        return pidx.doc_counts.get(word) or len(pidx.postings.get(word, ()))

    def resolve(self, words: list[str]) -> tuple[list[list[str]], list[str], list[str]]:
        """The title words each query word stands for (one group per word, stopwords
        left out), the words as they will be shown, and the words no title holds."""
        pidx = self.patents
        groups: list[list[str]] = []
        shown: list[str] = []
        unknown: list[str] = []
        for w in words:
            if w in SEARCH_STOPWORDS or w.isdigit():
                continue
            forms = self._forms(w)
            if not forms:
                unknown.append(w)
            elif forms not in groups:
                groups.append(forms)
                shown.append(w if w in forms or pidx.forms.get(word_stem(w)) else forms[0])
        return groups, shown, unknown

    def title_matches(self, words: list[str], keep: int = CANDIDATE_CAP) -> SearchResult:
        """Every title holding all the words (in any of their forms), up to the
        candidate cap, unranked. `words` of the result are the words as matched."""
        pidx = self.patents
        groups, shown, unknown = self.resolve(words)
        if not groups or unknown:
            return SearchResult([], 0, True, shown, unknown)

        def postings(forms: list[str]) -> list[int] | array[int]:
            if len(forms) == 1:
                return pidx.postings[forms[0]]
            return sorted({p for f in forms for p in pidx.postings[f]})

        sized = sorted(groups, key=lambda g: sum(len(pidx.postings[f]) for f in g))
        rarest = postings(sized[0])
        if len(sized) == 1:
            # one word: its posting list is the answer, counted exactly at no cost
            return SearchResult(list(rarest[:keep]), len(rarest), True, shown, [])
        exact = len(rarest) <= CANDIDATE_CAP
        import numpy as np  # _NUMPY_LATE

        matched = np.array(rarest[:CANDIDATE_CAP], dtype=np.int32)
        # one vectorised pass per word, rarest first: a candidate stays when some form of
        # the word lists it (postings are sorted, so a binary search finds it)
        for g in sized[1:]:
            keep_mask = np.zeros(len(matched), dtype=bool)
            for f in g:
                keep_mask |= pidx.membership(f, matched)
            matched = matched[keep_mask]
            if not len(matched):
                break
        positions: list[int] = matched.tolist()
        return SearchResult(positions, len(positions), exact, shown, [])

    def search_titles(self, words: list[str], limit: int = 10) -> SearchResult:
        res = self.title_matches(words, keep=RERANK)
        if not res.positions:
            return res
        titles = self.patents.titles
        matched = res.positions[:RERANK]
        best = closest(" ".join(res.words), [titles[p] for p in matched], limit)
        return SearchResult([matched[i] for i in best], res.total, res.exact_total, res.words, [])

    def find_licensees(self, toks: list[str]) -> list[str]:
        """Licensee names whose every word appears in the question, in order."""
        found: list[str] = []
        names = self.licences.names
        for i, t in enumerate(toks):
            for name_toks, name in names.get(t, []):
                if tuple(toks[i : i + len(name_toks)]) == name_toks and name not in found:
                    found.append(name)
        return found
