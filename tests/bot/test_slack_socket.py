"""Socket Mode end to end: the real app connects to a stand-in Socket Mode
websocket (issued by apps.connections.open on the stand-in Web API), receives a
slash command and a mention as Slack sends them, and answers the same way as in
HTTP mode."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import WSMsgType, web

from bot.runtime import running
from bot.socket import start_socket
from tests.bot.slack_harness import APP_TOKEN, BOT_USER, load_fixtures, mention, slack_settings
from tests.conftest import Clock
from tests.standin_slack import StandinSlack


class SocketSlack(StandinSlack):
    """The stand-in Web API plus a Socket Mode endpoint."""

    def __init__(self) -> None:
        super().__init__()
        self.ws: web.WebSocketResponse | None = None
        self.connected = asyncio.Event()
        self.acks: dict[str, dict[str, Any]] = {}
        self.acked = asyncio.Condition()
        self._ws_runner: web.AppRunner | None = None
        self.ws_url = ""

    async def _api(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["method"] == "apps.connections.open":
            assert request.headers.get("Authorization") == f"Bearer {APP_TOKEN}"
            return web.json_response({"ok": True, "url": self.ws_url})
        return await super()._api(request)

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.ws = ws
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1,
                                      "connection_info": {"app_id": "A1"}}))
        self.connected.set()
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                data = json.loads(msg.data)
                async with self.acked:
                    self.acks[data["envelope_id"]] = data
                    self.acked.notify_all()
        return ws

    async def start(self) -> SocketSlack:
        await super().start()
        app = web.Application()
        app.router.add_get("/link", self._socket)
        self._ws_runner = web.AppRunner(app)
        await self._ws_runner.setup()
        site = web.TCPSite(self._ws_runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.ws_url = f"ws://127.0.0.1:{port}/link"
        return self

    async def stop(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._ws_runner:
            await self._ws_runner.cleanup()
        await super().stop()

    async def send(self, envelope: dict[str, Any]) -> dict[str, Any]:
        assert self.ws is not None
        await self.ws.send_str(json.dumps(envelope))
        async with self.acked:
            await asyncio.wait_for(self.acked.wait_for(lambda: envelope["envelope_id"] in self.acks), 10)
        return self.acks[envelope["envelope_id"]]


@pytest.fixture
async def socket_slack() -> AsyncIterator[SocketSlack]:
    s = await SocketSlack().start()
    yield s
    await s.stop()


async def test_socket_mode_answers_commands_and_mentions(db_url: str, socket_slack: SocketSlack,
                                                         clock: Clock) -> None:
    settings = slack_settings(db_url, socket_slack.api_url, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="")
    async with running(settings) as rt:
        rt.deps.clock = clock
        await load_fixtures(rt)
        server = await start_socket(settings, rt.deps)
        try:
            await asyncio.wait_for(socket_slack.connected.wait(), 10)
            ack = await socket_slack.send({
                "envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True,
                "payload": {"token": "legacy", "team_id": "T1", "channel_id": "C1", "user_id": "U1",
                            "command": "/ip", "text": "licensees 2022", "api_app_id": "A1",
                            "response_url": socket_slack.response_url(), "trigger_id": "1"},
            })
            assert ack["payload"]["response_type"] == "ephemeral"
            assert "Licensing in 2022" in ack["payload"]["text"]
            event = {"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                     "event_id": "EvS1", "event_time": 1, "event": mention("licensees 2022", ts="77.1"),
                     "authorizations": [{"team_id": "T1", "user_id": BOT_USER, "is_bot": True}]}
            await socket_slack.send({"envelope_id": "env-2", "type": "events_api", "payload": event,
                                     "accepts_response_payload": False, "retry_attempt": 0})
            # Slack re-sends an envelope it thinks was lost: still one answer
            await socket_slack.send({"envelope_id": "env-3", "type": "events_api", "payload": event,
                                     "accepts_response_payload": False, "retry_attempt": 1,
                                     "retry_reason": "timeout"})
            await server.state.drain()
        finally:
            await server.stop()
    [post] = socket_slack.posted("chat.postMessage")
    assert post["thread_ts"] == "77.1" and "Licensing in 2022" in post["text"]
