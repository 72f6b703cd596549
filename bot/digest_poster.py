"""The digest's poster (handlers/digest_run.py's `Poster`) on Slack's Web API:
Block Kit via chat.postMessage with message metadata, the channel's history
searched for that metadata, the chart uploaded into the digest's thread.

Rate limits and dropped connections are retried by the client (bot.app.make_client);
what is still an error becomes a PostError, permanent when only a person can fix it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import charts
from bot.blocks import render_digest
from handlers.charts import Chart
from handlers.digest import DigestReply
from handlers.digest_run import DigestMark, PostError

# the metadata event type of a posted digest
EVENT_TYPE = "ipbot_digest"
# searched from this long before the earlier claim (clocks of this host and Slack may differ)
HISTORY_MARGIN = timedelta(minutes=5)
HISTORY_PAGE = 200
HISTORY_PAGES = 10
# Slack errors that the next try will meet again: the channel, the membership or the token must change first
PERMANENT = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "not_authed", "account_inactive",
    "token_revoked", "token_expired", "missing_scope", "no_permission", "restricted_action",
    "team_access_not_granted", "ekm_access_denied", "invalid_blocks", "msg_too_long",
})


def digest_metadata(mark: DigestMark) -> dict[str, Any]:
    return {"event_type": EVENT_TYPE,
            "event_payload": {"subscription_id": mark.subscription_id, "period": mark.period}}


def _is_mark(msg: dict[str, Any], mark: DigestMark) -> bool:
    meta = msg.get("metadata") or {}
    payload = meta.get("event_payload") or {}
    return bool(meta.get("event_type") == EVENT_TYPE and payload.get("period") == mark.period
                and str(payload.get("subscription_id")) == str(mark.subscription_id))


def _post_error(exc: Exception, hint: str = "") -> PostError:
    if isinstance(exc, SlackApiError):
        err = str(exc.response.get("error") or "unknown")
        return PostError(f"Slack error: {err}{hint}", permanent=err in PERMANENT)
    return PostError(f"{type(exc).__name__}: {exc}{hint}"[:500])


class SlackPoster:
    """`SlackPoster(make_client(settings))`; tests point the client at the stand-in Slack."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def post(self, channel: str, digest: DigestReply, mark: DigestMark) -> str:
        blocks, text = render_digest(digest)
        try:
            resp = await self.client.chat_postMessage(channel=channel, text=text, blocks=blocks,
                                                      unfurl_links=False, unfurl_media=False,
                                                      metadata=digest_metadata(mark))
        except (TimeoutError, SlackApiError, ClientError, OSError) as exc:
            raise _post_error(exc) from exc
        return str(resp.get("ts") or "")

    async def find(self, channel: str, mark: DigestMark, *, since: datetime) -> str | None:
        oldest = f"{(since - HISTORY_MARGIN).timestamp():.6f}"
        cursor = None
        try:
            for _ in range(HISTORY_PAGES):
                resp = await self.client.conversations_history(channel=channel, oldest=oldest, limit=HISTORY_PAGE,
                                                               include_all_metadata=True, cursor=cursor)
                for msg in resp.get("messages") or []:
                    if _is_mark(msg, mark):
                        return str(msg.get("ts") or "")
                cursor = (resp.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return None
        except (TimeoutError, SlackApiError, ClientError, OSError) as exc:
            raise _post_error(exc, "; the app needs the channels:history and groups:history scopes "
                                   "to find a digest posted before a crash") from exc
        return None

    async def attach_chart(self, channel: str, thread_ts: str, chart: Chart) -> None:
        await charts.upload(self.client, chart, channel=channel, thread_ts=thread_ts)
