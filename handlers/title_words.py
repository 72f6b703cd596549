"""What a replica answering patent questions from PostgreSQL (IPBOT_PATENT_SEARCH=postgres)
keeps up to date: the search columns of changed titles, written the way the in-memory
index reads titles, and the title vocabulary.

The vocabulary (distinct title words, not patents: tens of thousands of words for
millions of titles) stays in memory because reading a question needs it at once and
synchronously — a word some title holds is not a typo, and a mistyped title word is
corrected towards it with the same scorer as the in-memory engine, which is what
keeps the two engines' replies identical."""

from __future__ import annotations

import asyncio
import logging
from array import array
from collections import defaultdict

import Stemmer
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import text as tx
from handlers.patent_index import PatentIndex, TitleTokenizer
from store import patent_search as search_repo

log = logging.getLogger(__name__)

BATCH = 5000
# longer "words" are not words; a primary key holds them badly
MAX_WORD = 200
_NO_POSITIONS: array[int] = array("i")


def _indexed(tokens: list[str]) -> list[str]:
    """The words of a title the in-memory index posts (distinct, no stopwords)."""
    return [t for t in dict.fromkeys(tokens) if t not in tx.STOPWORDS and len(t) <= MAX_WORD]


def _prepare(rows: list[tuple[int, str, str | None, str | None]],
             deltas: dict[str, search_repo.WordChange]) -> list[tuple[int, str, str, str]]:
    """Search columns of these rows; counts of words gained and lost go into `deltas`."""
    tokenize, stemmer = TitleTokenizer(), Stemmer.Stemmer("english")
    out: list[tuple[int, str, str, str]] = []
    for pid, title, old_title, old_tokens in rows:
        toks = tokenize(title)
        words = _indexed(toks)
        stems = stemmer.stemWords(words)
        for w, st in zip(words, stems, strict=True):
            _, n, first, lost = deltas.get(w, (st, 0, None, False))
            deltas[w] = (st, n + 1, pid if first is None else min(first, pid), lost)
        if old_title is not None:
            for w in _indexed((old_tokens or "").split()):
                st, n, first, _ = deltas.get(w, (str(stemmer.stemWord(w)), 0, None, False))
                deltas[w] = (st, n - 1, first, True)
        out.append((pid, title, " ".join(toks), " ".join(dict.fromkeys(stems))))
    return out


async def fill_pending(session: AsyncSession) -> int:
    """Write the search columns of every row whose title changed (or is new) and count
    its words in the vocabulary, in the caller's transaction. Returns the rows written."""
    await search_repo.lock_filling(session=session)
    deltas: dict[str, search_repo.WordChange] = {}
    after, written = 0, 0
    while rows := await search_repo.pending_rows(session=session, after_id=after, limit=BATCH):
        # tokenising thousands of titles: off the event loop
        prepared = await asyncio.to_thread(_prepare, rows, deltas)
        await search_repo.save_search_columns(session=session, rows=prepared)
        after, written = rows[-1][0], written + len(rows)
    await search_repo.change_words(session=session, deltas=deltas)
    return written


async def load(session: AsyncSession) -> PatentIndex:
    """The title vocabulary as a PatentIndex without positions."""
    words = await search_repo.title_words(session=session)
    idx = PatentIndex()
    forms: dict[str, list[str]] = {}
    initials: dict[str, list[str]] = defaultdict(list)
    for word, stem, ndoc in words:
        idx.postings[word] = _NO_POSITIONS
        idx.doc_counts[word] = ndoc
        forms.setdefault(stem, []).append(word)
        initials[word[0]].append(word)
    idx.forms, idx.vocab_by_initial = forms, dict(initials)
    return idx


async def refresh(session: AsyncSession) -> PatentIndex:
    """Bring the search columns up to date (committed), then load the vocabulary."""
    if await fill_pending(session):
        await session.commit()
        try:
            await search_repo.flush_title_index(session=session)
            await session.commit()
        except DBAPIError as exc:  # not the table's owner: searches are only slower until autovacuum
            await session.rollback()
            log.warning("cannot flush and analyse the title search index: %s", type(exc).__name__)
    else:
        await session.rollback()  # releases the lock
    return await load(session)
