"""The `ipbot` command line. Every subcommand builds the settings once and calls
the same handlers Slack does."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

from bot import admin_cli, chart_cli, digest_cli
from bot.cli_command import CliCommand
from bot.config import ConfigError, Settings, load_settings
from bot.console import render
from bot.runtime import Runtime, running
from handlers import ask as ask_handler
from handlers import exports
from handlers.errors import IpbotError


async def cmd_ask(rt: Runtime, args: argparse.Namespace) -> int:
    if args.explain:
        await rt.deps.index.refresh(rt.deps.sessions)
        print(json.dumps(await ask_handler.explain_answer(rt.deps, args.text), ensure_ascii=False, indent=2))
        return 0
    reply = await ask_handler.ask(rt.deps, args.text, user=args.as_user)
    if reply.warming:
        # one question, no server: wait for the patent index rather than say "warming up"
        await rt.deps.index.refresh(rt.deps.sessions)
        reply = await ask_handler.ask(rt.deps, args.text, user=args.as_user)
    if args.json:
        print(json.dumps(reply.public(), ensure_ascii=False, indent=2))
    else:
        print(render(reply))
    return 0 if reply.answered else 1


async def cmd_import(rt: Runtime, args: argparse.Namespace) -> int:
    from bot import importing

    return await importing.run_import(rt, args)


async def cmd_export(rt: Runtime, args: argparse.Namespace) -> int:
    out = await exports.export(rt.deps, kind=args.kind, fmt=args.format)
    if args.output:
        await asyncio.to_thread(Path(args.output).write_text, out, encoding="utf-8")
    else:
        sys.stdout.write(out)
    return 0


async def cmd_serve(rt: Runtime, args: argparse.Namespace) -> int:
    from bot import serve

    return await serve.serve(rt, args)


def _configure_ask(a: argparse.ArgumentParser) -> None:
    a.add_argument("text")
    a.add_argument("--json", action="store_true", help="print one JSON object (with the plan)")
    a.add_argument("--explain", action="store_true", help="print how the question is read; answer nothing")


def _configure_import(i: argparse.ArgumentParser) -> None:
    i.add_argument("file")
    i.add_argument("--dry-run", action="store_true", help="validate and report; write nothing")
    i.add_argument("--map", dest="mapping", default=None,
                   help="column mapping: lens, google-patents, or a JSON file {their column: our column}")
    i.add_argument("--encoding", default=None,
                   help="the file's encoding when it is not UTF-8 (e.g. latin-1, cp1252); bytes it cannot "
                        "read reject the file")


def _configure_export(e: argparse.ArgumentParser) -> None:
    e.add_argument("--format", choices=("csv", "json"), default="csv")
    e.add_argument("--kind", choices=("facts", "patents", "licences"), default="facts")
    e.add_argument("--output", "-o", default=None)


def _configure_serve(s: argparse.ArgumentParser) -> None:
    mode = s.add_mutually_exclusive_group()
    mode.add_argument("--http", action="store_true", help="Slack over HTTP (Events API)")
    mode.add_argument("--socket", action="store_true", help="Slack over Socket Mode")
    mode.add_argument("--console", action="store_true", help="the local console even with Slack set")
    s.add_argument("--port", type=int, default=None)
    s.add_argument("--host", default=None, help="address to listen on in HTTP mode (default IPBOT_HOST, 0.0.0.0)")


# Every subcommand, listed once: adding one is a CliCommand in a module plus its tuple here.
COMMANDS: tuple[CliCommand, ...] = (
    CliCommand("ask", "answer one question", _configure_ask, cmd_ask, searches_patents=True),
    CliCommand("import", "import facts, patents or licences from CSV or JSON", _configure_import, cmd_import),
    CliCommand("export", "export the store (what import reads back)", _configure_export, cmd_export),
    CliCommand("serve", "run the bot (local console without Slack credentials)", _configure_serve, cmd_serve,
               searches_patents=True),
    *admin_cli.COMMANDS,
    *digest_cli.COMMANDS,
    *chart_cli.COMMANDS,
)
_BY_NAME = {c.name: c for c in COMMANDS}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ipbot", description="Answers an IP team's questions from a fact store.")
    p.add_argument("--as", dest="as_user", default="cli", help="who is recorded as making changes")
    sub = p.add_subparsers(dest="command", required=True)
    for c in COMMANDS:
        c.configure(sub.add_parser(c.name, help=c.help, description=c.description or None))
    return p


async def _main(settings: Settings, args: argparse.Namespace) -> int:
    command = _BY_NAME[args.command]
    # commands that answer questions need the patent title index, the rest (set, import,
    # export, history, digest …) only figures and licences; figures and licences answer at
    # once, and the patent index loads when first needed (`ask`) or in the background
    # (`serve`: patent questions say it is warming up)
    kinds = None if command.searches_patents else ("facts", "licences")
    async with running(settings, index_kinds=kinds, patents_later=kinds is None) as rt:
        return await command.run(rt, args)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"ipbot: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # migrations log every step at INFO; only problems are worth a line
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # the SQLite driver logs every statement with its parameters (questions people
    # asked in DMs) at DEBUG: not even IPBOT_LOG_LEVEL=DEBUG writes those
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    if args.command != "serve":
        # one-shot commands: keep the terminal for the answer
        logging.getLogger().setLevel(logging.WARNING)
    try:
        return asyncio.run(_main(settings, args))
    except ConfigError as exc:
        print(f"ipbot: {exc}", file=sys.stderr)
        return 2
    except IpbotError as exc:
        print(f"ipbot: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"ipbot: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
