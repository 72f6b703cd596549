"""`ipbot import`: read, validate, then write all-or-nothing, with a progress bar
on a terminal for large files."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.runtime import Runtime
from store import io as store_io


async def run_import(rt: Runtime, args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        data = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        print(f"ipbot: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        raw = store_io.read_records(data, filename=path.name)
        rows = store_io.validate(raw)
    except store_io.ImportRejected as exc:
        print(f"ipbot: {path.name} rejected, nothing written:", file=sys.stderr)
        for err in exc.errors:
            print(f"  {err}", file=sys.stderr)
        return 1
    for w in raw.warnings:
        print(f"warning: {w}", file=sys.stderr)
    async with rt.deps.sessions() as session, session.begin():
        summary = await store_io.apply(session=session, kind=raw.kind, rows=rows, actor=args.as_user,
                                       dry_run=args.dry_run)
    print(summary)
    return 0
