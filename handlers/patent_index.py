"""The patent title index: title words -> positions, patent numbers -> positions,
word forms; built by streaming rows, then kept current in place from the store's
log of changed titles (store/patents.py index_changes) rather than rebuilt."""

from __future__ import annotations

import bisect
from array import array
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import Stemmer

from handlers import text as tx
from store.patents import IndexChange

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

# a word held by at least this many titles is tested by bitmap (PatentIndex.membership)
BITMAP_MIN = 4096
# bitmaps a PatentIndex keeps at once (16 MB at 1M titles)
BITMAPS_KEPT = 128


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
    # a word no title holds -> the title word it is taken for ("" none): a fuzzy scan of
    # the vocabulary done once per word, forgotten when the titles change (apply_changes)
    typos: dict[str, str] = field(default_factory=dict)
    # a frequent word -> its postings as one bit per position (`membership`), made on
    # first use, forgotten whenever postings change (apply_delta, apply_changes)
    bitmaps: dict[str, npt.NDArray[np.uint8]] = field(default_factory=dict)

    def membership(self, word: str, positions: npt.NDArray[np.int32]) -> npt.NDArray[np.bool_]:
        """Which of `positions` (int32) the word's titles hold: a boolean mask.

        A frequent word's positions are tested in its bitmap (N/8 bytes: 15 KB at 120k
        titles, 125 KB at 1M, so the test stays in cache); a rarer one's by binary
        search of its sorted postings. A title search over common words did ~20,000
        binary searches per word in lists of up to 250 KB, each missing the cache: the
        costliest answers inside Slack's acknowledgement."""
        import numpy as np  # with the first search (handlers/index.py _NUMPY_LATE)

        plist = self.postings.get(word)
        if not plist:
            # no title holds it (the postgres engine's vocabulary has no postings)
            return np.zeros(len(positions), dtype=bool)
        if len(plist) >= BITMAP_MIN:
            bits = self.bitmaps.get(word)
            if bits is None:
                if len(self.bitmaps) >= BITMAPS_KEPT:
                    self.bitmaps.clear()
                held = np.zeros(len(self.ids), dtype=bool)
                held[np.array(plist, dtype=np.int32)] = True
                bits = self.bitmaps[word] = np.packbits(held, bitorder="little")
            held_bits: npt.NDArray[np.bool_] = ((bits[positions >> 3] >> (positions & 7).astype(np.uint8)) & 1) == 1
            return held_bits
        # a copy, not a view: a view would pin the array the next update resizes
        sorted_list = np.array(plist, dtype=np.int32)
        at = np.searchsorted(sorted_list, positions)
        at[at == len(sorted_list)] = 0
        found: npt.NDArray[np.bool_] = sorted_list[at] == positions
        return found

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
        d.words.append(_indexed(toks))
        d.keys.append(nkey)
    d.nokind = pidx.by_number_nokind.with_added([(k, start + i) for i, k in enumerate(d.keys)])
    return d


def apply_delta(pidx: PatentIndex, d: PatentDelta) -> None:
    """Append only: positions already handed out stay valid."""
    assert len(pidx.ids) == d.start, "the patent index changed under a delta"
    postings, initials = pidx.postings, pidx.vocab_by_initial
    pidx.bitmaps.clear()
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


def _indexed(tokens: Iterable[str]) -> list[str]:
    """A title's words that have postings: each once, stopwords left out."""
    return [t for t in dict.fromkeys(tokens) if t not in tx.STOPWORDS]


def _words_of(padded: str) -> list[str]:
    return _indexed(padded.split())


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
        updates.append((pos, c.number_key, padded, _indexed(toks)))
    new_rows = sorted((c.id, c.number_key, c.title) for c in latest.values() if c.id > last_id and not c.removed)
    appended = prepare_delta(pidx, new_rows)
    moved = [(key, pos) for pos, key, _, _ in updates if key != pidx.keys[pos]]
    nokind = appended.nokind.with_added(moved) if moved else appended.nokind
    return PatentChanges(updates, removed, appended, nokind)


def _drop(pidx: PatentIndex, word: str, pos: int) -> None:
    plist = pidx.postings.get(word)
    if plist is None:
        return
    i = bisect.bisect_left(plist, pos)
    if i < len(plist) and plist[i] == pos:
        plist.pop(i)
    if not plist:
        # no title holds it any more: gone from the vocabulary, as after a rebuild
        del pidx.postings[word]
        initials = pidx.vocab_by_initial.get(word[0])
        if initials and word in initials:
            initials.remove(word)
        forms = pidx.forms.get(word_stem(word))
        if forms and word in forms:
            forms.remove(word)


def apply_changes(pidx: PatentIndex, ch: PatentChanges) -> None:
    postings, initials = pidx.postings, pidx.vocab_by_initial
    pidx.typos.clear()  # a new or retitled title may hold a closer word
    pidx.bitmaps.clear()
    for pos, key, padded, words in ch.updates:
        old = set(_words_of(pidx.titles[pos]))
        for t in old.difference(words):
            _drop(pidx, t, pos)
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
            _drop(pidx, t, pos)
        pidx.titles[pos] = " "
        if pidx.by_number.get(pidx.keys[pos]) == pos:
            del pidx.by_number[pidx.keys[pos]]
        pidx.dead.add(pos)
    apply_delta(pidx, ch.appended)
    pidx.by_number_nokind = ch.nokind
