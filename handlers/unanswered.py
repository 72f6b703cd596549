"""The log of questions the store could not answer (for `/ip gaps` and the digest).

Inside Slack's ack (`UnansweredBuffer.batched`), a question is only noted; the notes
are written together, in one transaction, a moment later. A commit per question
right after each ack took the event loop for a millisecond while the next
questions waited for their answers. Everything that reads the log (`gaps`, the
digest) and every shutdown writes the notes first."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging

from sqlalchemy.exc import SQLAlchemyError

from handlers.deps import Deps
from store import questions as question_repo

log = logging.getLogger(__name__)

# how long notes gather before they are written
WRITE_AFTER = 1.0


async def note(deps: Deps, text: str, user: str, channel: str) -> None:
    buf = deps.unanswered
    buf.pending.append(question_repo.Unanswered(text, user, channel, deps.clock()))
    # (stamped again when written: see `write`)
    if not buf.batched:
        await write(deps)
    elif buf.writer is None or buf.writer.done():
        buf.writer = asyncio.create_task(_write_soon(deps))


async def _write_soon(deps: Deps) -> None:
    # notes made while a write is under way go in the next one
    buf = deps.unanswered
    while buf.pending:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(buf.hurry.wait(), WRITE_AFTER)
        await write(deps)


async def write(deps: Deps) -> None:
    """Write every note taken so far. Best effort: an answer has gone out already, and
    a store that is down loses these notes (logged), never a reply."""
    rows, deps.unanswered.pending = deps.unanswered.pending, []
    if not rows:
        return
    # stamped with the time they become visible, not when they were noted: a digest
    # built on another replica meanwhile counts them in its next period instead of
    # missing them for good (a note is at most WRITE_AFTER old)
    now = deps.clock()
    rows = [dataclasses.replace(r, at=max(r.at, now)) for r in rows]
    try:
        async with deps.unit_of_work() as session:
            await question_repo.log_unanswered(session=session, questions=rows)
    except (SQLAlchemyError, OSError):
        log.warning("could not log %d unanswered question(s): store unavailable", len(rows))


async def write_all(deps: Deps) -> None:
    """Write every note now (a shutdown, a test settling): the pending write is woken
    and awaited, so none outlives the event loop or is cut off halfway."""
    buf = deps.unanswered
    writer = buf.writer
    if writer is not None and not writer.done():
        buf.hurry.set()
        try:
            await writer
        finally:
            buf.hurry.clear()
    await write(deps)
