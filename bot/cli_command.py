"""One `ipbot` subcommand: its name, how its arguments are declared, what it runs.
Command modules (bot/cli.py's own, bot/admin_cli.py, bot/digest_cli.py,
bot/chart_cli.py) each export a tuple of these; bot/cli.py lists the tuples once."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.runtime import Runtime

Run = Callable[[Runtime, argparse.Namespace], Awaitable[int]]


@dataclass(frozen=True)
class CliCommand:
    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Run
    description: str = ""
    # answers questions, so it needs the patent title index (the rest never build it)
    searches_patents: bool = False
