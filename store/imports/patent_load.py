"""A patent file written in bulk, batch by batch, inside the caller's transaction.

Validated rows (store/imports/rows.py PatentChecker) are staged as they come:
PostgreSQL COPYs each batch into a temporary table, SQLite inserts it with
executemany. Once the file is read, set-based statements compare the staged rows
with the store by number key (the last stored patent of a key, as the indexes
keep), count added, updated and unchanged, update the changed rows (only the
columns the file provides) and insert the new ones in file order, so ids follow
the file as they always have. Nothing is committed here: a bad line anywhere and
the caller's rollback leaves the store as it was.

The first large import into an empty PostgreSQL store skips the staging table:
its rows are COPYed straight into `patents` with the secondary indexes dropped,
and the indexes are built once at the end (maintaining seven indexes row by row
costs ~20 s per million rows; building them costs a few seconds). The dropped
indexes are recreated from their own definitions, in the same transaction, so a
rollback restores them; other sessions' reads of `patents` wait until the import
commits (the table was empty)."""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    Table,
    Text,
    and_,
    case,
    exists,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from store import revisions as revision_repo
from store.imports.columns import COLUMNS, STAGED_PATENT_COLUMNS
from store.models import Patent

# the staged columns after `line`, as PatentChecker gives them
FIELDS = STAGED_PATENT_COLUMNS
_DATES = frozenset({"filing_date", "grant_date", "expiry_date"})
STAGE = Table(
    "import_patents", MetaData(), Column("line", Integer, nullable=False),
    *(Column(c, Date if c in _DATES else Text) for c in FIELDS),
)
_SQLITE_STAGE = (f"INSERT INTO import_patents (line, {', '.join(FIELDS)}) "
                 f"VALUES ({', '.join('?' * (len(FIELDS) + 1))})")
# the first import into an empty store at least this large loads with indexes dropped
BULK_ROWS = 50_000
_PATENTS = cast(Table, Patent.__table__)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class PatentLoad:
    """One patent file on its way into the store; `start` it, `add` each batch of
    records (line, *FIELDS), then `duplicates` and `finish`."""

    def __init__(self, session: AsyncSession, *, direct: bool) -> None:
        self.session = session
        self.direct = direct
        self.pg = session.get_bind().dialect.name == "postgresql"
        # direct load: the line of each row, by id - first_id
        self.lines = array("q")
        self.first_id = 0
        self.rebuild: list[str] = []

    @classmethod
    async def start(cls, *, session: AsyncSession, expected_rows: int, dry_run: bool) -> PatentLoad:
        """Ready to take a file of about `expected_rows` rows: a staging table, or,
        for a large file into an empty PostgreSQL store, `patents` without its
        secondary indexes."""
        pg = session.get_bind().dialect.name == "postgresql"
        direct = pg and not dry_run and expected_rows >= BULK_ROWS and await _empty_and_plain(session)
        if direct:
            # the indexes are about to be dropped: no other writer from here on, and
            # still nothing stored once that is so
            await session.execute(text("LOCK TABLE patents IN ACCESS EXCLUSIVE MODE"))
            direct = not await session.scalar(select(exists().select_from(_PATENTS)))
        load = cls(session, direct=direct)
        if direct:
            load.rebuild = await _drop_secondary_indexes(session)
            load.first_id = int(await session.scalar(
                text("SELECT nextval(pg_get_serial_sequence('patents', 'id'))")) or 0)
        else:
            await session.execute(text("DROP TABLE IF EXISTS import_patents"))
            cols = ", ".join(f"{c} {'date' if c in _DATES else 'text'}" for c in FIELDS)
            # SQLite: the line is the rowid, so rows are read back in file order without a sort
            line = "line integer NOT NULL" if pg else "line INTEGER PRIMARY KEY"
            await session.execute(text(f"CREATE TEMPORARY TABLE import_patents ({line}, {cols})"
                                       + (" ON COMMIT DROP" if pg else "")))
        return load

    async def _driver(self) -> Any:
        conn = await self.session.connection()
        return (await conn.get_raw_connection()).driver_connection

    async def add(self, records: Sequence[tuple[Any, ...]]) -> None:
        if not records:
            return
        if self.direct:
            base = self.first_id + len(self.lines)
            self.lines.extend(r[0] for r in records)
            rows = [(base + i, *r[1:]) for i, r in enumerate(records)]
            await (await self._driver()).copy_records_to_table("patents", records=rows, columns=["id", *FIELDS])
        elif self.pg:
            await (await self._driver()).copy_records_to_table("import_patents", records=records,
                                                              columns=["line", *FIELDS])
        else:
            # the driver's executemany with plain tuples, dates as SQLAlchemy stores them on
            # SQLite: the ORM's parameter handling cost ~15 µs a row
            rows = [(*r[:6], *(d.isoformat() if d else None for d in r[6:9]), *r[9:]) for r in records]
            cursor = await (await self._driver()).executemany(_SQLITE_STAGE, rows)
            await cursor.close()

    async def duplicates(self) -> list[tuple[int, str]]:
        """(line, number key) of every staged row whose number key another staged row has."""
        if self.direct:
            keys = select(Patent.number_key).where(Patent.id >= self.first_id).group_by(
                Patent.number_key).having(func.count() > 1)
            rows = await self.session.execute(
                select(Patent.id, Patent.number_key).where(Patent.id >= self.first_id, Patent.number_key.in_(keys)))
            return [(self.lines[int(pid) - self.first_id], key) for pid, key in rows]
        keys = select(STAGE.c.number_key).group_by(STAGE.c.number_key).having(func.count() > 1)
        rows = await self.session.execute(select(STAGE.c.line, STAGE.c.number_key).where(STAGE.c.number_key.in_(keys)))
        return [(int(line), key) for line, key in rows]

    async def finish(self, *, columns: frozenset[str] | None, dry_run: bool) -> tuple[int, int, int]:
        """Write the staged rows; (added, updated, unchanged). `columns`: the only
        columns an update writes (the file's), None: all."""
        if self.direct:
            return await self._finish_direct()
        s = self.session
        latest = select(Patent.number_key, func.max(Patent.id).label("id")).group_by(Patent.number_key).subquery()
        compared = [c for c in COLUMNS["patents"] if columns is None or c in columns]
        changed = or_(*(getattr(Patent, c).is_distinct_from(STAGE.c[c]) for c in compared))
        differs = case((and_(latest.c.id.is_not(None), changed), 1), else_=0)
        total, matched, differ = (await s.execute(
            select(func.count(), func.count(latest.c.id), func.coalesce(func.sum(differs), 0))
            .select_from(STAGE.outerjoin(latest, latest.c.number_key == STAGE.c.number_key)
                         .outerjoin(_PATENTS, Patent.id == latest.c.id))
        )).one()
        added, updated = int(total) - int(matched), int(differ)
        if not dry_run and updated:
            written = FIELDS if columns is None else [c for c in FIELDS if c in columns]
            await s.execute(
                update(_PATENTS).where(and_(Patent.id == latest.c.id, latest.c.number_key == STAGE.c.number_key,
                                            changed))
                .values({c: STAGE.c[c] for c in written}))
        if not dry_run and added:
            new = select(*(STAGE.c[c] for c in FIELDS)).where(
                ~exists().where(Patent.number_key == STAGE.c.number_key)).order_by(STAGE.c.line)
            await s.execute(insert(_PATENTS).from_select(list(FIELDS), new))
        if not self.pg:
            await s.execute(text("DROP TABLE IF EXISTS import_patents"))
        if not dry_run and (added or updated):
            await revision_repo.bump(session=s, kind="patents")
        return added, updated, int(total) - added - updated

    async def _finish_direct(self) -> tuple[int, int, int]:
        s = self.session
        if self.lines:
            await s.execute(text("SELECT setval(pg_get_serial_sequence('patents', 'id'), :last)"),
                            {"last": self.first_id + len(self.lines) - 1})
        # sorts for the index builds in memory rather than on disk
        await s.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        conn = await s.connection()
        for stmt in self.rebuild:
            await conn.exec_driver_sql(stmt)
        if self.lines:
            await revision_repo.bump(session=s, kind="patents")
        return len(self.lines), 0, 0


async def _empty_and_plain(session: AsyncSession) -> bool:
    """No patent stored, and no other table's key refers to patents (so its indexes
    can be dropped and rebuilt)."""
    if await session.scalar(select(exists().select_from(_PATENTS))):
        return False
    refs = await session.scalar(text(
        "SELECT count(*) FROM pg_constraint WHERE confrelid = 'patents'::regclass "
        "OR (conrelid = 'patents'::regclass AND contype NOT IN ('p', 'u'))"))
    return not refs


async def _drop_secondary_indexes(session: AsyncSession) -> list[str]:
    """Drop every index of patents but its primary key; the statements that put them back."""
    rows = (await session.execute(text(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid), con.conname, pg_get_constraintdef(con.oid) "
        "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid "
        "WHERE i.indrelid = 'patents'::regclass AND NOT i.indisprimary ORDER BY c.relname"))).all()
    rebuild: list[str] = []
    conn = await session.connection()
    for index, index_def, constraint, constraint_def in rows:
        if constraint:
            await conn.exec_driver_sql(f"ALTER TABLE patents DROP CONSTRAINT {_q(constraint)}")
            rebuild.append(f"ALTER TABLE patents ADD CONSTRAINT {_q(constraint)} {constraint_def}")
        else:
            await conn.exec_driver_sql(f"DROP INDEX {_q(index)}")
            rebuild.append(index_def)
    return rebuild
