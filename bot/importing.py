"""`ipbot import`: the file read from disk, imported by handlers/imports.py (the
pipeline a file DMed to the bot goes through too), and its report printed — the
summary on stdout, warnings and rejected lines on stderr — with a progress bar on
a terminal for large files."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tqdm import tqdm

from bot.runtime import Runtime
from handlers import imports
from handlers.imports import ImportReport, Step

# a bar is only worth drawing for files this large
PROGRESS_THRESHOLD = 5000


@contextmanager
def _bar(stage: str, total: int) -> Iterator[Step | None]:
    # only on a terminal and only when waiting is noticeable; pipes and logs stay clean
    if total < PROGRESS_THRESHOLD or not sys.stderr.isatty():
        yield None
        return
    with tqdm(total=total, desc=stage, unit="rows", file=sys.stderr, leave=False) as bar:
        yield bar.update


def print_report(report: ImportReport) -> None:
    if not report.ok:
        n = len(report.errors)
        print(f"ipbot: {report.filename} rejected, nothing written ({n} problem{'s' if n != 1 else ''}):",
              file=sys.stderr)
        for err in report.errors:
            print(f"  {err}", file=sys.stderr)
    for w in report.warnings:
        print(f"warning: {w}", file=sys.stderr)
    print(report.summary)


async def run_import(rt: Runtime, args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        data = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        print(f"ipbot: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    report = await imports.run(rt.deps, data=data, filename=path.name, actor=args.as_user, mapping=args.mapping,
                               encoding=args.encoding, dry_run=args.dry_run, progress=_bar)
    print_report(report)
    return 0 if report.ok else 1
