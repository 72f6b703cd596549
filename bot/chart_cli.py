"""`ipbot chart METRIC [--subject S] -o FILE.png`: the chart a trend answer carries,
drawn into a file (for a slide, or to check it before the digest goes out)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot import charts
from bot.cli_command import CliCommand
from bot.runtime import Runtime
from handlers import charts as chart_service


def _configure(c: argparse.ArgumentParser) -> None:
    c.add_argument("metric", nargs="+", help="the metric, e.g. r&d spending (aliases and typos are read)")
    c.add_argument("--subject", default=None, help="whose figures (default: IPBOT_HOME_SUBJECT)")
    c.add_argument("--output", "-o", default=None, help="the PNG to write (default: a name from the metric)")


async def cmd_chart(rt: Runtime, args: argparse.Namespace) -> int:
    chart = chart_service.metric_chart(rt.deps, " ".join(args.metric), args.subject)
    path = Path(args.output or chart.filename)
    await charts.save(chart, path)
    print(f"wrote {path}")
    print(chart.alt_text)
    return 0


COMMANDS = (CliCommand("chart", "draw a metric over its stored years as a PNG", _configure, cmd_chart),)
