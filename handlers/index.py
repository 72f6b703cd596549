"""The in-memory index every question is matched against.

Built from the store once, then refreshed per kind (facts / patents / licences)
only when that kind's revision counter in the database moved, so a question
never costs a table scan and a change made through any replica is picked up by
all of them. Heavy rebuilds run in a worker thread so the event loop keeps
acknowledging Slack while 100k titles are tokenised."""

from __future__ import annotations

import asyncio
import bisect
import gc
import heapq
import logging
from array import array
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

import Stemmer
from rapidfuzz import fuzz, process
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import text as tx
from handlers.patent_records import PatentRecords
from handlers.replies import FactView, LicenceView
from store import facts as fact_repo
from store import licences as licence_repo
from store import patents as patent_repo
from store import revisions as revision_repo
from store.patents import IndexChange

log = logging.getLogger(__name__)

# Several common words ("patents wireless scheduling vehicle") scan at most this many
# titles of the rarest word's postings; past it the reply says "over N" instead of an
# exact count. A pass costs ~0.1 µs a title, so this bounds a question to a few ms at
# any portfolio size.
CANDIDATE_CAP = 20000
RERANK = 200

# words that say nothing about a patent's topic when searching titles
SEARCH_STOPWORDS = tx.STOPWORDS | frozenset(
    "patent related relating regarding titled title containing mention mentioning find search "
    "concerning covering cover".split()
)


@dataclass
class FactIndex:
    # (subject lower, metric) -> period -> fact
    facts: dict[tuple[str, str], dict[str, FactView]] = field(default_factory=dict)
    # canonical key of a metric name or alias -> metric
    phrases: dict[str, str] = field(default_factory=dict)
    # phrase key -> its tokens, for coverage scoring
    phrase_tokens: dict[str, frozenset[str]] = field(default_factory=dict)
    subjects: dict[str, str] = field(default_factory=dict)  # lower -> as stored
    vocabulary: frozenset[str] = frozenset()
    metrics: frozenset[str] = frozenset()

    def periods(self, subject: str, metric: str) -> dict[str, FactView]:
        return self.facts.get((subject.lower(), metric), {})


class NumberIndex:
    """Patent numbers without their kind code ("US8818681" for "US8818681B1"),
    answered from one sorted list of the full number keys by binary search rather
    than a second dict: at 1M patents that saves a string and a list per patent
    (~150 MB). Reads like the dict it replaces: `key in idx`, `idx[key]` -> positions."""

    def __init__(self, by_number: dict[str, int] | None = None) -> None:
        self._keys: list[str] = sorted(by_number or ())
        self._pos = array("i", ((by_number or {})[k] for k in self._keys))

    def with_added(self, pairs: list[tuple[str, int]]) -> NumberIndex:
        """A new NumberIndex holding these (number key, position) pairs too; self is
        left as it is, since questions may be reading it."""
        out = NumberIndex()
        if len(pairs) <= 500:
            keys, pos = list(self._keys), array("i", self._pos)
            for k, p in pairs:
                i = bisect.bisect_right(keys, k)
                keys.insert(i, k)
                pos.insert(i, p)
        else:
            # two sorted runs: Timsort merges them in one pass
            merged = [*zip(self._keys, self._pos, strict=True), *sorted(pairs)]
            merged.sort()
            keys, pos = [k for k, _ in merged], array("i", (p for _, p in merged))
        out._keys, out._pos = keys, pos
        return out

    def _find(self, nokind: str) -> list[int]:
        keys = self._keys
        i = bisect.bisect_left(keys, nokind)
        out: list[int] = []
        while i < len(keys) and keys[i].startswith(nokind):
            if tx.number_without_kind(keys[i]) == nokind:
                out.append(self._pos[i])
            i += 1
        return out

    def __contains__(self, nokind: object) -> bool:
        return isinstance(nokind, str) and bool(nokind) and bool(self._find(nokind))

    def __getitem__(self, nokind: str) -> list[int]:
        found = self._find(nokind) if nokind else []
        if not found:
            raise KeyError(nokind)
        return found

    def get(self, nokind: str, default: list[int] | None = None) -> list[int] | None:
        return (self._find(nokind) if nokind else None) or default

    def __len__(self) -> int:
        return len(self._keys)


@dataclass
class PatentIndex:
    ids: array[int] = field(default_factory=lambda: array("q"))
    # stemmed title tokens joined and padded with spaces, for the AND filter and re-ranking
    titles: list[str] = field(default_factory=list)
    # token -> ascending positions of the titles holding it
    postings: dict[str, array[int]] = field(default_factory=dict)
    by_number: dict[str, int] = field(default_factory=dict)  # number key -> position
    by_number_nokind: NumberIndex = field(default_factory=NumberIndex)
    vocab_by_initial: dict[str, list[str]] = field(default_factory=dict)
    # Snowball stem -> title words with that stem: "tailgating" finds "tailgaters"
    forms: dict[str, list[str]] = field(default_factory=dict)
    # IPBOT_PATENT_SEARCH=postgres holds only the vocabulary: `postings` maps every title
    # word to no positions, and this says how many titles hold it
    doc_counts: dict[str, int] = field(default_factory=dict)
    # number key of each position, and the positions of patents deleted since the build
    # (changed in place by `apply_changes`, never reused)
    keys: list[str] = field(default_factory=list)
    dead: set[int] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.ids) - len(self.dead)

    def positions_of(self, nokind: str) -> list[int]:
        """Positions of a number without its kind code ("US8818681")."""
        found = self.by_number_nokind.get(nokind) or []
        if not self.keys:
            return found
        # a changed or deleted number leaves its old entry behind: checked here
        return [p for p in found if p not in self.dead and tx.number_without_kind(self.keys[p]) == nokind]


_STEMMER = Stemmer.Stemmer("english")


def word_stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


def add_forms(forms: dict[str, list[str]], words: list[str]) -> None:
    for w, st in zip(words, _STEMMER.stemWords(words), strict=True):
        forms.setdefault(st, []).append(w)


@dataclass
class LicenceIndex:
    licences: list[LicenceView] = field(default_factory=list)
    # first token of a licensee name -> names starting with it (lower-cased key, as stored)
    names: dict[str, list[tuple[tuple[str, ...], str]]] = field(default_factory=dict)
    name_tokens: frozenset[str] = frozenset()


@dataclass
class SearchResult:
    positions: list[int]
    total: int
    exact_total: bool
    words: list[str]
    unknown_words: list[str]


def build_fact_index(facts: Iterable[FactView], aliases: dict[str, str]) -> FactIndex:
    idx = FactIndex()
    by_key: dict[tuple[str, str], dict[str, FactView]] = defaultdict(dict)
    metrics: set[str] = set()
    for f in facts:
        by_key[(f.subject.lower(), f.metric)][f.period] = f
        idx.subjects[f.subject.lower()] = f.subject
        metrics.add(f.metric)
    idx.facts = dict(by_key)
    idx.metrics = frozenset(metrics)
    vocab: set[str] = set()
    for phrase, metric in [(m, m) for m in metrics] + list(aliases.items()):
        k = tx.key(phrase)
        if not k:
            continue
        # a metric's own name wins over an alias that happens to normalise the same
        if k not in idx.phrases or phrase == metric:
            idx.phrases[k] = metric
        toks = frozenset(k.split())
        idx.phrase_tokens[k] = toks
        vocab |= toks
    idx.vocabulary = frozenset(vocab)
    return idx


class TitleTokenizer:
    """`text.tokens` for patent titles, about five times faster: titles are nearly
    always plain ASCII (no Slack markup or control characters to strip, NFKC is
    the identity) and repeat a small vocabulary, so each distinct raw word is
    normalised once and then looked up. Anything unusual falls back to the full
    path; tests/handlers/test_index_scale.py checks both give the same tokens."""

    def __init__(self) -> None:
        self._cache: dict[str, list[str]] = {}

    def __call__(self, title: str) -> list[str]:
        if not (title.isascii() and title.isprintable()) or "<" in title or "'" in title:
            return tx.tokens(title)
        text = title.lower()
        if "d" in text or "wi" in text:
            text = tx.prepare(text)
        # printable ASCII: words are separated by spaces only, and no token spans one
        words = text.split()
        cache = self._cache
        try:
            parts = [cache[w] for w in words]
        except KeyError:
            for w in words:
                if w not in cache:
                    cache[w] = [t for raw in tx._TOKEN.findall(w) for t in tx.tokens(raw)]
            parts = [cache[w] for w in words]
        return tx.join_generations([t for part in parts for t in part])


class PatentIndexBuilder:
    """Builds a PatentIndex from the rows as they stream in, so the whole table
    never sits in memory as Python tuples next to the index built from it."""

    def __init__(self) -> None:
        self.idx = PatentIndex()
        self._tokens = TitleTokenizer()
        self._postings: dict[str, array[int]] = {}

    def add(self, rows: Iterable[tuple[int, str, str]]) -> None:
        idx, postings, stop, tokens = self.idx, self._postings, tx.STOPWORDS, self._tokens
        ids, titles, by_number, keys = idx.ids, idx.titles, idx.by_number, idx.keys
        pos = len(ids)
        for pid, nkey, title in rows:
            ids.append(pid)
            keys.append(nkey)
            toks = tokens(title or "")
            titles.append(" " + " ".join(toks) + " ")
            for t in set(toks):
                if t not in stop:
                    plist = postings.get(t)
                    if plist is None:
                        plist = postings[t] = array("i")
                    plist.append(pos)
            by_number[nkey] = pos
            pos += 1

    def finish(self) -> PatentIndex:
        idx = self.idx
        idx.postings = self._postings
        idx.by_number_nokind = NumberIndex(idx.by_number)
        initials: dict[str, list[str]] = defaultdict(list)
        for t in idx.postings:
            initials[t[0]].append(t)
        idx.vocab_by_initial = dict(initials)
        add_forms(idx.forms, list(idx.postings))
        return idx


def build_patent_index(rows: Iterable[tuple[int, str, str]]) -> PatentIndex:
    builder = PatentIndexBuilder()
    builder.add(rows)
    return builder.finish()


@dataclass
class PatentDelta:
    """New patents tokenised off the event loop, applied to the live index in one
    synchronous step (so no question sees half of it)."""

    start: int
    ids: list[int]
    titles: list[str]
    words: list[list[str]]
    keys: list[str]
    nokind: NumberIndex


def prepare_delta(pidx: PatentIndex, rows: list[tuple[int, str, str]]) -> PatentDelta:
    tokens = TitleTokenizer()
    start = len(pidx.ids)
    d = PatentDelta(start, [], [], [], [], NumberIndex())
    for pid, nkey, title in rows:
        toks = tokens(title or "")
        d.ids.append(pid)
        d.titles.append(" " + " ".join(toks) + " ")
        d.words.append([t for t in dict.fromkeys(toks) if t not in tx.STOPWORDS])
        d.keys.append(nkey)
    d.nokind = pidx.by_number_nokind.with_added([(k, start + i) for i, k in enumerate(d.keys)])
    return d


def apply_delta(pidx: PatentIndex, d: PatentDelta) -> None:
    """Append only: positions already handed out stay valid."""
    assert len(pidx.ids) == d.start, "the patent index changed under a delta"
    postings, initials = pidx.postings, pidx.vocab_by_initial
    for i, pid in enumerate(d.ids):
        pos = d.start + i
        pidx.ids.append(pid)
        pidx.titles.append(d.titles[i])
        for t in d.words[i]:
            plist = postings.get(t)
            if plist is None:
                plist = postings[t] = array("i")
                initials.setdefault(t[0], []).append(t)
                add_forms(pidx.forms, [t])
            plist.append(pos)
        pidx.by_number[d.keys[i]] = pos
        pidx.keys.append(d.keys[i])
    pidx.by_number_nokind = d.nokind


# A patent change touching at most this many titles or numbers updates the live index
# instead of rebuilding it: milliseconds instead of seconds at 1M patents.
INCREMENTAL_MAX = 20_000


@dataclass
class PatentChanges:
    """Changed, removed and new titles tokenised off the event loop, applied to the
    live index in one synchronous step (so no question sees half of it)."""

    # (position, number key, padded title, its words without stopwords)
    updates: list[tuple[int, str, str, list[str]]]
    removed: list[int]
    appended: PatentDelta
    nokind: NumberIndex


def _words_of(padded: str) -> list[str]:
    return [t for t in dict.fromkeys(padded.split()) if t not in tx.STOPWORDS]


def prepare_changes(pidx: PatentIndex, changes: list[IndexChange]) -> PatentChanges | None:
    """None: a change the index cannot take in place (rebuild instead)."""
    latest: dict[int, IndexChange] = {}
    for c in changes:  # oldest first: the last change of a row wins
        latest[c.id] = c
    ids = pidx.ids
    last_id = ids[-1] if ids else 0
    tokens = TitleTokenizer()
    updates: list[tuple[int, str, str, list[str]]] = []
    removed: list[int] = []
    for c in latest.values():
        if c.id > last_id:
            continue
        pos = bisect.bisect_left(ids, c.id)
        if pos == len(ids) or ids[pos] != c.id:
            if c.removed:
                continue  # never indexed
            return None  # an older id the index never held: rebuild
        if pos in pidx.dead:
            continue
        if c.removed:
            removed.append(pos)
            continue
        toks = tokens(c.title or "")
        padded = " " + " ".join(toks) + " "
        updates.append((pos, c.number_key, padded, [t for t in dict.fromkeys(toks) if t not in tx.STOPWORDS]))
    new_rows = sorted((c.id, c.number_key, c.title) for c in latest.values() if c.id > last_id and not c.removed)
    appended = prepare_delta(pidx, new_rows)
    moved = [(key, pos) for pos, key, _, _ in updates if key != pidx.keys[pos]]
    nokind = appended.nokind.with_added(moved) if moved else appended.nokind
    return PatentChanges(updates, removed, appended, nokind)


def _drop(postings: dict[str, array[int]], word: str, pos: int) -> None:
    plist = postings.get(word)
    if plist is not None:
        i = bisect.bisect_left(plist, pos)
        if i < len(plist) and plist[i] == pos:
            plist.pop(i)


def apply_changes(pidx: PatentIndex, ch: PatentChanges) -> None:
    postings, initials = pidx.postings, pidx.vocab_by_initial
    for pos, key, padded, words in ch.updates:
        old = set(_words_of(pidx.titles[pos]))
        for t in old.difference(words):
            _drop(postings, t, pos)
        for t in words:
            if t in old:
                continue
            plist = postings.get(t)
            if plist is None:
                plist = postings[t] = array("i")
                initials.setdefault(t[0], []).append(t)
                add_forms(pidx.forms, [t])
            bisect.insort(plist, pos)
        pidx.titles[pos] = padded
        old_key = pidx.keys[pos]
        if old_key != key:
            if pidx.by_number.get(old_key) == pos:
                del pidx.by_number[old_key]
            pidx.by_number[key] = pos
            pidx.keys[pos] = key
    for pos in ch.removed:
        for t in _words_of(pidx.titles[pos]):
            _drop(postings, t, pos)
        pidx.titles[pos] = " "
        if pidx.by_number.get(pidx.keys[pos]) == pos:
            del pidx.by_number[pidx.keys[pos]]
        pidx.dead.add(pos)
    apply_delta(pidx, ch.appended)
    pidx.by_number_nokind = ch.nokind


def build_licence_index(licences: Iterable[LicenceView]) -> LicenceIndex:
    idx = LicenceIndex(licences=list(licences))
    names: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
    all_tokens: set[str] = set()
    for name in {lc.licensee for lc in idx.licences}:
        toks = tuple(tx.tokens(name))
        if toks:
            names[toks[0]].append((toks, name))
            all_tokens |= set(toks)
    idx.names = dict(names)
    idx.name_tokens = frozenset(all_tokens)
    return idx


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
        rows = await fact_repo.list_facts(session=session)
        aliases = await fact_repo.list_aliases(session=session)
        views = [
            FactView(f.subject, f.metric, f.period, f.value, f.unit, f.qualifier, f.source, f.numeric)
            for f in rows
        ]
        self.facts = build_fact_index(views, aliases)

    async def _load_licences(self, session: AsyncSession) -> None:
        rows = await licence_repo.list_licences(session=session)
        views = [
            LicenceView(r.licensee, r.licensor, r.kind, r.technology, r.signed_on, r.expires_on,
                        r.territory, r.status)
            for r in rows
        ]
        self.licences = build_licence_index(views)

    async def _load_patents(self, session: AsyncSession) -> bool:
        """Returns False when the index was updated in place (no rebuild)."""
        if self.patent_search == "postgres":
            from handlers import title_words  # it builds on this module

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
        hit = process.extractOne(token, vocabulary, scorer=fuzz.ratio, score_cutoff=85)
        return hit[0] if hit else token

    def _forms(self, word: str) -> list[str]:
        """The title words a query word stands for: its forms in the index ("tailgating"
        -> "tailgater"), else those of the closest indexed word (a typo), else none."""
        pidx = self.patents
        forms = list(pidx.forms.get(word_stem(word), ()))
        if word in pidx.postings and word not in forms:
            forms.insert(0, word)
        if forms or len(word) < 4:
            return forms
        bucket = pidx.vocab_by_initial.get(word[:1], [])
        hit = process.extractOne(word, bucket, scorer=fuzz.ratio, score_cutoff=82) if bucket else None
        return self._forms(hit[0]) if hit and hit[0] != word else []

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
        matched = list(rarest if exact else rarest[:CANDIDATE_CAP])
        titles = pidx.titles
        # one flat pass per word, rarest first, so later passes see few candidates
        for g in sized[1:]:
            padded = [f" {f} " for f in g]
            if len(padded) == 1:
                one = padded[0]
                matched = [p for p in matched if one in titles[p]]
            else:
                matched = [p for p in matched if any(f in titles[p] for f in padded)]
            if not matched:
                break
        return SearchResult(matched, len(matched), exact, shown, [])

    def search_titles(self, words: list[str], limit: int = 10) -> SearchResult:
        res = self.title_matches(words, keep=RERANK)
        if not res.positions:
            return res
        titles = self.patents.titles
        query = " ".join(res.words)
        matched = res.positions[:RERANK]
        scored = heapq.nlargest(
            limit, matched, key=lambda p: (fuzz.token_set_ratio(query, titles[p]), -len(titles[p]))
        )
        return SearchResult(scored, res.total, res.exact_total, res.words, [])

    def find_licensees(self, toks: list[str]) -> list[str]:
        """Licensee names whose every word appears in the question, in order."""
        found: list[str] = []
        names = self.licences.names
        for i, t in enumerate(toks):
            for name_toks, name in names.get(t, []):
                if tuple(toks[i : i + len(name_toks)]) == name_toks and name not in found:
                    found.append(name)
        return found
