"""`ipbot chart METRIC [--subject S] -o FILE.png`: the chart a trend answer carries,
drawn into a file (for a slide, or to check it before the digest goes out)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot import charts
from bot.cli import _PARSER_EXTENSIONS, command
from bot.runtime import Runtime
from handlers import charts as chart_service


def _extend(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    c = sub.add_parser("chart", help="draw a metric over its stored years as a PNG")
    c.add_argument("metric", nargs="+", help="the metric, e.g. r&d spending (aliases and typos are read)")
    c.add_argument("--subject", default=None, help="whose figures (default: IPBOT_HOME_SUBJECT)")
    c.add_argument("--output", "-o", default=None, help="the PNG to write (default: a name from the metric)")


_PARSER_EXTENSIONS.append(_extend)


@command("chart")
async def cmd_chart(rt: Runtime, args: argparse.Namespace) -> int:
    chart = chart_service.metric_chart(rt.deps, " ".join(args.metric), args.subject)
    path = Path(args.output or chart.filename)
    await charts.save(chart, path)
    print(f"wrote {path}")
    print(chart.alt_text)
    return 0
