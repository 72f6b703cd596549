"""The local console: what `ipbot serve` runs when no Slack credentials are set,
so a newcomer sees the bot answer at once."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot import charts
from bot.runtime import Runtime
from handlers import dispatch
from handlers.errors import IpbotError
from handlers.replies import Button, Reply, ReplyKind

BANNER = """ipbot local console — no Slack credentials set (see README: Connect to Slack).
Type a question, e.g. "licensees 2022", "what was R&D spending in 2022?", "help". Ctrl-D or "quit" to leave."""


def render(reply: Reply) -> str:
    text = reply.text
    if reply.buttons:
        # no buttons on a terminal: typing the label presses it
        text += "\n" + "  ".join(f"[{b.label}]" for b in reply.buttons) + "  (type one)"
    return text


async def run_console(rt: Runtime, *, user: str = "console") -> None:
    print(BANNER, flush=True)
    buttons: list[Button] = []
    while True:
        try:
            # input() blocks; a thread keeps the event loop (index refresh, scheduler) running
            line = await asyncio.to_thread(input, "ipbot> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return
        if line.strip().lower() in ("quit", "exit", "q"):
            return
        if not line.strip():
            continue
        req = dispatch.Request(line, user=user, trusted=True)
        pressed = next((b for b in buttons if b.label.lower() == line.strip().lower()), None)
        try:
            if pressed is not None:
                reply = await dispatch.handle_action(rt.deps, req, pressed.action, pressed.value) or Reply(
                    ReplyKind.ERROR, "That button does nothing any more.")
            else:
                reply = await dispatch.handle(rt.deps, req)
                if reply.warming:
                    # one local user and no Slack deadline: wait for the patent index (the
                    # refresh waits for the background load under the index's lock, or does
                    # it) rather than ask them to type the question again
                    print("(loading the patent index …)", flush=True)
                    with contextlib.suppress(SQLAlchemyError, OSError):
                        # the store down: the "still loading" reply stands, the console stays
                        await rt.deps.index.refresh(rt.deps.sessions)
                        reply = await dispatch.handle(rt.deps, req)
            buttons = list(reply.buttons)
            print(render(reply), flush=True)
            if reply.chart is not None:
                # a terminal shows no pictures: the chart goes to a file the user can open
                path = Path(tempfile.gettempdir()) / "ipbot-charts" / reply.chart.filename
                print(f"Chart: {await charts.save(reply.chart, path)}", flush=True)
        except IpbotError as exc:
            print(str(exc), file=sys.stderr, flush=True)
