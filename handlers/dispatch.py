"""One entry point for everything typed at the bot (`/ip …`, a mention, a DM, the
console): the first word picks a command handler, anything else is a question.

The verbs, buttons, forms and type-ahead fields are looked up in `deps.registry`,
built once at start-up by handlers/registry.py, so Slack, the CLI and the console
all see the same set and `/ip help` lists them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

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


# a verb: handler(deps, request, rest_of_text); a button (by action id value):
# handler(deps, request, button value)
Handler = Callable[[Deps, Request, str], Awaitable[Reply]]
# Form.action -> handler(deps, request, form value, entered values by field name)
FormHandler = Callable[[Deps, Request, str, dict[str, str]], Awaitable[Reply]]
# field name of a "search" Field -> handler(deps, request, text typed so far)
OptionsHandler = Callable[[Deps, Request, str], Awaitable[list[Choice]]]
# run on every answer to a question: may add buttons for whoever asked (Correct this)
AnswerHook = Callable[[Deps, Request, Reply], Awaitable[Reply]]


ALREADY_HANDLED = "I already carried out this very request; it was not run again. Type the command anew to repeat it."


async def _first_time(deps: Deps, request_key: str) -> bool:
    """Claim the request's key (in the database: it holds across replicas and
    restarts); False when it was claimed before, i.e. the request is a replay."""
    return await deliveries.claim(deps, f"cmd:{request_key}")


async def handle(deps: Deps, req: Request) -> Reply:
    words = req.text.strip().split(None, 1)
    verb = words[0].lower() if words else ""
    command = deps.registry.verbs.get(verb)
    if command is not None:
        if req.request_key and not await _first_time(deps, req.request_key):
            return Reply(ReplyKind.ERROR, ALREADY_HANDLED)
        return await command(deps, req, words[1] if len(words) > 1 else "")
    return await _answered(deps, req, await ask_handler.ask(deps, req.text, user=req.user, channel=req.channel,
                                                            topic=req.topic))


async def _answered(deps: Deps, req: Request, reply: Reply) -> Reply:
    for hook in deps.registry.answer_hooks:
        reply = await hook(deps, req, reply)
    return reply


async def handle_options(deps: Deps, req: Request, field_name: str, typed: str) -> list[Choice] | None:
    """The choices a "search" field offers for what was typed; None: no such field."""
    fn = deps.registry.options.get(field_name)
    return await fn(deps, req, typed) if fn else None


async def handle_form(deps: Deps, req: Request, action: str, value: str, values: dict[str, str]) -> Reply | None:
    fn = deps.registry.forms.get(action)
    return await fn(deps, req, value, values) if fn else None


async def handle_action(deps: Deps, req: Request, action: str, value: str) -> Reply | None:
    fn = deps.registry.actions.get(action)
    return await fn(deps, req, value) if fn else None


async def handle_question(deps: Deps, req: Request) -> Reply:
    """`req.text` as a question, whatever its first word: for text that came from
    stored data (a "Did you mean" button shows a stored licensee or metric name),
    which must never run a command, however the name reads."""
    return await ask_handler.ask(deps, req.text, user=req.user, channel=req.channel, topic=req.topic)
