"""The real app in HTTP mode on a loopback port, a stand-in Slack Web API, and a
client that signs requests exactly as Slack does (v0:{ts}:{body}, HMAC-SHA256)."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier

from bot.config import Settings
from bot.http import HttpServer, start_http
from bot.runtime import Runtime, running
from store.imports.apply import apply
from store.imports.readers import read_records
from store.imports.rows import validate
from tests.conftest import FIXTURES, Clock
from tests.standin_slack import StandinSlack

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-1111-2222-testbottokenvalue"
APP_TOKEN = "xapp-1-A1-3333-testapptokenvalue"
BOT_USER = "UBOT"


def slack_settings(db_url: str, api_url: str, **extra: str) -> Settings:
    env = dict(DATABASE_URL=db_url, IPBOT_ADMINS="UADMIN", SLACK_BOT_TOKEN=BOT_TOKEN,
               SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=api_url)
    env.update(extra)
    return Settings(_env_file=None, **env)  # type: ignore[call-arg]


async def load_fixtures(rt: Runtime, names: tuple[str, ...] = ("facts.csv", "licences.csv", "patents.csv")) -> None:
    for name in names:
        path = FIXTURES / name
        raw = read_records(path.read_bytes(), filename=path.name)
        rows = validate(raw, home_subject="Huawei")
        async with rt.deps.sessions() as session, session.begin():
            await apply(session=session, kind=raw.kind, rows=rows, actor="test", dry_run=False)
    await rt.deps.index.refresh(rt.deps.sessions)


def plain(text: str) -> str:
    """What a reader sees of escaped Slack text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@dataclass
class Reply:
    status: int
    text: str

    def json(self) -> dict[str, Any]:
        return json.loads(self.text) if self.text else {}


@dataclass
class SlackSender:
    """Sends what Slack sends. `stale`/`signature`/`unsigned` forge the bad cases."""

    base: str
    secret: str = SECRET
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _http: aiohttp.ClientSession | None = None

    async def session(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    def headers(self, body: str, *, ts: int | None = None, signature: str | None = None,
                unsigned: bool = False) -> dict[str, str]:
        stamp = str(int(time.time()) if ts is None else ts)
        if unsigned:
            return {}
        sig = signature or SignatureVerifier(self.secret).generate_signature(timestamp=stamp, body=body)
        return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": sig}

    async def post(self, body: str, content_type: str, *, extra: dict[str, str] | None = None,
                   **sign: Any) -> Reply:
        http = await self.session()
        headers = {"Content-Type": content_type, **self.headers(body, **sign), **(extra or {})}
        async with http.post(f"{self.base}/slack/events", data=body.encode(), headers=headers) as resp:
            return Reply(resp.status, await resp.text())

    async def command(self, text: str, *, user: str = "U1", channel: str = "C1", response_url: str = "",
                      channel_name: str = "general", trigger_id: str | None = None, **sign: Any) -> Reply:
        """Like Slack, every command has a trigger_id of its own unless one is given."""
        body = urlencode({
            "token": "legacy", "team_id": "T1", "team_domain": "test", "channel_id": channel,
            "channel_name": channel_name, "user_id": user, "user_name": "someone", "command": "/ip",
            "text": text, "api_app_id": "A1", "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or f"{next(self._ids)}.{int(time.time())}.0a1b2c3d",
        })
        return await self.post(body, "application/x-www-form-urlencoded", **sign)

    async def event(self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None,
                    **sign: Any) -> Reply:
        payload = {
            "token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._ids):06d}", "event_time": int(time.time()),
            "event": event,
            "authorizations": [{"team_id": "T1", "user_id": BOT_USER, "is_bot": True}],
        }
        extra = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} if retry_num else None
        return await self.post(json.dumps(payload), "application/json", extra=extra, **sign)

    async def action(self, action_id: str, value: str, *, user: str = "U1", channel: str = "C1",
                     response_url: str = "", ephemeral: bool = True, message: dict[str, Any] | None = None,
                     **sign: Any) -> Reply:
        payload: dict[str, Any] = {
            "type": "block_actions", "user": {"id": user, "username": "someone", "team_id": "T1"},
            "api_app_id": "A1", "token": "legacy", "team": {"id": "T1", "domain": "test"},
            "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": channel,
                          "is_ephemeral": ephemeral},
            "channel": {"id": channel, "name": "general"}, "trigger_id": "1.2.3", "response_url": response_url,
            "actions": [{"action_id": action_id, "block_id": "b1", "value": value, "type": "button",
                         "action_ts": f"{time.time():.6f}", "text": {"type": "plain_text", "text": "x"}}],
        }
        if message is not None:
            payload["message"] = message
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded", **sign)


def mention(text: str, *, ts: str, channel: str = "C1", user: str = "U1", thread_ts: str | None = None,
            **more: Any) -> dict[str, Any]:
    ev = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER}> {text}", "ts": ts, "channel": channel,
          "event_ts": ts, **more}
    if thread_ts:
        ev["thread_ts"] = thread_ts
    return ev


def dm(text: str, *, ts: str, channel: str = "D1", user: str = "U1", **more: Any) -> dict[str, Any]:
    return {"type": "message", "channel_type": "im", "user": user, "text": text, "ts": ts, "channel": channel,
            "event_ts": ts, **more}


@dataclass
class Bot:
    rt: Runtime
    slack: StandinSlack
    server: HttpServer
    send: SlackSender
    settings: Settings

    async def settle(self) -> None:
        """Wait until every acknowledged request has been answered."""
        await self.server.state.drain()

    def posts(self) -> list[dict[str, Any]]:
        return self.slack.posted("chat.postMessage")

    def responses(self, rid: str = "r1") -> list[dict[str, Any]]:
        return [c.body for c in self.slack.calls if c.method == f"response_url:{rid}"]


async def start_bot(rt: Runtime, slack: StandinSlack, settings: Settings) -> Bot:
    server = await start_http(settings, rt.deps, host="127.0.0.1", port=0)
    return Bot(rt, slack, server, SlackSender(server.url), settings)


async def stop_bot(bot: Bot) -> None:
    await bot.send.close()
    await bot.server.stop()


@pytest.fixture
async def slack() -> AsyncIterator[StandinSlack]:
    s = await StandinSlack().start()
    yield s
    await s.stop()


@pytest.fixture
async def bot(db_url: str, slack: StandinSlack, clock: Clock) -> AsyncIterator[Bot]:
    settings = slack_settings(db_url, slack.api_url)
    async with running(settings) as rt:
        rt.deps.clock = clock
        await load_fixtures(rt)
        b = await start_bot(rt, slack, settings)
        try:
            yield b
        finally:
            await stop_bot(b)


def all_text(blocks: list[dict[str, Any]]) -> str:
    """Every text of a message's blocks, for assertions on what a reader sees."""
    out: list[str] = []

    def walk(o: Any) -> None:
        if isinstance(o, dict):
            if isinstance(o.get("text"), str):
                out.append(o["text"])
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)

    walk(blocks)
    return "\n".join(out)


