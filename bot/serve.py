"""`ipbot serve`: pick the run mode from the flags and the credentials present."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from bot.console import run_console
from bot.runtime import Runtime, keep_index_fresh


async def serve(rt: Runtime, args: argparse.Namespace) -> int:
    # Slack modes arrive with the Slack issue; until then, the console
    refresher = asyncio.create_task(keep_index_fresh(rt))
    try:
        await run_console(rt)
    finally:
        refresher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await refresher
    return 0
