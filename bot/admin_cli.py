"""`ipbot set|remove|alias|licensee|history|undo|admins …`: the admin commands
for an operator at a terminal. They run the same handlers as `/ip …` with a
trusted request recorded as `--as USER`; a suspicious change needs `--yes`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from bot.cli_command import CliCommand, Run
from bot.console import render
from bot.runtime import Runtime
from handlers import admin
from handlers.dispatch import Request
from handlers.replies import Reply, ReplyKind

_OK = (ReplyKind.DONE, ReplyKind.ANSWER, ReplyKind.HELP)


def _words(args: argparse.Namespace) -> str:
    return " ".join(w for w in args.words if w != "--yes")


def _request(args: argparse.Namespace, verb: str) -> Request:
    return Request(f"{verb} {_words(args)}".strip(), user=args.as_user, trusted=True)


def _emit(reply: Reply) -> int:
    if reply.kind in _OK:
        print(render(reply))
        return 0
    if reply.kind == ReplyKind.CONFIRM:
        print(render(reply), file=sys.stderr)
        print("Re-run with --yes to write it.", file=sys.stderr)
        return 3
    print(render(reply), file=sys.stderr)
    return 1


def _run(verb: str) -> Run:
    async def run(rt: Runtime, args: argparse.Namespace) -> int:
        req = _request(args, verb)
        rest = _words(args)
        if verb == "set":
            yes = bool(args.yes) or "--yes" in args.words
            reply = await admin.set_fact(rt.deps, req, rest, confirmed=yes, offer_buttons=False)
        else:
            reply = await admin.COMMANDS[verb](rt.deps, req, rest)
        return _emit(reply)

    run.__name__ = f"cmd_{verb}"
    return run


_HELP = {
    "set": ("set or replace a fact", "licensing revenue 2023 = US$630 million source: Annual Report 2023"),
    "remove": ("remove a fact (kept in history)", "licensing revenue 2023"),
    "alias": ("add another name for a metric", "royalty income = licensing revenue"),
    "licensee": ("add or remove a licence", "add Ericsson signed:2023-08 kind:cross-licence technology:cellular"),
    "history": ("who changed a metric, newest first", "licensing revenue"),
    "undo": ("take back your (--as USER) last change", ""),
    "admins": ("list, add or remove IP admins", "add U0123ABC"),
}

def _configure(verb: str) -> Callable[[argparse.ArgumentParser], None]:
    def configure(p: argparse.ArgumentParser) -> None:
        p.add_argument("words", nargs="*", help="the command as you would type it after /ip " + verb)
        if verb == "set":
            p.add_argument("--yes", action="store_true", help="write a suspicious change without asking")

    return configure


COMMANDS = tuple(
    CliCommand(verb, text, _configure(verb), _run(verb), description=f"{text}. Example: ipbot {verb} {example}".strip())
    for verb, (text, example) in _HELP.items()
)
