"""Drawing a handlers.charts.Chart as a PNG with matplotlib's Agg backend (no display,
thread-safe with its own Figure). Slow enough (~50 ms) to run off the event loop:
callers use `await png(chart)`; `upload` puts it in a Slack thread."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import TYPE_CHECKING

from handlers.charts import Chart

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

# Slack's limit on a file's alt text
ALT_CHARS = 1000
_SCALES = ((1e9, "billion"), (1e6, "million"), (1e3, "thousand"))
_UNIT_NAMES = {"USD": "US$", "CNY": "yuan (CNY)", "EUR": "EUR", "GBP": "GBP", "JPY": "JPY", "%": "%",
               "count": "", "": ""}


def _axis(chart: Chart) -> tuple[float, str]:
    """The divisor and the axis label: '161.5' on an axis of 'billion yuan (CNY)'."""
    top = max(abs(p.numeric) for p in chart.points)
    unit = _UNIT_NAMES.get(chart.unit, chart.unit)
    if chart.unit in ("USD", "CNY", "EUR", "GBP", "JPY", "count", ""):
        for div, word in _SCALES:
            if top >= div:
                return div, f"US$ {word}" if chart.unit == "USD" else f"{word} {unit}".strip()
    return 1.0, unit


def render(chart: Chart) -> bytes:
    # imported on the first chart (~1 s), not by every command that loads this module
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    div, label = _axis(chart)
    fig = Figure(figsize=(6.4, 3.2), dpi=100)
    ax = fig.add_subplot()
    xs = [p.period for p in chart.points]
    ys = [p.numeric / div for p in chart.points]
    ax.plot(xs, ys, marker="o", color="#1264a3", linewidth=2)
    for x, y in zip(xs, ys, strict=True):
        ax.annotate(f"{y:,.4g}", (x, y), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    ax.set_title(chart.title, fontsize=10)
    if label:
        ax.set_ylabel(label, fontsize=9)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.4g}"))
    ax.margins(y=0.2)
    ax.grid(axis="y", alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    out = io.BytesIO()
    # the alt text travels in the file too (PNG tEXt "Description")
    fig.savefig(out, format="png", metadata={"Title": chart.title, "Description": chart.alt_text})
    return out.getvalue()


async def png(chart: Chart) -> bytes:
    return await asyncio.to_thread(render, chart)


async def save(chart: Chart, path: Path) -> Path:
    """Draw the chart into a file (its folder made if need be), off the event loop."""
    data = await png(chart)

    def write() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    await asyncio.to_thread(write)
    return path


async def upload(client: AsyncWebClient, chart: Chart, *, channel: str, thread_ts: str | None) -> None:
    """Draw the chart and upload it with its alt text (files_upload_v2) into a thread."""
    await client.files_upload_v2(channel=channel, thread_ts=thread_ts, file=await png(chart),
                                 filename=chart.filename, title=chart.title, alt_txt=chart.alt_text[:ALT_CHARS],
                                 request_file_info=False)
