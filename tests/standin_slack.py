"""A stand-in Slack Web API over real HTTP, bound to a free loopback port.

The bot under test points SLACK_API_URL at it. It records every call (method,
form/JSON body, headers), answers like Slack does (`ok`, `ts`, `channel`), and
can be told to rate-limit (429 + Retry-After) or fail the next N calls of a
method, so retry and no-duplicate behaviour is tested against real HTTP."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Call:
    method: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class StandinSlack:
    calls: list[Call] = field(default_factory=list)
    # method -> list of (status, retry_after) to answer with before succeeding
    faults: dict[str, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    # method -> Slack error string to return (HTTP 200, ok=false) for the next N calls
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    # files.info/url_private downloads: file id -> (name, bytes)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    # the size files.info reports when it is not the real one (a file that grew, a lying client)
    declared_sizes: dict[str, int] = field(default_factory=dict)
    # downloads arrive the way they do over a network: in pieces, a little apart
    download_chunk: int = 8 * 1024
    # when set, a download sends its headers and then waits for this before any byte
    # of the file (a transfer in progress, e.g. while the bot is killed)
    hold_downloads: asyncio.Event | None = None
    base_url: str = ""
    _runner: web.AppRunner | None = None
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        self.faults[method].extend([(429, retry_after)] * times)

    def fail(self, method: str, error: str = "internal_error", times: int = 1) -> None:
        self.errors[method].extend([error] * times)

    def posted(self, method: str = "chat.postMessage") -> list[dict[str, Any]]:
        """Bodies of the successful calls of `method` (faulted attempts excluded)."""
        return [c.body for c in self.calls if c.method == method and c.body.get("_ok", True)]

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            body: dict[str, Any] = await request.json()
        else:
            body = dict(await request.post())  # type: ignore[arg-type]
        for k in ("blocks", "attachments"):
            if isinstance(body.get(k), str):
                body[k] = json.loads(body[k])
        headers = {k: v for k, v in request.headers.items()}
        if self.faults[method]:
            status, retry_after = self.faults[method].pop(0)
            self.calls.append(Call(method, {**body, "_ok": False}, headers))
            return web.json_response({"ok": False, "error": "ratelimited"}, status=status,
                                     headers={"Retry-After": str(retry_after)})
        if self.errors[method]:
            err = self.errors[method].pop(0)
            self.calls.append(Call(method, {**body, "_ok": False}, headers))
            return web.json_response({"ok": False, "error": err})
        self.calls.append(Call(method, body, headers))
        ts = f"{1700000000 + next(self._ts)}.000100"
        if method == "auth.test":
            return web.json_response({"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1",
                                      "user": "ipbot", "team": "Test", "url": "https://test.slack.com/"})
        if method == "files.info":
            fid = str(body.get("file", ""))
            if fid not in self.files:
                return web.json_response({"ok": False, "error": "file_not_found"})
            name, data = self.files[fid]
            return web.json_response({"ok": True, "file": {
                "id": fid, "name": name, "size": self.declared_sizes.get(fid, len(data)),
                "url_private_download": f"{self.base_url}files/{fid}"}})
        return web.json_response({"ok": True, "channel": body.get("channel", "C1"), "ts": ts,
                                  "message": {"ts": ts, "text": body.get("text", "")}})

    async def _file(self, request: web.Request) -> web.StreamResponse:
        fid = request.match_info["fid"]
        self.calls.append(Call(f"download:{fid}", {}, dict(request.headers)))
        if fid not in self.files:
            return web.Response(status=404)
        data = self.files[fid][1]
        resp = web.StreamResponse()
        resp.content_length = len(data)
        await resp.prepare(request)
        if self.hold_downloads is not None:
            await self.hold_downloads.wait()
        for start in range(0, len(data), self.download_chunk):
            await resp.write(data[start:start + self.download_chunk])
            await asyncio.sleep(0.001)
        await resp.write_eof()
        return resp

    async def _response_url(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.calls.append(Call(f"response_url:{request.match_info['rid']}", body, dict(request.headers)))
        return web.json_response({"ok": True})

    async def start(self) -> StandinSlack:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/files/{fid}", self._file)
        app.router.add_post("/response/{rid}", self._response_url)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/"
        return self

    @property
    def api_url(self) -> str:
        """What SLACK_API_URL is set to (slack_sdk appends the method name)."""
        return self.base_url + "api/"

    def response_url(self, rid: str = "r1") -> str:
        return f"{self.base_url}response/{rid}"

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
