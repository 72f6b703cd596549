"""Patent questions answered by PostgreSQL (IPBOT_PATENT_SEARCH=postgres): title words
through a GIN index over the stems the in-memory engine would use, numbers through
the number key, counts and lists through the same conditions as store/patents.py.

Titles are matched on `search_stems`, written from Python (handlers/title_words.py)
rather than by PostgreSQL's own parser and english dictionary, which split and stem
some words differently ("wi-fi 6", "r&d", plurals folded first): both engines then
find exactly the same titles. Migrations 0010 and 0013 hold the indexes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, cast, delete, func, literal_column, select, text, update
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Patent, PatentTitleWord
from store.patents import PatentFilter, _conditions, first_by_number
from store.records import PatentRecord

# one filler of search columns at a time across replicas (pg_advisory_xact_lock)
_FILL_LOCK = 0x1B0_7E5E
# first_id of a word only counted down (it exists already; least() keeps its own)
_NO_ID = 2**31 - 1


def lexemes(stems: Sequence[str]) -> str:
    """tsquery text matching any of these stems, each taken verbatim."""
    quoted = ["'" + s.replace("\\", "\\\\").replace("'", "''") + "'" for s in stems]
    return quoted[0] if len(quoted) == 1 else "(" + " | ".join(quoted) + ")"


@dataclass(frozen=True)
class TitleCondition:
    """Titles holding every group of stems (a group: any of its stems). `cap`: only
    the first `cap` titles by id holding the first group are considered, as the
    in-memory engine does past its candidate cap."""

    groups: tuple[tuple[str, ...], ...]
    cap: int | None = None


def _stems_vector() -> ColumnElement[object]:
    # exactly the indexed expression (migration 0010), the separator a constant too
    return func.array_to_tsvector(func.string_to_array(Patent.search_stems, literal_column("' '")))


def _matches(groups: Sequence[Sequence[str]]) -> ColumnElement[bool]:
    query = " & ".join(lexemes(g) for g in groups)
    # a constant, not a bound parameter: a prepared statement's generic plan cannot tell
    # a word in half the titles (walk the primary key) from a rare one (ask the GIN
    # index), and picked the slow plan for one of them. Quoted as an E'' string, so
    # quotes and backslashes in a word stay data whatever the server's settings.
    sql = "E'" + query.replace("\\", "\\\\").replace("'", "''") + "'"
    return _stems_vector().bool_op("@@")(cast(literal_column(sql), TSQUERY))


def _title_condition(t: TitleCondition) -> ColumnElement[bool]:
    if t.cap is None:
        return _matches(t.groups)
    first = select(Patent.id).where(_matches(t.groups[:1])).order_by(Patent.id).limit(t.cap)
    cond = Patent.id.in_(first.scalar_subquery())
    return and_(cond, _matches(t.groups[1:])) if len(t.groups) > 1 else cond


async def count_titles(*, session: AsyncSession, title: TitleCondition) -> int:
    return int(await session.scalar(select(func.count()).select_from(Patent).where(_title_condition(title))) or 0)


async def first_titles(*, session: AsyncSession, title: TitleCondition, limit: int) -> list[tuple[int, str]]:
    """(id, tokens of the title) of the first `limit` matching titles by id."""
    rows = await session.execute(
        select(Patent.id, Patent.search_tokens).where(_title_condition(title)).order_by(Patent.id).limit(limit)
    )
    return [(int(r[0]), r[1] or "") for r in rows]


async def query(*, session: AsyncSession, where: PatentFilter, title: TitleCondition | None,
                limit: int) -> tuple[int, list[PatentRecord]]:
    """store/patents.py:query with the title words as a condition instead of a list of ids."""
    cond = _conditions(where)
    if title is not None:
        cond.append(_title_condition(title))
    return await first_by_number(session=session, cond=cond, limit=limit)


async def ids_by_number_key(*, session: AsyncSession, key: str) -> list[int]:
    """The patent with this exact number key (the last stored, as the memory index keeps)."""
    # no ORDER BY … LIMIT: it can tempt the planner into walking the primary key
    ids = (await session.scalars(select(Patent.id).where(Patent.number_key == key))).all()
    return [max(int(i) for i in ids)] if ids else []


def _number_nokind() -> ColumnElement[str]:
    # handlers/text.py:number_without_kind in SQL; migration 0013 indexes this expression
    # (0010's regexp_replace, cheaper): a key of that shape loses its trailing digit, then
    # its letter. Constants inline, not bound: only then does PostgreSQL match the index.
    key = Patent.number_key
    return case((key.bool_op("~")(literal_column("'^[A-Z]{2}[0-9]+[A-Z][0-9]?$'")),
                 func.rtrim(func.rtrim(key, literal_column("'0123456789'")),
                            literal_column("'ABCDEFGHIJKLMNOPQRSTUVWXYZ'"))),
                else_=key)


async def ids_by_number_nokind(*, session: AsyncSession, nokind: str) -> list[int]:
    """Patents whose number without kind code is this, in number-key order."""
    rows = (await session.execute(select(Patent.id, Patent.number_key).where(_number_nokind() == nokind))).all()
    last: dict[str, int] = {}
    for pid, key in sorted((int(r[0]), r[1]) for r in rows):
        last[key] = pid  # one patent per key, the last stored
    return [last[k] for k in sorted(last)]


# ---- keeping the search columns and the title vocabulary up to date ----------------


async def lock_filling(*, session: AsyncSession) -> None:
    """Wait until no other replica is filling search columns; held to the end of the transaction."""
    await session.execute(select(func.pg_advisory_xact_lock(_FILL_LOCK)))


async def pending_rows(*, session: AsyncSession, after_id: int,
                       limit: int) -> list[tuple[int, str, str | None, str | None]]:
    """(id, title, title searched so far, its tokens) of rows whose title changed since
    their search columns were written (or that never had them), oldest first."""
    rows = await session.execute(
        select(Patent.id, Patent.title, Patent.search_title, Patent.search_tokens)
        .where(Patent.search_title.is_distinct_from(Patent.title), Patent.id > after_id)
        .order_by(Patent.id).limit(limit)
    )
    return [(int(r[0]), r[1] or "", r[2], r[3]) for r in rows]


async def save_search_columns(*, session: AsyncSession, rows: list[tuple[int, str, str, str]]) -> None:
    """(id, title, tokens, stems) per row."""
    if not rows:
        return
    # one statement per batch, the rows as four arrays: several times faster than a
    # statement per row (executemany) at a million rows
    ids, titles, toks, stems = (list(c) for c in zip(*rows, strict=True))
    await session.execute(text(
        "UPDATE patents SET search_title = u.title, search_tokens = u.toks, search_stems = u.stems "
        "FROM unnest(CAST(:ids AS integer[]), CAST(:titles AS text[]), CAST(:toks AS text[]), "
        "CAST(:stems AS text[])) AS u(id, title, toks, stems) WHERE patents.id = u.id"
    ), {"ids": ids, "titles": titles, "toks": toks, "stems": stems})


# word -> (stem, change in the number of titles holding it, first id of a title newly
# holding it, whether some title lost it)
WordChange = tuple[str, int, int | None, bool]


async def change_words(*, session: AsyncSession, deltas: dict[str, WordChange]) -> None:
    """Count title words gained and lost; words no title holds any more are removed."""
    params = [{"word": w, "stem": stem, "ndoc": n, "first_id": first if first is not None else _NO_ID}
              for w, (stem, n, first, _) in deltas.items() if n or first is not None]
    if not params:
        return
    stmt = pg_insert(PatentTitleWord)
    stmt = stmt.on_conflict_do_update(index_elements=[PatentTitleWord.word], set_={
        "ndoc": PatentTitleWord.ndoc + stmt.excluded.ndoc,
        "first_id": func.least(PatentTitleWord.first_id, stmt.excluded.first_id),
    })
    for i in range(0, len(params), 5000):
        await session.execute(stmt, params[i : i + 5000])
    await session.execute(delete(PatentTitleWord).where(PatentTitleWord.ndoc <= 0))
    # a word a title lost may now first occur in a later title
    lost = [(w, stem) for w, (stem, _, _, lost) in deltas.items() if lost]
    for w, stem in lost:
        holds = func.concat(" ", Patent.search_tokens, " ").contains(f" {w} ", autoescape=True)
        first = select(Patent.id).where(_matches([[stem]]), holds).order_by(Patent.id).limit(1).scalar_subquery()
        await session.execute(update(PatentTitleWord).where(PatentTitleWord.word == w)
                              .values(first_id=func.coalesce(first, PatentTitleWord.first_id)))


async def flush_title_index(*, session: AsyncSession) -> None:
    """After a fill: move the GIN index's pending entries (thousands) into the index
    proper — until then every title search scans them (2 ms instead of 0.1 ms) — and
    gather the stems' statistics, without which the planner takes every word for a rare
    one (28 ms instead of 1 ms for "method" at 100k titles)."""
    await session.execute(select(func.gin_clean_pending_list(literal_column("'ix_patents_search_stems'::regclass"))))
    await session.execute(text("ANALYZE patents"))


async def title_words(*, session: AsyncSession) -> list[tuple[str, str, int]]:
    """(word, stem, titles holding it), in the order the words first occur."""
    rows = await session.execute(
        select(PatentTitleWord.word, PatentTitleWord.stem, PatentTitleWord.ndoc)
        .order_by(PatentTitleWord.first_id, PatentTitleWord.word)
    )
    return [(r[0], r[1], int(r[2])) for r in rows]
