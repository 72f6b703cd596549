"""Validated rows compared with the store and written: upsert by natural key,
one audit row per added or updated fact or licence. The caller owns the
transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from store import audit
from store import revisions as revision_repo
from store.imports.columns import COLUMNS
from store.imports.patent_load import PatentLoad
from store.imports.rows import ImportRow, staged_patent
from store.models import Fact, FactChange, Licence, Patent
from store.records import FactRecord, LicenceRecord, Record, RecordKey

_MODELS: dict[str, Any] = {"facts": Fact, "patents": Patent, "licences": Licence}
_AUDIT_TABLE = cast(Table, FactChange.__table__)
BATCH = 5000


@dataclass
class ImportSummary:
    kind: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)
    # what the file was read as ('' when it was not read)
    encoding: str = ""

    def __str__(self) -> str:
        head = f"{self.kind}: {self.added} added, {self.updated} updated, {self.unchanged} unchanged, " \
               f"{self.rejected} rejected"
        if self.encoding:
            head += f"; read as {self.encoding}"
        return f"{head} (dry run: nothing written)" if self.dry_run else head


def natural_key(kind: str, row: dict[str, Any]) -> tuple[Any, ...]:
    """A stored fact's or licence's key, as ImportRow.key() gives a file's."""
    if kind == "facts":
        return (row["subject"], row["metric"], row["period"])
    return (row["licensee"], row["licensor"], row["signed_on"])


def _comparable(kind: str, obj: dict[str, Any], columns: frozenset[str] | None = None) -> dict[str, Any]:
    cols = COLUMNS[kind] + (("numeric",) if kind == "facts" else ())
    if columns is not None:
        # a fact's unit and qualifier come from its value when the file has no such columns
        derived = {"numeric", "unit", "qualifier"} if "value" in columns else set()
        cols = tuple(c for c in cols if c in columns or c in derived)
    return {c: obj.get(c) for c in cols}


def _record(kind: str, row: dict[str, Any]) -> FactRecord | LicenceRecord:
    return FactRecord.from_mapping(row) if kind == "facts" else LicenceRecord.from_mapping(row)


_Change = tuple[RecordKey, Record | None, Record | None, str]


def _diff(kind: str, cols: list[str], records: Sequence[Any], rows: Sequence[ImportRow],
          columns: frozenset[str] | None, progress: Callable[[int], None] | None,
          ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[_Change], int]:
    """Rows to insert, rows to update (with their ids), audit entries, and how many
    are unchanged, against the stored records (id first, then `cols`)."""
    existing: dict[tuple[Any, ...], dict[str, Any]] = {}
    for rec in records:
        d = dict(zip(["id", *cols], rec, strict=True))
        existing[natural_key(kind, d)] = d
    to_insert: list[dict[str, Any]] = []
    to_update: list[dict[str, Any]] = []
    changes: list[_Change] = []
    unchanged = 0
    for i, model in enumerate(rows):
        row = model.model_dump()
        old = existing.get(natural_key(kind, row))
        if old is None:
            to_insert.append(row)
        elif _comparable(kind, old, columns) != _comparable(kind, row, columns):
            if columns is not None:
                row = {**old, **_comparable(kind, row, columns)}
            to_update.append({**row, "id": old["id"]})
        else:
            unchanged += 1
            old = row  # marks "no audit row"
        if old is not row:
            after = _record(kind, row)
            changes.append((after.key, _record(kind, old) if old is not None else None, after,
                            after.source if isinstance(after, FactRecord) else ""))
        if progress and i % 1000 == 999:
            progress(1000)
    if progress:
        progress(len(rows) % 1000)
    return to_insert, to_update, changes, unchanged


async def apply(
    *,
    session: AsyncSession,
    kind: str,
    rows: Sequence[ImportRow],
    actor: str = "import",
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    at: datetime | None = None,
    columns: frozenset[str] | None = None,
) -> ImportSummary:
    """Upsert validated rows by natural key. The caller owns the transaction.
    `columns` (RawRecords.columns): update only these, keep the rest as stored.

    Facts and licences bump their revision first (the same lock admin changes take,
    so an import and a `set` never interleave) and get one audit row ("import")
    per added or updated record; patents are bulk data and are not audited, and are
    written as the import service writes a patent file (store/imports/patent_load.py)."""
    model = _MODELS[kind]
    summary = ImportSummary(kind, dry_run=dry_run)
    if kind == "patents":
        load = await PatentLoad.start(session=session, expected_rows=len(rows), dry_run=dry_run)
        for start in range(0, len(rows), BATCH):
            await load.add([staged_patent(start + i + 1, r) for i, r in enumerate(rows[start : start + BATCH])])
        summary.added, summary.updated, summary.unchanged = await load.finish(columns=columns, dry_run=dry_run)
        if progress:
            progress(len(rows))
        return summary
    at = at or datetime.now(UTC)
    if not dry_run:
        await revision_repo.bump(session=session, kind=kind)
    cols = list(COLUMNS[kind]) + (["numeric"] if kind == "facts" else [])
    # plain tuples, not ORM objects: loading 120k patents as objects costs seconds
    records = (await session.execute(select(model.id, *(getattr(model, c) for c in cols)))).all()
    # comparing up to a million rows is seconds of CPU: a worker thread, so a bot that
    # imports a file keeps answering meanwhile
    to_insert, to_update, changes, summary.unchanged = await asyncio.to_thread(
        _diff, kind, cols, records, rows, columns, progress)
    summary.added, summary.updated = len(to_insert), len(to_update)
    if dry_run or not (to_insert or to_update):
        return summary
    if kind == "facts":
        for r in to_insert + to_update:
            r["updated_by"] = actor
            r["updated_at"] = at
    # Core executemany, not the ORM bulk path: 120k rows insert in a fraction of the time
    table = model.__table__
    for start in range(0, len(to_insert), BATCH):
        await session.execute(table.insert(), to_insert[start : start + BATCH])
    if to_update:
        upd_cols = [c for c in to_update[0] if c != "id"]
        stmt = table.update().where(table.c.id == bindparam("_id")).values(
            {c: bindparam(c) for c in upd_cols})
        for start in range(0, len(to_update), BATCH):
            part = [{**{c: r[c] for c in upd_cols}, "_id": r["id"]} for r in to_update[start : start + BATCH]]
            await session.execute(stmt, part)
    if changes:
        audit_rows = audit.record_rows(at=at, actor=actor, action="import", changes=changes)
        for start in range(0, len(audit_rows), BATCH):
            await session.execute(_AUDIT_TABLE.insert(), audit_rows[start : start + BATCH])
    return summary
