"""Where a reply goes and how it is sent: into a conversation (`say`), back to a
click (`responder`: its response_url or the clicker's DM), or as `/ip`'s ephemeral
answer (`command_reply`). Rendering itself is bot/blocks.py's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import Rendered, render
from handlers import limits
from handlers.replies import Reply, ReplyKind

NOT_IN_CHANNEL = ("I can't post in this conversation. Invite me with `/invite @ipbot` and press Share again, "
                  "or ask me in a direct message.")


class Responder(Protocol):
    """Where the reply to a click goes: Bolt's AsyncRespond (response_url) or the
    clicker's DM (`responder`)."""

    async def __call__(self, *, text: str = "", blocks: Sequence[dict[str, Any]] | None = None,
                       response_type: str | None = None, replace_original: bool | None = None,
                       delete_original: bool | None = None) -> object: ...


async def say(client: AsyncWebClient, reply: Reply, *, channel: str, thread_ts: str | None, user: str,
              is_dm: bool, question: str | None = None) -> None:
    """A reply in a conversation. One naming people to contact (a refusal's "Ask:
    @admin") goes, in a channel, only to the person who asked: posted publicly it
    pinged those people in front of everyone at every refused attempt."""
    rendered = render(reply, feedback_on=question).as_kwargs()
    if reply.mentions and not is_dm and user:
        await client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, **rendered)
    else:
        await client.chat_postMessage(channel=channel, thread_ts=thread_ts, **rendered)


def responder(client: AsyncWebClient, user: str, respond: Responder | None) -> Responder:
    """Where the reply to a click goes: its response_url, or, for a button in a modal
    or the Home tab (no response_url, no channel), the clicker's DM with the bot.
    "Replace" and "ephemeral" have no meaning there; "delete the original" is skipped."""
    if respond is not None and getattr(respond, "response_url", None):
        return respond

    async def to_dm(*, text: str = "", blocks: Sequence[dict[str, Any]] | None = None,
                    response_type: str | None = None, replace_original: bool | None = None,
                    delete_original: bool | None = None) -> None:
        if delete_original or not user:
            return
        await client.chat_postMessage(channel=user, text=text, blocks=blocks)

    return to_dm


def command_reply(reply: Reply, question: str) -> Rendered:
    """An ephemeral answer to a question (`/ip`, a suggestion clicked) with "Share in
    channel" and 👍/👎."""
    share = question if reply.kind is ReplyKind.ANSWER and question.strip() else None
    return render(reply, share_question=share, feedback_on=feedback_on(reply, question))


def feedback_on(reply: Reply, question: str) -> str | None:
    """Answers to questions (they carry their plan) get 👍/👎; commands and help do not."""
    return question if reply.plan is not None and question.strip() else None


def too_long() -> Reply:
    return Reply(ReplyKind.ERROR, limits.too_long())
