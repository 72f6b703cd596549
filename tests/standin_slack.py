"""A stand-in Slack Web API over real HTTP, bound to a free loopback port.

The bot under test points SLACK_API_URL at it. It records every call (method,
form/JSON body, headers), answers like Slack does (`ok`, `ts`, `channel`), and
can be told to rate-limit (429 + Retry-After) or fail the next N calls of a
method, so retry and no-duplicate behaviour is tested against real HTTP.

Posted messages are kept per channel, with their `metadata`, and served back by
`conversations.history` (newest first, `oldest`, `limit`, `cursor`; metadata only
with `include_all_metadata`). `hang(method)` records the next call of a method and
then never answers it: the caller is left waiting, as a process that died right
after Slack took its message would have been."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
    # files_upload_v2: file id -> filename, alt_txt, data, title, channel, thread_ts
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)
    # channel -> messages posted there, oldest first
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    # what posted messages' ts are taken from (Slack: its own clock); tests may pass theirs
    clock: Callable[[], datetime] = field(default_factory=lambda: lambda: datetime.now(UTC))
    # method -> calls to record and then leave unanswered
    hanging: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    base_url: str = ""
    _release: asyncio.Event = field(default_factory=asyncio.Event)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        self.faults[method].extend([(429, retry_after)] * times)

    def fail(self, method: str, error: str = "internal_error", times: int = 1) -> None:
        self.errors[method].extend([error] * times)

    def hang(self, method: str, times: int = 1) -> None:
        self.hanging[method] += times

    async def called(self, method: str, times: int = 1) -> None:
        """Wait until `method` has been received `times` times."""
        while sum(c.method == method for c in self.calls) < times:
            self._arrived.clear()
            await self._arrived.wait()

    def posted(self, method: str = "chat.postMessage") -> list[dict[str, Any]]:
        """Bodies of the successful calls of `method` (faulted attempts excluded)."""
        return [c.body for c in self.calls if c.method == method and c.body.get("_ok", True)]

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if request.method == "GET":
            body: dict[str, Any] = dict(request.query)
        elif request.content_type == "application/json":
            body = await request.json()
        else:
            body = dict(await request.post())  # type: ignore[arg-type]
        if request.method != "GET" and request.query:
            # slack_sdk sends some methods' arguments (files.getUploadURLExternal …) as URL parameters
            body = {**dict(request.query), **body}
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
        self._arrived.set()
        ts = f"{self.clock().timestamp():.0f}.{next(self._ts):06d}"
        if method == "chat.postMessage":
            msg = {"type": "message", "ts": ts, "text": body.get("text", ""), "user": "UBOT", "bot_id": "BBOT"}
            if isinstance(body.get("metadata"), dict):
                msg["metadata"] = body["metadata"]
            self.messages[str(body.get("channel", ""))].append(msg)
        if self.hanging[method]:
            self.hanging[method] -= 1
            await self._release.wait()
        if method == "conversations.history":
            return web.json_response(self._history(body))
        if method == "files.getUploadURLExternal":
            fid = f"FUP{next(self._ts)}"
            self.uploads[fid] = {"filename": body.get("filename", ""), "alt_txt": body.get("alt_txt", "")}
            return web.json_response({"ok": True, "upload_url": f"{self.base_url}upload/{fid}", "file_id": fid})
        if method == "files.completeUploadExternal":
            files = body.get("files")
            files = json.loads(files) if isinstance(files, str) else files or []
            for f in files:
                self.uploads.setdefault(f["id"], {}).update(
                    title=f.get("title", ""), channel=body.get("channel_id", ""), thread_ts=body.get("thread_ts"))
            return web.json_response({"ok": True, "files": [{"id": f["id"]} for f in files]})
        if method == "conversations.open":
            # a DM with one person: Slack answers with the DM's channel object
            users = str(body.get("users", ""))
            return web.json_response({"ok": True, "channel": {"id": f"D{users.split(',')[0]}"}})
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

    def _history(self, query: dict[str, Any]) -> dict[str, Any]:
        channel = str(query.get("channel", ""))
        oldest = float(query.get("oldest") or 0)
        limit = int(query.get("limit") or 100)
        start = int(query.get("cursor") or 0)
        with_metadata = str(query.get("include_all_metadata", "")).lower() in ("1", "true")
        newest_first = [m for m in reversed(self.messages.get(channel, [])) if float(m["ts"]) > oldest]
        page = newest_first[start:start + limit]
        more = start + limit < len(newest_first)
        return {"ok": True, "has_more": more,
                "messages": [m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in page],
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

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

    async def _upload(self, request: web.Request) -> web.StreamResponse:
        """Step 2 of files_upload_v2: the bytes, sent to the URL step 1 handed out."""
        fid = request.match_info["fid"]
        if fid not in self.uploads:
            return web.Response(status=404)
        self.uploads[fid]["data"] = await request.read()
        return web.Response(text="OK")

    async def _response_url(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.calls.append(Call(f"response_url:{request.match_info['rid']}", body, dict(request.headers)))
        return web.json_response({"ok": True})

    async def start(self) -> StandinSlack:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_get("/files/{fid}", self._file)
        app.router.add_post("/upload/{fid}", self._upload)
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
        self._release.set()
        if self._runner:
            await self._runner.cleanup()
