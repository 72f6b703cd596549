"""Thin Bolt listeners: acknowledge, turn the payload into a Request, call
handlers.dispatch, render, send. No answering logic lives here.

The app runs with process_before_response=True: Bolt's default mode polls for the
ack every 10 ms, which alone would eat the latency budget of `/ip`. So `/ip`
answers inside its own ack, and events/actions ack at once and hand the work to
`BotState.spawn`, whose failures go through the same `on_error` as Bolt's."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import charts, forms
from bot.blocks import Rendered, action_name, render, render_text
from bot.logs import request_line, warn_failure
from handlers import deliveries, dispatch, imports, limits, topics
from handlers.charts import Chart
from handlers.deps import Deps
from handlers.errors import IpbotError, NotAllowed, StoreUnavailable
from handlers.permissions import require_admin
from handlers.replies import ActionId, Reply, ReplyKind

if TYPE_CHECKING:
    from bot.home_refresh import HomeRefresher

log = logging.getLogger(__name__)
# where the reply to a click goes: Bolt's respond (response_url) or the clicker's DM
Responder = Callable[..., Awaitable[Any]]

# Slack wants the ack within 3 s; past this the answer goes through response_url
ACK_BUDGET = 2.0
MAX_IMPORT_BYTES = 20 * 1024 * 1024
DOWNLOAD_CHUNK = 64 * 1024
MAX_FILES = 5
# message subtypes that are a person writing; edits, deletions, joins, bots are not
_PERSON_SUBTYPES = {None, "file_share", "thread_broadcast"}
NOT_IN_CHANNEL = ("I can't post in this conversation. Invite me with `/invite @ipbot` and press Share again, "
                  "or ask me in a direct message.")
NOWHERE_TO_SHARE = ("There is no conversation to share into from here. Ask with `/ip` in a channel and press "
                    "Share there.")
EXPIRED = "That button is no longer active. Ask again with `/ip`."
GENERIC_ERROR = "Something went wrong on my side; please try again. If it keeps happening, tell the ipbot admins."
# Slack sends a typed &, < or > as an entity of up to 5 characters: a longer text
# cannot be within limits.MAX_MESSAGE once decoded (the extra room: a bot mention)
MAX_RAW_TEXT = 5 * limits.MAX_MESSAGE + 100


@dataclass
class BotState:
    """What every listener shares: the handler deps, the bot token (for private file
    downloads only), and the tasks answering acknowledged requests."""

    deps: Deps
    bot_token: str = ""
    api_url: str = ""
    ack_budget: float = ACK_BUDGET
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    # re-publishes recent visitors' Home tabs after a change (bot/home_refresh.py)
    home: HomeRefresher | None = None
    _http: aiohttp.ClientSession | None = None

    def spawn(self, work: Coroutine[Any, Any, None], on_error: Callable[[Exception], Awaitable[Any]]) -> None:
        async def run() -> None:
            try:
                await work
            except Exception as exc:
                try:
                    await on_error(exc)
                except Exception:
                    log.exception("could not report an error to the user")

        task = asyncio.create_task(run())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def drain(self) -> None:
        """Wait for every acknowledged request to be answered (shutdown, tests)."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)

    async def http(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        return self._http

    async def close(self) -> None:
        if self.home is not None:
            await self.home.close()
        await self.drain()
        if self._http is not None:
            await self._http.close()


def _state(context: AsyncBoltContext) -> BotState:
    st = context["ipbot"]
    assert isinstance(st, BotState)
    return st


# ---- errors ---------------------------------------------------------------------


def error_reply(error: BaseException) -> Reply:
    """A domain exception as the short reply the user sees; never a traceback."""
    if isinstance(error, StoreUnavailable):
        return Reply(ReplyKind.UNAVAILABLE, str(error))
    if isinstance(error, NotAllowed):
        return Reply(ReplyKind.ERROR, str(error), mentions=error.contacts)
    if isinstance(error, IpbotError):
        return Reply(ReplyKind.ERROR, str(error))
    if isinstance(error, SQLAlchemyError | ConnectionError):
        return Reply(ReplyKind.UNAVAILABLE, str(StoreUnavailable()))
    return Reply(ReplyKind.ERROR, GENERIC_ERROR)


def _event_target(event: dict[str, Any]) -> tuple[str, str | None]:
    """Where a reply to this message goes: in channels the thread under it, in a DM
    the DM itself (or the thread the person wrote in)."""
    channel = str(event.get("channel", ""))
    if _is_dm(event):
        return channel, event.get("thread_ts")
    return channel, event.get("thread_ts") or event.get("ts")


def _is_dm(event: dict[str, Any]) -> bool:
    return event.get("channel_type") == "im" or str(event.get("channel", "")).startswith("D")


def _kind_of(body: dict[str, Any]) -> str:
    if body.get("command"):
        return "command"
    if body.get("type") == "block_actions":
        return "action"
    ev = body.get("event") or {}
    if ev.get("type") == "app_mention":
        return "mention"
    if ev.get("type") == "message":
        return "dm"
    return str(body.get("type", "unknown"))


def _type_of(body: dict[str, Any]) -> str:
    """What kind of delivery this is, for the log: the event type for Events API
    callbacks (`app_home_opened`), the payload type otherwise (`view_submission`)."""
    ev = body.get("event")
    if body.get("type") == "event_callback" and isinstance(ev, dict):
        return str(ev.get("type") or "event")[:60]
    if body.get("command"):
        return "command"
    return str(body.get("type") or "unknown")[:60]


def _user_of(body: dict[str, Any]) -> str:
    return str(body.get("user_id") or (body.get("user") or {}).get("id") or (body.get("event") or {}).get("user")
               or "")


async def on_error(
    error: Exception, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
    respond: Responder | None = None,
) -> BoltResponse | None:
    """The one place an exception becomes a reply: registered with `app.error` and
    used by `BotState.spawn`. The request stays acknowledged.

    A request that did not pass verification (e.g. a timestamp slack_sdk's verifier
    could not read) is refused: nothing in its body (channel, thread, response_url,
    user) is read or acted on."""
    if not context.get("verified"):
        log.warning("refused request: failed verification (%s)", type(error).__name__)
        return BoltResponse(status=401, body="")
    if isinstance(error, BoltUnhandledRequestError):
        return _ignore(body, context, "no listener")
    reply = error_reply(error)
    kind = _kind_of(body)
    if reply.kind is ReplyKind.ERROR and not isinstance(error, IpbotError):
        log.error("%s failed: %s", kind, type(error).__name__, exc_info=error)
    started = context.get("started", time.perf_counter())
    request_line(kind, user=_user_of(body), started=started, answered=False, error=type(error).__name__)
    rendered = render(reply)
    ack = context.ack
    if kind == "command" and (ack is None or ack.response is None):
        # /ip not acknowledged yet: the error is the acknowledgement
        return BoltResponse(status=200, body=json.dumps({"response_type": "ephemeral", **rendered.as_kwargs()}),
                            headers={"content-type": "application/json"})
    if kind == "action":
        respond = _responder(client, _user_of(body), respond)
    if kind in ("command", "action") and respond is not None:
        await respond(response_type="ephemeral", replace_original=False, **rendered.as_kwargs())
        return None
    event = body.get("event") or {}
    if event.get("channel"):
        channel, thread_ts = _event_target(event)
        await _say(client, reply, channel=channel, thread_ts=thread_ts, user=str(event.get("user") or ""),
                   is_dm=_is_dm(event))
    return None


async def _say(client: AsyncWebClient, reply: Reply, *, channel: str, thread_ts: str | None, user: str,
               is_dm: bool, question: str | None = None) -> None:
    """A reply in a conversation. One naming people to contact (a refusal's "Ask:
    @admin") goes, in a channel, only to the person who asked: posted publicly it
    pinged those people in front of everyone at every refused attempt."""
    rendered = render(reply, feedback_on=question).as_kwargs()
    if reply.mentions and not is_dm and user:
        await client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, **rendered)
    else:
        await client.chat_postMessage(channel=channel, thread_ts=thread_ts, **rendered)


def _ignore(body: dict[str, Any], context: AsyncBoltContext, reason: str) -> BoltResponse:
    """Acknowledge a verified request we do nothing with (a shortcut, a modal, an
    event we are not subscribed to on purpose): 200 and one log line."""
    request_line(_type_of(body), user=_user_of(body), started=context.get("started", time.perf_counter()),
                 answered=None, ignored=reason)
    return BoltResponse(status=200, body="")


def _spawn(st: BotState, work: Coroutine[Any, Any, None], body: dict[str, Any], context: AsyncBoltContext,
           client: AsyncWebClient, respond: Responder | None = None) -> None:
    async def report(exc: Exception) -> None:
        await on_error(exc, body, context, client, respond)

    st.spawn(work, report)


# ---- /ip --------------------------------------------------------------------------


async def on_ip(ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
                respond: AsyncRespond) -> None:
    st = _state(context)
    started = context.get("started", time.perf_counter())
    user = str(command.get("user_id", ""))
    channel = str(command.get("channel_id", ""))
    text = read_text(str(command.get("text") or ""), None, strip=False)
    if text is None:
        await ack(response_type="ephemeral", **render(_too_long()).as_kwargs())
        request_line("command", user=user, started=started, answered=False, error="too_long")
        return
    req = dispatch.Request(text, user=user, channel=channel,
                           is_dm=command.get("channel_name") == "directmessage" or channel.startswith("D"),
                           request_key=_request_key(command), private=True, after=[])
    task = asyncio.ensure_future(dispatch.handle(st.deps, req))
    done, _ = await asyncio.wait({task}, timeout=st.ack_budget)
    if not done:
        await ack(response_type="ephemeral", text="Working on it…")

        async def finish() -> None:
            reply = await task
            await respond(response_type="ephemeral", replace_original=True, **_command_reply(reply, text).as_kwargs())
            _after_ack(st, req, context, client)
            request_line("command", user=user, started=started, answered=reply.answered, kind=reply.kind,
                         late="yes")

        body = {"command": command.get("command", "/ip"), "user_id": user}
        _spawn(st, finish(), body, context, client, respond)
        return
    reply = task.result()  # a domain error propagates to on_error, which acknowledges with it
    if reply.form is not None and command.get("trigger_id"):
        # `/ip set` alone: the form opens (within the trigger's 3 seconds); the ack says so
        await forms.open_modal(client, str(command["trigger_id"]), reply.form)
        await ack(response_type="ephemeral", text=f"Opened the form: {reply.form.title}.")
        request_line("command", user=user, started=started, answered=True, kind=reply.kind, form="opened")
        return
    await ack(response_type="ephemeral", **_command_reply(reply, text).as_kwargs())
    request_line("command", user=user, started=started, answered=reply.answered, kind=reply.kind)
    _after_ack(st, req, context, client)


def _after_ack(st: BotState, req: dispatch.Request, context: AsyncBoltContext, client: AsyncWebClient) -> None:
    """What the answer left for later (logging an unanswered question), once Slack has
    it; a failure is logged, never shown to the person who asked."""
    for work in req.after or ():
        _spawn(st, work(), {"command": "/ip", "user_id": req.user}, context, client)


def _request_key(command: dict[str, Any]) -> str:
    """What makes a replayed `/ip` recognisable: Slack gives every command its own
    trigger_id, part of the signed body, so a replay carries the same one."""
    trigger = str(command.get("trigger_id") or "")
    return f"trigger:{trigger}"[:150] if trigger else ""


def _command_reply(reply: Reply, question: str) -> Rendered:
    share = question if reply.kind is ReplyKind.ANSWER and question.strip() else None
    return render(reply, share_question=share, feedback_on=_feedback_on(reply, question))


def _feedback_on(reply: Reply, question: str) -> str | None:
    """Answers to questions (they carry their plan) get 👍/👎; commands and help do not."""
    return question if reply.plan is not None and question.strip() else None


# ---- mentions and DMs ------------------------------------------------------------


def _ignorable(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """Bots (ourselves included), edits, deletions and other non-person messages:
    answering them could loop."""
    return bool(
        event.get("bot_id")
        or event.get("subtype") not in _PERSON_SUBTYPES
        or not event.get("user")
        or (bot_user_id and event.get("user") == bot_user_id)
        or event.get("hidden")
    )


def _log_ignored(kind: str, event: dict[str, Any], context: AsyncBoltContext) -> None:
    reason = "bot" if event.get("bot_id") else (event.get("subtype") or event.get("channel_type") or "other")
    request_line(kind, user=str(event.get("user") or ""), started=context.get("started", time.perf_counter()),
                 answered=None, ignored=reason)


def slack_text(text: str) -> str:
    """Slack sends the &, < and > a person typed as entities (its markup uses the
    bare characters); handlers get what the person typed. Decoded once, here, after
    any markup has been read, so "&amp;lt;" stays the "&lt;" that was typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _strip_bot(text: str, bot_user_id: str | None) -> str:
    """"<@UBOT> set …" must reach dispatch as "set …" so verbs still work. The label
    may not cross a "<": an unclosed "<@UBOT|" then costs linear time."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^<>]*)?>", " ", text)
    return text.strip()


def read_text(raw: str, bot_user_id: str | None, *, strip: bool = True) -> str | None:
    """What the person typed (the bot's mention removed, entities decoded), or None
    when that is longer than limits.MAX_MESSAGE. The length is checked before any
    pattern sees the text."""
    if len(raw) > MAX_RAW_TEXT:
        return None
    text = slack_text(_strip_bot(raw, bot_user_id) if strip else raw)
    return text if len(text) <= limits.MAX_MESSAGE else None


def _too_long() -> Reply:
    return Reply(ReplyKind.ERROR, limits.too_long())


async def on_mention(ack: AsyncAck, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext,
                     client: AsyncWebClient) -> None:
    await ack()
    if _ignorable(event, context.bot_user_id):
        _log_ignored("mention", event, context)
        return
    st = _state(context)
    _spawn(st, _answer_message(st, client, context, event, "mention"), body, context, client)


async def on_message(ack: AsyncAck, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext,
                     client: AsyncWebClient) -> None:
    await ack()
    if event.get("channel_type") != "im" or _ignorable(event, context.bot_user_id):
        _log_ignored("dm", event, context)
        return
    st = _state(context)
    _spawn(st, _answer_message(st, client, context, event, "dm"), body, context, client)


async def _answer_message(st: BotState, client: AsyncWebClient, context: AsyncBoltContext,
                          event: dict[str, Any], kind: str) -> None:
    started = context.get("started", time.perf_counter())
    channel, thread_ts = _event_target(event)
    user = str(event.get("user", ""))
    is_dm = _is_dm(event)
    # one key for the message, whichever way (message / app_mention, retry, replica) it arrives
    key = f"msg:{channel}:{event.get('ts', '')}"
    if is_dm and event.get("files"):
        # not claimed up front: each file is recorded as imported in the transaction that
        # writes its rows, the message once every file was dealt with, so a delivery
        # killed part-way is finished by Slack's retry instead of dropped as a duplicate
        if await _claimed(st, key):
            request_line("import", user=user, started=started, answered=None, duplicate="yes")
            return
        await _import_files(st, client, event, user, channel, thread_ts, key)
        await _claim(st, key)
        request_line("import", user=user, started=started, answered=True)
        return
    if not await _claim(st, key):
        request_line(kind, user=user, started=started, answered=None, duplicate="yes")
        return
    text = read_text(str(event.get("text") or ""), context.bot_user_id)
    if text is None:
        await client.chat_postMessage(channel=channel, thread_ts=thread_ts, **render(_too_long()).as_kwargs())
        request_line(kind, user=user, started=started, answered=False, error="too_long")
        return
    # the thread's root ts (channels), or the DM itself at top level
    topic_key = str(event.get("thread_ts") or ("" if is_dm else event.get("ts", "")))
    topic = await _get_topic(st, channel, topic_key) if (is_dm or event.get("thread_ts")) else None
    reply = await dispatch.handle(st.deps, dispatch.Request(text, user=user, channel=channel, is_dm=is_dm,
                                                            topic=topic))
    await _say(client, reply, channel=channel, thread_ts=thread_ts, user=user, is_dm=is_dm,
               question=_feedback_on(reply, text))
    if reply.chart is not None:
        # drawn and uploaded after the answer is out; a failed upload costs only the picture
        st.spawn(_upload_chart(client, reply.chart, channel=channel, thread_ts=thread_ts),
                 warn_failure("upload a chart"))
    if reply.topic and reply.topic != topic:
        await _set_topic(st, channel, topic_key, reply.topic)
    request_line(kind, user=user, started=started, answered=reply.answered, kind=reply.kind,
                 topic=reply.topic or "")


async def _upload_chart(client: AsyncWebClient, chart: Chart, *, channel: str, thread_ts: str | None) -> None:
    await charts.upload(client, chart, channel=channel, thread_ts=thread_ts)


async def _claim(st: BotState, key: str) -> bool:
    """True for the first delivery of `key` (see handlers/deliveries.py)."""
    return await deliveries.claim(st.deps, key)


async def _claimed(st: BotState, key: str) -> bool:
    return await deliveries.claimed(st.deps, key)


async def _get_topic(st: BotState, channel: str, thread_ts: str) -> str | None:
    return await topics.get(st.deps, channel=channel, thread_ts=thread_ts)


async def _set_topic(st: BotState, channel: str, thread_ts: str, topic: str) -> None:
    await topics.put(st.deps, channel=channel, thread_ts=thread_ts, topic=topic)


# ---- files shared in a DM: admin import --------------------------------------------


def _may_send_token(st: BotState, url: str) -> bool:
    """The bot token goes only to Slack (or the configured stand-in), never to a URL
    some payload made up."""
    host = urlsplit(url).hostname or ""
    api_host = urlsplit(st.api_url).hostname or ""
    return host == "slack.com" or host.endswith(".slack.com") or (bool(api_host) and host == api_host)


async def _import_files(st: BotState, client: AsyncWebClient, event: dict[str, Any], user: str, channel: str,
                        thread_ts: str | None, key: str) -> None:
    async def say(r: Reply) -> None:
        await client.chat_postMessage(channel=channel, thread_ts=thread_ts, **render(r).as_kwargs())

    # before anything is looked up or downloaded with the bot's token (NotAllowed -> on_error)
    await require_admin(st.deps, dispatch.Request("", user=user, channel=channel, is_dm=True))
    files = list(event.get("files") or [])
    if len(files) > MAX_FILES:
        await say(Reply(ReplyKind.ERROR, f"Send at most {MAX_FILES} files at a time; nothing was imported."))
        return
    for f in files:
        file_key = f"import:{key}:{f.get('id', '')}"
        if await _claimed(st, file_key):
            continue  # imported, and reported, by an earlier delivery of this message
        # POST: Slack accepts either verb, and form bodies keep the id out of access logs
        info = await client.api_call("files.info", http_verb="POST", data={"file": str(f.get("id", ""))})
        meta = info.get("file") or {}
        name = str(meta.get("name") or f.get("name") or "upload")
        url = str(meta.get("url_private_download") or meta.get("url_private") or "")
        if int(meta.get("size") or 0) > MAX_IMPORT_BYTES:
            await say(Reply(ReplyKind.ERROR, f"{name} is larger than {MAX_IMPORT_BYTES // 2**20} MB; "
                                             "split it or use `ipbot import`. Nothing was imported."))
            continue
        if not url or not _may_send_token(st, url):
            await say(Reply(ReplyKind.ERROR, f"I could not download {name}; nothing was imported."))
            continue
        try:
            data = await _download(st, url)
        except _TooLarge:
            await say(Reply(ReplyKind.ERROR, f"{name} is larger than {MAX_IMPORT_BYTES // 2**20} MB; "
                                             "split it or use `ipbot import`. Nothing was imported."))
            continue
        if data is None:
            await say(Reply(ReplyKind.ERROR, f"I could not download {name}; nothing was imported."))
            continue
        reply = await imports.import_file(st.deps, dispatch.Request("", user=user, channel=channel, is_dm=True),
                                          data, name, delivery=file_key)
        if reply is not None:  # None: another delivery of this message imported it meanwhile
            await say(reply)


class _TooLarge(Exception):
    pass


async def _download(st: BotState, url: str) -> bytes | None:
    """The whole file, read to its end (one `read(n)` returns only what happens to be
    buffered, which silently cut files); None when the download fails or is cut
    short. Raises _TooLarge as soon as more than MAX_IMPORT_BYTES arrived, whatever
    files.info said about the size."""
    http = await st.http()
    try:
        async with http.get(url, headers={"Authorization": f"Bearer {st.bot_token}"}) as resp:
            if resp.status != 200:
                return None
            if (resp.content_length or 0) > MAX_IMPORT_BYTES:
                raise _TooLarge()
            data = bytearray()
            async for chunk in resp.content.iter_chunked(DOWNLOAD_CHUNK):
                data += chunk
                if len(data) > MAX_IMPORT_BYTES:
                    raise _TooLarge()
            if resp.content_length is not None and len(data) != resp.content_length:
                return None
            return bytes(data)
    except (aiohttp.ClientError, TimeoutError):
        # includes a connection closed before Content-Length bytes arrived
        return None


# ---- buttons ------------------------------------------------------------------------


def _responder(client: AsyncWebClient, user: str, respond: Responder | None) -> Responder:
    """Where the reply to a click goes: its response_url, or, for a button in a modal
    or the Home tab (no response_url, no channel), the clicker's DM with the bot.
    "Replace" and "ephemeral" have no meaning there; "delete the original" is skipped."""
    if respond is not None and getattr(respond, "response_url", None):
        return respond

    async def to_dm(**kwargs: Any) -> None:
        if kwargs.get("delete_original") or not user:
            return
        await client.chat_postMessage(channel=user, **{k: v for k, v in kwargs.items() if k in ("text", "blocks")})

    return to_dm


async def on_action(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: AsyncBoltContext,
                    client: AsyncWebClient, respond: AsyncRespond | None) -> None:
    await ack()
    st = _state(context)
    reply_to = _responder(client, _user_of(body), respond)
    _spawn(st, _handle_action(st, body, action, context, client, reply_to), body, context, client, reply_to)


async def _handle_action(st: BotState, body: dict[str, Any], action: dict[str, Any], context: AsyncBoltContext,
                         client: AsyncWebClient, respond: Responder) -> None:
    started = context.get("started", time.perf_counter())
    name = action_name(str(action.get("action_id", "")))
    value = str(action.get("value") or "")
    user = _user_of(body)
    container = body.get("container") or {}
    channel = str((body.get("channel") or {}).get("id") or container.get("channel_id") or "")
    is_dm = channel.startswith("D")
    if len(value) > limits.MAX_MESSAGE:  # Slack allows 2,000; nothing longer is ours
        await respond(response_type="ephemeral", replace_original=False, **render(_too_long()).as_kwargs())
        request_line("action", user=user, started=started, answered=False, error="too_long")
        return
    req = dispatch.Request(value, user=user, channel=channel, is_dm=is_dm)
    if name == ActionId.SHARE and not channel:
        await respond(response_type="ephemeral", replace_original=False, **render_text(NOWHERE_TO_SHARE).as_kwargs())
        request_line("share", user=user, started=started, answered=False, error="no_channel")
        return
    if name == ActionId.SHARE:
        # the question is asked again: the answer text in the payload came from a client
        reply = await dispatch.handle(st.deps, req)
        try:
            await client.chat_postMessage(channel=channel, **render(reply, asked_by=user, question=value).as_kwargs())
        except SlackApiError as exc:
            if exc.response.get("error") not in ("not_in_channel", "channel_not_found", "is_archived",
                                                 "restricted_action"):
                raise
            await respond(response_type="ephemeral", replace_original=False, **render_text(NOT_IN_CHANNEL).as_kwargs())
            request_line("share", user=user, started=started, answered=False, error=exc.response.get("error"))
            return
        with contextlib.suppress(Exception):  # the public post is what matters
            await respond(delete_original=True)
        request_line("share", user=user, started=started, answered=reply.answered, kind=reply.kind)
        return
    if name == ActionId.ASK_SUGGESTION:
        # the value is a stored name: a question, never a command ("admins add U…")
        reply = await dispatch.handle_question(st.deps, req)
        if container.get("is_ephemeral") or not body.get("message"):
            await respond(response_type="ephemeral", replace_original=False,
                          **_command_reply(reply, value).as_kwargs())
        else:
            msg = body["message"]
            thread_ts = msg.get("thread_ts") or (None if is_dm else msg.get("ts"))
            await client.chat_postMessage(channel=channel, thread_ts=thread_ts, **render(reply).as_kwargs())
        request_line("suggestion", user=user, started=started, answered=reply.answered, kind=reply.kind)
        return
    handled = await dispatch.handle_action(st.deps, req, name, value)
    if handled is None:
        await respond(response_type="ephemeral", replace_original=False, **render_text(EXPIRED).as_kwargs())
        request_line("action", user=user, started=started, answered=False, action=name)
        return
    if handled.form is not None and body.get("trigger_id"):
        # the trigger expires 3 seconds after the click: open the form first
        await forms.open_modal(client, str(body["trigger_id"]), handled.form)
        if handled.kind is ReplyKind.PREVIEW:  # the form is the whole reply
            request_line("action", user=user, started=started, answered=True, action=name, form="opened")
            return
    # a vote leaves the answer it is about in place; other buttons are replaced by their result
    keep = name in (ActionId.FEEDBACK_UP, ActionId.FEEDBACK_DOWN)
    await respond(response_type="ephemeral", replace_original=not keep, **render(handled).as_kwargs())
    request_line("action", user=user, started=started, answered=handled.answered, action=name)
