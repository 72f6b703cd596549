"""`ipbot import`: read, validate, then write all-or-nothing, with a progress bar
on a terminal for large files."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC
from pathlib import Path
from typing import Any, cast

from tqdm import tqdm

from bot.runtime import Runtime
from store import io as store_io


def _bar(total: int, desc: str) -> AbstractContextManager[Any]:
    # only on a terminal and only when waiting is noticeable; pipes and logs stay clean
    if total < store_io.PROGRESS_THRESHOLD or not sys.stderr.isatty():
        return nullcontext(None)
    return cast(AbstractContextManager[Any], tqdm(total=total, desc=desc, unit="rows", file=sys.stderr, leave=False))


def _step(bar: Any) -> Callable[[int], None] | None:
    return bar.update if bar is not None else None


def print_rejected(name: str, exc: store_io.ImportRejected) -> None:
    print(f"ipbot: {name} rejected, nothing written ({len(exc.errors)} problem"
          f"{'s' if len(exc.errors) != 1 else ''}):", file=sys.stderr)
    for err in exc.errors:
        print(f"  {err}", file=sys.stderr)


async def run_import(rt: Runtime, args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        data = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        print(f"ipbot: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        mapping = store_io.load_mapping(args.mapping) if getattr(args, "mapping", None) else None
        raw = await asyncio.to_thread(store_io.read_records, data, filename=path.name, mapping=mapping,
                                      encoding=getattr(args, "encoding", None))
        with _bar(len(raw.rows), "checking") as bar:
            rows = await asyncio.to_thread(store_io.validate, raw,
                                          home_subject=rt.deps.home_subject, progress=_step(bar))
    except store_io.ImportRejected as exc:
        print_rejected(path.name, exc)
        summary = store_io.ImportSummary(exc.kind or "records", rejected=len(exc.errors), dry_run=args.dry_run)
        print(summary)
        return 1
    for w in raw.warnings:
        print(f"warning: {w}", file=sys.stderr)
    with _bar(len(rows), "writing") as bar:
        async with rt.deps.sessions() as session, session.begin():
            summary = await store_io.apply(session=session, kind=raw.kind, rows=rows, actor=args.as_user,
                                           dry_run=args.dry_run, progress=_step(bar),
                                           at=rt.deps.clock().astimezone(UTC), columns=raw.columns)
    summary.encoding = raw.encoding
    print(summary)
    return 0
