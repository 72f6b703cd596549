"""The two engines that answer patent questions (IPBOT_PATENT_SEARCH): the in-memory
index (handlers/index.py) and PostgreSQL (store/patent_search.py). The intents ask
`of(deps)` and never know which one answers; both give the same replies
(tests/handlers/test_patent_engines.py)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import text as tx
from handlers.deps import Deps
from handlers.errors import StoreUnavailable
from handlers.index import CANDIDATE_CAP, RERANK, Index, closest
from handlers.patent_index import word_stem
from store import patent_search as search_repo
from store import patents as patent_repo
from store.patent_search import TitleCondition
from store.patents import PatentFilter
from store.records import PatentRecord


@dataclass(frozen=True)
class TitleHits:
    """Patents whose titles hold the words: ids best first (a search) or by id (a
    filter), how many there are, and whether that count is exact."""

    ids: list[int]
    total: int
    exact_total: bool
    words: list[str]
    unknown_words: list[str]
    # PostgreSQL: the same titles as a condition, for counting them with other filters
    condition: TitleCondition | None = None


class PatentSearch(Protocol):
    def has_titles(self, words: list[str]) -> bool:
        """Whether some title holds all the words (while planning: no I/O)."""
        ...

    async def search_titles(self, words: list[str], limit: int = 10) -> TitleHits:
        """The `limit` titles closest to the words among those holding them all."""
        ...

    async def title_filter(self, words: list[str]) -> TitleHits:
        """Every title holding the words, up to the candidate cap, for counting."""
        ...

    async def by_number(self, nkey: str) -> list[int]:
        """Ids of the patent with this number key, else of those with this number
        whatever their kind code; [] when none."""
        ...

    async def query(self, where: PatentFilter, titles: TitleHits | None,
                    limit: int) -> tuple[int, list[PatentRecord]]:
        """How many patents meet the conditions (and hold the title words), and the
        first `limit` of them by number."""
        ...


def of(deps: Deps) -> PatentSearch:
    if deps.index.patent_search == "postgres":
        return PostgresPatentSearch(deps.index, deps.sessions)
    return MemoryPatentSearch(deps.index, deps.sessions)


class MemoryPatentSearch:
    def __init__(self, index: Index, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.index, self.sessions = index, sessions

    def has_titles(self, words: list[str]) -> bool:
        res = self.index.search_titles(words, limit=1)
        return bool(res.positions) and not res.unknown_words

    async def search_titles(self, words: list[str], limit: int = 10) -> TitleHits:
        res = self.index.search_titles(words, limit)
        ids = self.index.patents.ids
        return TitleHits([ids[p] for p in res.positions], res.total, res.exact_total, res.words, res.unknown_words)

    async def title_filter(self, words: list[str]) -> TitleHits:
        res = self.index.title_matches(words)
        ids = self.index.patents.ids
        return TitleHits([ids[p] for p in res.positions], res.total, res.exact_total, res.words, res.unknown_words)

    async def by_number(self, nkey: str) -> list[int]:
        pidx = self.index.patents
        if nkey in pidx.by_number:
            return [pidx.ids[pidx.by_number[nkey]]]
        return [pidx.ids[p] for p in pidx.positions_of(tx.number_without_kind(nkey))]

    async def query(self, where: PatentFilter, titles: TitleHits | None,
                    limit: int) -> tuple[int, list[PatentRecord]]:
        if titles is not None:
            where = dataclasses.replace(where, ids=tuple(titles.ids))
        try:
            async with self.sessions() as session:
                return await patent_repo.query(session=session, where=where, limit=limit)
        except (SQLAlchemyError, OSError) as exc:
            raise StoreUnavailable() from exc


class PostgresPatentSearch:
    """Words are resolved against the vocabulary in memory exactly as the in-memory
    engine resolves them (word forms, typos); which titles hold them, how many, and
    every count and list come from PostgreSQL."""

    def __init__(self, index: Index, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.index, self.sessions = index, sessions

    def _groups(self, words: list[str]) -> tuple[list[tuple[str, ...]], list[int], list[str], list[str]]:
        """Stems per word, ordered as the in-memory engine orders its groups (fewest
        title occurrences first), with their occurrence counts."""
        groups, shown, unknown = self.index.resolve(words)
        counts = self.index.patents.doc_counts
        sized = sorted(groups, key=lambda g: sum(counts.get(f, 0) for f in g))
        stems = [tuple(dict.fromkeys(word_stem(f) for f in g)) for g in sized]
        # one form: its count is the number of titles holding it; several forms of a
        # word may share a title, so theirs is counted by PostgreSQL
        exact = [counts.get(g[0], 0) if len(g) == 1 else -1 for g in sized]
        return stems, exact, shown, unknown

    def has_titles(self, words: list[str]) -> bool:
        # every word is held by some title; whether one title holds them all would need
        # the database, which planning cannot wait for (see the README)
        groups, _, _, unknown = self._groups(words)
        return bool(groups) and not unknown

    async def _matching(self, session: AsyncSession, words: list[str],
                        ) -> tuple[TitleCondition | None, int, bool, list[str], list[str]]:
        """The condition for the titles the in-memory engine would match, the number of
        titles holding the first (rarest) word, and whether the matches are complete."""
        stems, counts, shown, unknown = self._groups(words)
        if not stems or unknown:
            return None, 0, True, shown, unknown
        first = counts[0] if counts[0] >= 0 else await search_repo.count_titles(
            session=session, title=TitleCondition(tuple(stems[:1])))
        complete = len(stems) == 1 or first <= CANDIDATE_CAP
        cond = TitleCondition(tuple(stems), None if len(stems) > 1 and complete else CANDIDATE_CAP)
        return cond, first, complete, shown, unknown

    async def search_titles(self, words: list[str], limit: int = 10) -> TitleHits:
        try:
            async with self.sessions() as session:
                cond, first, complete, shown, unknown = await self._matching(session, words)
                if cond is None:
                    return TitleHits([], 0, True, shown, unknown)
                if len(cond.groups) == 1:
                    rows = await search_repo.first_titles(
                        session=session, title=TitleCondition(cond.groups), limit=RERANK)
                    total = first
                else:
                    rows = await search_repo.first_titles(session=session, title=cond, limit=RERANK)
                    total = len(rows) if len(rows) < RERANK else await search_repo.count_titles(
                        session=session, title=cond)
        except (SQLAlchemyError, OSError) as exc:
            raise StoreUnavailable() from exc
        if not rows:
            return TitleHits([], 0, complete, shown, [])
        query = " ".join(shown)
        # the in-memory engine's ranking, on the same tokens
        best = closest(query, [f" {title} " for _, title in rows], limit)
        return TitleHits([rows[i][0] for i in best], total, complete, shown, [], condition=cond)

    async def title_filter(self, words: list[str]) -> TitleHits:
        try:
            async with self.sessions() as session:
                cond, first, complete, shown, unknown = await self._matching(session, words)
                if cond is None:
                    return TitleHits([], 0, True, shown, unknown)
                if len(cond.groups) == 1 and first <= CANDIDATE_CAP:
                    cond = TitleCondition(cond.groups)  # all of them: no cap to apply
                found = await search_repo.first_titles(session=session, title=cond, limit=1)
        except (SQLAlchemyError, OSError) as exc:
            raise StoreUnavailable() from exc
        # the ids are not needed: counts and lists take the condition
        return TitleHits([pid for pid, _ in found], len(found), complete, shown, [], condition=cond)

    async def by_number(self, nkey: str) -> list[int]:
        try:
            async with self.sessions() as session:
                return (await search_repo.ids_by_number_key(session=session, key=nkey)
                        or await search_repo.ids_by_number_nokind(session=session, nokind=tx.number_without_kind(nkey)))
        except (SQLAlchemyError, OSError) as exc:
            raise StoreUnavailable() from exc

    async def query(self, where: PatentFilter, titles: TitleHits | None,
                    limit: int) -> tuple[int, list[PatentRecord]]:
        try:
            async with self.sessions() as session:
                return await search_repo.query(
                    session=session, where=where, title=titles.condition if titles else None, limit=limit)
        except (SQLAlchemyError, OSError) as exc:
            raise StoreUnavailable() from exc
