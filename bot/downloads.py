"""Downloading a file someone shared: with the bot token, only from Slack (or the
configured stand-in), read to its end and never past MAX_IMPORT_BYTES."""

from __future__ import annotations

from urllib.parse import urlsplit

import aiohttp

from bot.state import BotState

MAX_IMPORT_BYTES = 20 * 1024 * 1024
DOWNLOAD_CHUNK = 64 * 1024


class TooLarge(Exception):
    """More than MAX_IMPORT_BYTES arrived (or were announced)."""


def may_send_token(url: str, *, api_url: str) -> bool:
    """The bot token goes only to Slack (or the configured stand-in at `api_url`),
    never to a URL some payload made up."""
    host = urlsplit(url).hostname or ""
    api_host = urlsplit(api_url).hostname or ""
    return host == "slack.com" or host.endswith(".slack.com") or (bool(api_host) and host == api_host)


async def download(st: BotState, url: str) -> bytes | None:
    """The whole file, read to its end (one `read(n)` returns only what happens to be
    buffered, which silently cut files); None when the download fails or is cut
    short. Raises TooLarge as soon as more than MAX_IMPORT_BYTES arrived, whatever
    files.info said about the size."""
    http = await st.http()
    try:
        async with http.get(url, headers={"Authorization": f"Bearer {st.bot_token}"}) as resp:
            if resp.status != 200:
                return None
            if (resp.content_length or 0) > MAX_IMPORT_BYTES:
                raise TooLarge()
            data = bytearray()
            async for chunk in resp.content.iter_chunked(DOWNLOAD_CHUNK):
                data += chunk
                if len(data) > MAX_IMPORT_BYTES:
                    raise TooLarge()
            if resp.content_length is not None and len(data) != resp.content_length:
                return None
            return bytes(data)
    except (aiohttp.ClientError, TimeoutError):
        # includes a connection closed before Content-Length bytes arrived
        return None
