"""Files an admin shares in a DM with the bot: the sender is checked before
anything is looked up or downloaded with the bot's token, each file is downloaded
(bot/downloads.py) and handed to handlers/imports.py, the same import as `ipbot
import` (bot/importing.py), and each report is posted in the DM."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot import dedupe
from bot.blocks import render
from bot.downloads import MAX_IMPORT_BYTES, TooLarge, download, may_send_token
from bot.logs import request_line
from bot.state import BotState
from handlers import dispatch, imports
from handlers.permissions import require_admin
from handlers.replies import Reply, ReplyKind

MAX_FILES = 5


async def import_message(st: BotState, client: AsyncWebClient, event: dict[str, Any], *, user: str, channel: str,
                         thread_ts: str | None, started: float) -> None:
    """A DM carrying files. Not claimed up front: each file is recorded as imported
    in the transaction that writes its rows, the message once every file was dealt
    with, so a delivery killed part-way is finished by Slack's retry instead of
    dropped as a duplicate."""
    key = dedupe.message_key(event)
    if await dedupe.claimed(st, key):
        request_line("import", user=user, started=started, answered=None, duplicate="yes")
        return
    await import_files(st, client, event, user, channel, thread_ts, key)
    await dedupe.claim(st, key)
    request_line("import", user=user, started=started, answered=True)


async def import_files(st: BotState, client: AsyncWebClient, event: dict[str, Any], user: str, channel: str,
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
        file_key = dedupe.file_key(key, f)
        if await dedupe.claimed(st, file_key):
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
        if not url or not may_send_token(url, api_url=st.api_url):
            await say(Reply(ReplyKind.ERROR, f"I could not download {name}; nothing was imported."))
            continue
        try:
            data = await download(st, url)
        except TooLarge:
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
