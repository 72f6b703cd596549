"""Importing a file of facts, patents or licences: one pipeline for `ipbot import`
and for a file an admin DMs to the bot.

decode -> read -> map -> validate (store/imports/, in worker threads) -> diff ->
apply -> report. All or nothing: every bad line rejects the file, named with its
reason, and a clean file is written in one transaction owned here, so an import is
applied completely once or not at all.

Facts and licences (hundreds of rows, audited) are read whole and compared in
memory (store/imports/apply.py). A patent file can hold a million rows: it is read
and validated in batches, each staged in the transaction while the next is checked
(store/imports/patent_load.py), and compared and written set-based once the whole
file has proved clean, so no more than two batches are held at a time."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from handlers.admin import safe
from handlers.deps import Deps
from handlers.dispatch import Request
from handlers.permissions import require_admin
from handlers.replies import Reply, ReplyKind
from store import events as event_repo
from store.imports.apply import ImportSummary, apply
from store.imports.errors import ImportRejected, RowError
from store.imports.mapping import ColumnMap, load_mapping
from store.imports.patent_load import PatentLoad
from store.imports.readers import RawRecords, RecordSource, collect, open_records
from store.imports.rows import ImportRow, PatentChecker, StagedPatent, duplicate, validate

log = logging.getLogger(__name__)

# how many line-numbered errors a Slack reply lists
ERROR_LINES = 30
# patent rows validated and staged at a time
BATCH_ROWS = 20_000

Step = Callable[[int], None]
# a stage ("checking", "writing") and its number of rows -> what to call as rows are done
Progress = Callable[[str, int], AbstractContextManager[Step | None]]


@dataclass(frozen=True)
class ImportReport:
    """What became of one file: its summary, and either the warnings of a file that
    was applied or every bad line of one that was rejected."""

    filename: str
    summary: ImportSummary
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def warnings(self) -> list[str]:
        return self.summary.warnings

    def reply(self) -> Reply:
        if not self.ok:
            lines = [str(e) for e in self.errors[:ERROR_LINES]]
            more = len(self.errors) - len(lines)
            return Reply(ReplyKind.ERROR, f"{self.filename} was rejected; nothing was written. Fix these lines and "
                                          "send it again:", lines=lines, note=f"…and {more} more." if more > 0 else "")
        return Reply(ReplyKind.DONE, f"Imported {self.filename}: {self.summary}",
                     lines=[f"warning: {w}" for w in self.warnings])


@contextmanager
def _no_progress(stage: str, total: int) -> Iterator[Step | None]:
    yield None


async def import_bytes(
    deps: Deps,
    *,
    data: bytes,
    home_subject: str,
    filename: str = "",
    mapping: ColumnMap | None = None,
    actor: str = "import",
    at: datetime | None = None,
    dry_run: bool = False,
    claim: str | None = None,
    encoding: str | None = None,
    progress: Progress = _no_progress,
    batch_rows: int = BATCH_ROWS,
) -> ImportSummary:
    """Read, validate and write a whole file, all or nothing. A fact without a
    subject and a licence without a licensor belong to `home_subject`. Raises
    ImportRejected with every bad line; the store is then unchanged.

    `claim`: the delivery this import carries out (a Slack event), recorded as
    processed in the same transaction as the rows: a process killed part-way leaves
    neither, so the delivery's retry imports the file. Raises
    store.events.AlreadyClaimed, writing nothing, when it was recorded already.
    `batch_rows`: patent rows checked and staged at a time."""
    # parsing and checking a million rows is seconds of CPU: worker threads, so a bot
    # importing a file keeps answering meanwhile
    source = await asyncio.to_thread(open_records, data, filename=filename, mapping=mapping, encoding=encoding)
    at = at or datetime.now(UTC)
    if source.kind == "patents":
        summary = await _import_patents(deps, source, home_subject=home_subject, claim=claim, at=at,
                                        dry_run=dry_run, progress=progress, batch_rows=batch_rows)
    else:
        raw: RawRecords = await asyncio.to_thread(collect, source)
        with progress("checking", len(raw.rows)) as step:
            rows: list[ImportRow] = await asyncio.to_thread(validate, raw, home_subject=home_subject,
                                                            progress=step)
        with progress("writing", len(rows)) as step:
            async with deps.unit_of_work() as session:
                if claim is not None:
                    await event_repo.claim(session=session, key=claim, at=at)
                summary = await apply(session=session, kind=raw.kind, rows=rows, actor=actor, dry_run=dry_run,
                                      progress=step, at=at, columns=raw.columns)
    summary.warnings = source.warnings
    summary.encoding = source.encoding
    return summary


_Checked = tuple[list[StagedPatent], list[RowError], int]


def _check_next(batches: Iterator[list[tuple[int, list[str] | str]]], checker: PatentChecker) -> _Checked | None:
    batch = next(batches, None)
    if batch is None:
        return None
    good, bad = checker.check(batch)
    return good, bad, len(batch)


async def _import_patents(deps: Deps, source: RecordSource, *, home_subject: str, claim: str | None,
                          at: datetime, dry_run: bool, progress: Progress, batch_rows: int) -> ImportSummary:
    """A patent file read, checked and staged batch by batch (the next batch is checked
    in a worker thread while this one is written), then written set-based."""
    checker = PatentChecker(source.order, home_subject)
    batches = source.batches(batch_rows)
    errors: list[RowError] = []
    with _collector_paused(), progress("checking", source.expected) as step:
        async with deps.unit_of_work() as session:
            if claim is not None:
                await event_repo.claim(session=session, key=claim, at=at)
            load = await PatentLoad.start(session=session, expected_rows=source.expected, dry_run=dry_run)
            pending = asyncio.ensure_future(asyncio.to_thread(_check_next, batches, checker))
            try:
                while (checked := await pending) is not None:
                    pending = asyncio.ensure_future(asyncio.to_thread(_check_next, batches, checker))
                    good, bad, n = checked
                    errors.extend(bad)
                    # rows after a bad line are staged still, so a later repeat of them is named too
                    await load.add(good)
                    if step:
                        step(n)
            finally:
                if not pending.done():
                    # the reading thread cannot be cancelled: let it finish its batch
                    await asyncio.wait([pending])
            if checker.suspects:
                errors.extend(_duplicates(await load.duplicates()))
            if errors:
                raise ImportRejected(sorted(errors, key=lambda e: e.line), "patents")
            added, updated, unchanged = await load.finish(columns=source.columns, dry_run=dry_run)
    return ImportSummary("patents", added=added, updated=updated, unchanged=unchanged, dry_run=dry_run)


class _CollectorPause:
    """Python's cycle collector off while patent files are read: their rows hold no
    cycles, yet a million of them passing through, a batch surviving each collection,
    made the collector scan the whole heap again and again (~40 % of an import's
    time). Nested and concurrent imports restore it once the last one ends."""

    def __init__(self) -> None:
        self.holders = 0
        self.was_enabled = True

    @contextmanager
    def __call__(self) -> Iterator[None]:
        if self.holders == 0:
            self.was_enabled = gc.isenabled()
            gc.disable()
        self.holders += 1
        try:
            yield
        finally:
            self.holders -= 1
            if self.holders == 0 and self.was_enabled:
                gc.enable()


_collector_paused = _CollectorPause()


def _duplicates(staged: list[tuple[int, str]]) -> list[RowError]:
    """A repeated number key: every line after its first names the first."""
    lines: dict[str, list[int]] = {}
    for line, key in staged:
        lines.setdefault(key, []).append(line)
    return [RowError(line, duplicate(min(ls), (key,))) for key, ls in lines.items() for line in ls if line != min(ls)]


async def run(
    deps: Deps,
    *,
    data: bytes,
    filename: str,
    actor: str,
    mapping: str | None = None,
    encoding: str | None = None,
    dry_run: bool = False,
    delivery: str | None = None,
    progress: Progress = _no_progress,
    batch_rows: int = BATCH_ROWS,
) -> ImportReport:
    """Import one file for whoever asked (the CLI or a DM) and say what became of
    it. `mapping`: lens, google-patents or the path of a JSON mapping file (Lens and
    Google Patents exports are also recognised by their headers). Raises
    store.events.AlreadyClaimed when an earlier delivery of the file imported it."""
    try:
        column_map = await asyncio.to_thread(load_mapping, mapping) if mapping else None
        summary = await import_bytes(deps, data=data, home_subject=deps.home_subject, filename=filename,
                                     mapping=column_map, actor=actor, at=deps.clock().astimezone(UTC),
                                     dry_run=dry_run, claim=delivery, encoding=encoding, progress=progress,
                                     batch_rows=batch_rows)
    except ImportRejected as exc:
        return ImportReport(filename, ImportSummary(exc.kind or "records", rejected=len(exc.errors),
                                                    dry_run=dry_run), list(exc.errors))
    if not dry_run and (summary.added or summary.updated):
        await _refresh(deps)
    return ImportReport(filename, summary)


async def _refresh(deps: Deps) -> None:
    try:
        await deps.index.refresh(deps.sessions)
    except (SQLAlchemyError, OSError) as exc:
        # the import is committed; the periodic refresh will pick it up
        log.warning("index refresh after an import failed: %s", type(exc).__name__)


@safe
async def import_file(deps: Deps, req: Request, data: bytes, filename: str, *,
                      delivery: str | None = None) -> Reply | None:
    """A CSV or JSON file an admin sent to the bot: the same report, and the same
    line-numbered errors, as `ipbot import`. `delivery` (the Slack delivery of this
    file) is recorded with the rows; None when an earlier delivery of it already
    imported it."""
    await require_admin(deps, req)
    try:
        report = await run(deps, data=data, filename=filename, actor=req.user, delivery=delivery)
    except event_repo.AlreadyClaimed:
        return None
    return report.reply()
