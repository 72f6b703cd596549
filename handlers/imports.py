"""Importing a file of facts, patents or licences: one pipeline for `ipbot import`
and for a file an admin DMs to the bot.

decode -> read -> map -> validate (store/imports/, in a worker thread) -> diff ->
apply (store/imports/apply.py, diff in a worker thread, writes in batches) ->
report. All or nothing: every bad line rejects the file, named with its reason,
and a clean file is written in one transaction owned here, so an import is
applied completely once or not at all."""

from __future__ import annotations

import asyncio
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
from store.imports.readers import RawRecords, read_records
from store.imports.rows import ImportRow, validate

log = logging.getLogger(__name__)

# how many line-numbered errors a Slack reply lists
ERROR_LINES = 30

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
) -> ImportSummary:
    """Read, validate and write a whole file, all or nothing. A fact without a
    subject and a licence without a licensor belong to `home_subject`. Raises
    ImportRejected with every bad line; the store is then unchanged.

    `claim`: the delivery this import carries out (a Slack event), recorded as
    processed in the same transaction as the rows: a process killed part-way leaves
    neither, so the delivery's retry imports the file. Raises
    store.events.AlreadyClaimed, writing nothing, when it was recorded already."""
    # parsing and checking 120k rows is seconds of CPU: worker threads, so a bot
    # importing a file keeps answering meanwhile
    raw: RawRecords = await asyncio.to_thread(read_records, data, filename=filename, mapping=mapping,
                                              encoding=encoding)
    with progress("checking", len(raw.rows)) as step:
        rows: list[ImportRow] = await asyncio.to_thread(validate, raw, home_subject=home_subject, progress=step)
    at = at or datetime.now(UTC)
    with progress("writing", len(rows)) as step:
        async with deps.unit_of_work() as session:
            if claim is not None:
                await event_repo.claim(session=session, key=claim, at=at)
            summary = await apply(session=session, kind=raw.kind, rows=rows, actor=actor, dry_run=dry_run,
                                  progress=step, at=at, columns=raw.columns)
    summary.warnings = raw.warnings
    summary.encoding = raw.encoding
    return summary


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
) -> ImportReport:
    """Import one file for whoever asked (the CLI or a DM) and say what became of
    it. `mapping`: lens, google-patents or the path of a JSON mapping file (Lens and
    Google Patents exports are also recognised by their headers). Raises
    store.events.AlreadyClaimed when an earlier delivery of the file imported it."""
    try:
        column_map = await asyncio.to_thread(load_mapping, mapping) if mapping else None
        summary = await import_bytes(deps, data=data, home_subject=deps.home_subject, filename=filename,
                                     mapping=column_map, actor=actor, at=deps.clock().astimezone(UTC),
                                     dry_run=dry_run, claim=delivery, encoding=encoding, progress=progress)
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
