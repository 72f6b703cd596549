"""Patent numbers on PostgreSQL (migration 0013): the number without its kind code is
what migration 0010's regexp_replace gave, and what handlers/text.py computes, for any
key; a search by it still goes through its index; numbers list in code point order,
as before; and a bulk import into an empty store rebuilds every index as it was."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bench import portfolio
from bot.runtime import Runtime
from handlers import imports
from handlers import text as tx
from store.imports import patent_load
from store.imports.columns import PATENT_COLUMNS
from store.models import Patent
from store.patent_search import _number_nokind, ids_by_number_nokind
from store.patents import first_by_number
from tests.conftest import BACKEND

postgresql_only = pytest.mark.skipif(BACKEND != "postgresql",
                                     reason="migration 0013 changes PostgreSQL only: set IPBOT_TEST_DATABASE_URL")

# 0010's expression, the one the index held before 0013
_REGEXP_NOKIND = text(r"regexp_replace(patents.number_key, '^([A-Z]{2})([0-9]+)([A-Z][0-9]?)$', '\1\2')")

TRICKY_KEYS = [
    "", "U", "US", "USB", "USB2", "US1", "US12", "US1B", "US1B2", "US123B", "US123B2", "US123B22", "US123BB",
    "US123B2C", "US12B2C3", "US0B0", "US00A0", "US123", "US1234567B1", "EP3123456A1", "WO2021100004A1",
    "CN113100003B", "USA123B", "U1123B", "1US123B", "12B2", "123", "1", "B", "B2", "AB", "ABC", "ABC1",
    "USUS1A", "US1A1A", "US1AA1", "ZZ9Z9", "AA0A", "AA0A00", "us123b", "Us123B", "US123b", "US123b2",
    "US 123B", "US-123B", "US123B ", " US123B", "US123B\n", "US123\nB", "\nUS123B", "US123B\t",
    "ÜS123B", "US١٢٣B", "US123Ü", "US123B٢", "ＵＳ123B", "US１２３B", "US123B²", "US²B", "ß", "Ω1",
]


def _ascii_without_trailing_newline(key: str) -> bool:
    # Python's \d takes any decimal digit and its $ matches before a final "\n", where
    # PostgreSQL's regex does neither: number keys hold only A-Z and 0-9 anyway
    return key.isascii() and not key.endswith("\n")


@postgresql_only
async def test_the_number_without_kind_is_the_regexp_replace_of_0010_for_any_key(rt: Runtime) -> None:
    async with rt.deps.unit_of_work() as s:
        await s.execute(insert(Patent), [
            {"number": f"N{i}", "number_key": k, "title": "t", "jurisdiction": "US", "status": "granted",
             "family_id": "", "technology": "", "owner": ""} for i, k in enumerate(TRICKY_KEYS)])
    async with rt.deps.sessions() as s:
        rows = (await s.execute(select(Patent.number_key, _number_nokind(), _REGEXP_NOKIND)
                                .order_by(Patent.id))).all()
    assert [r[0] for r in rows] == TRICKY_KEYS
    assert [(key, new) for key, new, _old in rows] == [(key, old) for key, _new, old in rows]
    assert [(key, new) for key, new, _old in rows if _ascii_without_trailing_newline(key)] == [
        (key, tx.number_without_kind(key)) for key in TRICKY_KEYS if _ascii_without_trailing_newline(key)]
    assert dict((k, n) for k, n, _o in rows)["US123B2"] == "US123"


async def _plan(s: AsyncSession) -> str:
    stmt = select(Patent.id, Patent.number_key).where(_number_nokind() == "US7654321")
    compiled = stmt.compile(dialect=s.get_bind().dialect)
    conn = await s.connection()
    # the parameter bound, as ids_by_number_nokind sends it
    params = tuple(compiled.params[name] for name in compiled.positiontup or ())
    rows = (await conn.exec_driver_sql(f"EXPLAIN {compiled}", params)).all()
    return "\n".join(r[0] for r in rows)


@postgresql_only
async def test_a_search_by_number_without_kind_reads_its_index(rt: Runtime) -> None:
    rows = [*portfolio.patents(300), ["US 7654321 B1", "t", "US", "granted", "", "", "", "", "", ""],
            ["US 7654321 A", "t", "US", "granted", "", "", "", "", "", ""]]
    assert (await _import(rt, rows)).ok
    async with rt.deps.unit_of_work() as s:
        await s.execute(text("SET LOCAL enable_seqscan = off"))
        assert "ix_patents_number_nokind" in await _plan(s)
        found = await ids_by_number_nokind(session=s, nokind="US7654321")
        keys = (await s.scalars(select(Patent.number_key).where(Patent.id.in_(found)))).all()
    assert sorted(keys) == ["US7654321A", "US7654321B1"]


async def test_numbers_list_in_code_point_order(rt: Runtime) -> None:
    numbers = ["US 2 B", "us 1", "US 10 B", "É 3", "Z 1", "Ü 4", "ＵＳ 6", "😀 5", "EP 1 A1", "EP1", "e 1", "ß 7",
               "Ω 8", "a 9"]
    assert (await _import(rt, [[n, "t", "US", "granted", "", "", "", "", "", ""] for n in numbers])).ok
    async with rt.deps.sessions() as s:
        total, listed = await first_by_number(session=s, cond=[], limit=100)
    assert total == len(numbers)
    assert [p.number for p in listed] == sorted(numbers)


async def _indexes(rt: Runtime) -> list[tuple[str, str]]:
    async with rt.deps.sessions() as s:
        rows = await s.execute(text(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = 'patents'::regclass ORDER BY c.relname"))
        return [(str(n), str(d)) for n, d in rows]


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(PATENT_COLUMNS)
    w.writerows(rows)
    return out.getvalue().encode()


async def _import(rt: Runtime, rows: list[list[str]]) -> imports.ImportReport:
    return await imports.run(rt.deps, data=_csv(rows), filename="patents.csv", actor="UADMIN")


@postgresql_only
async def test_a_bulk_import_into_an_empty_store_rebuilds_every_index_as_it_was(
        rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    before = await _indexes(rt)
    assert "CASE WHEN" in " ".join(dict(before)["ix_patents_number_nokind"].split())
    monkeypatch.setattr(patent_load, "BULK_ROWS", 1000)
    loads: list[bool] = []
    start = patent_load.PatentLoad.start

    async def _start(**kw: object) -> patent_load.PatentLoad:
        load = await start(**kw)  # type: ignore[arg-type]
        loads.append(load.direct)
        return load

    monkeypatch.setattr(patent_load.PatentLoad, "start", _start)
    assert (await _import(rt, portfolio.patents(1500))).ok
    assert loads == [True]
    assert await _indexes(rt) == before
    async with rt.deps.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Patent)) == 1500
        collations = (await s.execute(text(
            "SELECT attname, collname FROM pg_attribute JOIN pg_collation c ON c.oid = attcollation "
            "WHERE attrelid = 'patents'::regclass AND attname IN ('number', 'number_key', 'family_id') "
            "ORDER BY attname"))).all()
    assert [tuple(r) for r in collations] == [("family_id", "default"), ("number", "C"), ("number_key", "C")]
