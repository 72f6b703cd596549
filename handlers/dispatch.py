"""One entry point for everything typed at the bot (`/ip …`, a mention, a DM, the
console): the first word picks a command handler, anything else is a question.

Command modules register their verbs here (`register("set", fn)`) when imported;
`load_commands()` imports the known ones, so Slack, the CLI and the console all
see the same set and `/ip help` lists them."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from handlers import ask as ask_handler
from handlers import deliveries
from handlers.deps import Deps
from handlers.replies import Choice, Reply, ReplyKind


@dataclass(frozen=True)
class Request:
    """Who typed what, where. `channel` is '' on the CLI/console; `is_dm` for a DM."""

    text: str
    user: str = ""
    channel: str = ""
    is_dm: bool = False
    topic: str | None = None  # metric of an earlier answer in the same thread
    trusted: bool = False  # the CLI operator: allowed to change facts without being an admin
    # what identifies this very request where one can arrive twice (Slack: a slash
    # command's trigger_id); a command seen with the same key again is not run again
    request_key: str = ""
    # the reply is seen by this person only (`/ip`'s ephemeral answer, a DM): it may
    # carry buttons meant for them alone ("Correct this" for an admin)
    private: bool = False
    # work that can wait until the reply is out (logging an unanswered question): an
    # entry point that acknowledges first (Slack's `/ip`) passes a list and runs it after
    # the ack; None runs it before the reply is returned
    after: list[Callable[[], Coroutine[Any, Any, None]]] | None = None


Handler = Callable[[Deps, Request, str], Awaitable[Reply]]
# verb -> handler(deps, request, rest_of_text)
VERBS: dict[str, Handler] = {}
# action id value -> handler(deps, request, button value)
ACTIONS: dict[str, Handler] = {}

FormHandler = Callable[[Deps, Request, str, dict[str, str]], Awaitable[Reply]]
# Form.action -> handler(deps, request, form value, entered values by field name)
FORMS: dict[str, FormHandler] = {}

OptionsHandler = Callable[[Deps, "Request", str], Awaitable[list[Choice]]]
# field name of a "search" Field -> handler(deps, request, text typed so far)
OPTIONS: dict[str, OptionsHandler] = {}

# run on every answer to a question: may add buttons for whoever asked (Correct this)
AnswerHook = Callable[[Deps, "Request", Reply], Awaitable[Reply]]
ANSWER_HOOKS: list[AnswerHook] = []

COMMAND_MODULES = ("handlers.admin", "handlers.admin_forms", "handlers.ask_form", "handlers.digest", "handlers.gaps",
                   "handlers.home", "handlers.stale", "handlers.reminders", "handlers.pickers",
                   "handlers.digest_form")


ALREADY_HANDLED = "I already carried out this very request; it was not run again. Type the command anew to repeat it."


async def _first_time(deps: Deps, request_key: str) -> bool:
    """Claim the request's key (in the database: it holds across replicas and
    restarts); False when it was claimed before, i.e. the request is a replay."""
    return await deliveries.claim(deps, f"cmd:{request_key}")


def register(verb: str, fn: Handler) -> Handler:
    VERBS[verb] = fn
    ask_handler.register_help(fn)
    return fn


def register_action(action: str, fn: Handler) -> Handler:
    ACTIONS[action] = fn
    return fn


def load_commands() -> None:
    for mod in COMMAND_MODULES:
        importlib.import_module(mod)


async def handle(deps: Deps, req: Request) -> Reply:
    words = req.text.strip().split(None, 1)
    verb = words[0].lower() if words else ""
    if verb in VERBS:
        if req.request_key and not await _first_time(deps, req.request_key):
            return Reply(ReplyKind.ERROR, ALREADY_HANDLED)
        return await VERBS[verb](deps, req, words[1] if len(words) > 1 else "")
    later = req.after.append if req.after is not None else None
    return await _answered(deps, req, await ask_handler.ask(deps, req.text, user=req.user, channel=req.channel,
                                                            topic=req.topic, later=later))


async def _answered(deps: Deps, req: Request, reply: Reply) -> Reply:
    for hook in ANSWER_HOOKS:
        reply = await hook(deps, req, reply)
    return reply


def register_answer_hook(fn: AnswerHook) -> AnswerHook:
    if fn not in ANSWER_HOOKS:
        ANSWER_HOOKS.append(fn)
    return fn


def register_options(field_name: str, fn: OptionsHandler) -> OptionsHandler:
    OPTIONS[field_name] = fn
    return fn


async def handle_options(deps: Deps, req: Request, field_name: str, typed: str) -> list[Choice] | None:
    """The choices a "search" field offers for what was typed; None: no such field."""
    fn = OPTIONS.get(field_name)
    return await fn(deps, req, typed) if fn else None


def register_form(action: str, fn: FormHandler) -> FormHandler:
    FORMS[action] = fn
    return fn


async def handle_form(deps: Deps, req: Request, action: str, value: str, values: dict[str, str]) -> Reply | None:
    fn = FORMS.get(action)
    return await fn(deps, req, value, values) if fn else None


async def handle_action(deps: Deps, req: Request, action: str, value: str) -> Reply | None:
    fn = ACTIONS.get(action)
    return await fn(deps, req, value) if fn else None


async def handle_question(deps: Deps, req: Request) -> Reply:
    """`req.text` as a question, whatever its first word: for text that came from
    stored data (a "Did you mean" button shows a stored licensee or metric name),
    which must never run a command, however the name reads."""
    return await ask_handler.ask(deps, req.text, user=req.user, channel=req.channel, topic=req.topic)
