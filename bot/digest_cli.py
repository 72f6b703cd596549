"""`ipbot digest preview|send`: the digest from a terminal or cron.

`send` goes through the same claim as the scheduler, so running it twice, or
alongside `ipbot serve`, still posts each period once per channel."""

from __future__ import annotations

import argparse
import sys

from bot.cli_command import CliCommand
from bot.console import render
from bot.runtime import Runtime
from handlers import digest_run
from handlers import schedule as sch
from handlers.digest import DigestTarget, build_digest


def _configure(d: argparse.ArgumentParser) -> None:
    dsub = d.add_subparsers(dest="digest_command", required=True)
    p = dsub.add_parser("preview", help="print the digest that would be sent now (posts nothing)")
    p.add_argument("--channel", default=None, help="only this channel's subscription (Slack channel id)")
    s = dsub.add_parser("send", help="send the due digest to every subscribed channel, once; safe from cron")
    s.add_argument("--channel", default=None, help="only this channel (Slack channel id)")
    s.add_argument("--period", default=None,
                   help="period to send instead of the current one: 2026-W48, 2026-11-25 or 2026-11")


async def cmd_digest(rt: Runtime, args: argparse.Namespace) -> int:
    if args.digest_command == "preview":
        return await _preview(rt, args.channel)
    return await _send(rt, args.channel, args.period)


async def _preview(rt: Runtime, channel: str | None) -> int:
    deps = rt.deps
    now = deps.clock()
    subs = await digest_run.subscriptions(deps, channel=channel)
    if channel is not None:
        if not subs:
            print(f"ipbot: {channel} has no digest subscription; this is the default weekly digest.",
                  file=sys.stderr)
    targets: list[DigestTarget] = [*subs] if subs else [sch.Schedule(timezone=deps.tz.key)]
    if not subs and channel is None:
        print("No channel subscribes to the digest yet; this is the default weekly digest.", file=sys.stderr)
    for i, sub in enumerate(targets):
        schedule = sch.Schedule.of(sub)
        period = sch.period_key(schedule, sch.last_fire(schedule, now))
        reply = await build_digest(deps, sub, period, now)
        if i:
            print()
        if not isinstance(sub, sch.Schedule):
            print(f"── {sub.channel} ({schedule.describe()}{', paused' if sub.paused else ''}) ──")
        print(render(reply))
    return 0


async def _send(rt: Runtime, channel: str | None, period: str | None) -> int:
    settings = rt.settings
    if settings.slack_bot_token is None:
        print("ipbot: SLACK_BOT_TOKEN is not set; `ipbot digest send` posts to Slack and needs the bot token "
              "(xoxb-…). `ipbot digest preview` shows the digest without Slack.", file=sys.stderr)
        return 2
    if period is not None and sch.key_frequency(sch.normalise_key(period)) is None:
        print(f"ipbot: --period {period!r} is not a period; use a week like 2026-W48, a day like 2026-11-25 "
              "or a month like 2026-11.", file=sys.stderr)
        return 2
    subs = await digest_run.subscriptions(rt.deps)
    if channel is not None and not any(s.channel == channel for s in subs):
        print(f"ipbot: {channel} has no digest subscription; an admin types `/ip digest subscribe` there.",
              file=sys.stderr)
        return 1
    paused = [s.channel for s in subs if s.paused and channel in (None, s.channel)]
    # Slack's client and Bolt cost every other ipbot command ~0.5 s to import
    from bot.app import make_client
    from bot.digest_poster import SlackPoster

    poster = SlackPoster(make_client(settings))
    outcomes = await digest_run.send_due(rt.deps, poster, channel=channel, period=period, explicit=True)
    for o in outcomes:
        print(o)
    for c in paused:
        print(f"{c}: paused, not sent")
    if not outcomes and not paused:
        print("No channel subscribes to the digest yet.")
    return 1 if any(o.status in ("failed", "wrong_period") for o in outcomes) else 0


COMMANDS = (CliCommand("digest", "preview or send the licensing digest", _configure, cmd_digest),)
