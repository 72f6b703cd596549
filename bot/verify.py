"""Is this request from Slack? One check, in two places: by the HTTP server before
Bolt parses anything, and as Bolt's own verification step (`VerifiedOnly`), in
place of Bolt's RequestVerification, which logs the whole body of every request it
refuses at INFO (1 MB bodies, Slack's verification token, response_urls). A
request the HTTP server built from bytes it has just checked is marked (`checked`)
and not hashed again; anything else reaching Bolt over HTTP is."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
import weakref
from collections.abc import Awaitable, Callable, Mapping

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

log = logging.getLogger(__name__)

# Slack refuses requests older than this; so do we (replays of a captured request)
MAX_SKEW = 300

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


def refusal(secret: str, body: bytes, headers: Mapping[str, str], now: float | None = None) -> str | None:
    """Why this request is not from Slack, or None when it is: the headers' shape
    first (so nothing downstream can raise on them), then the age, then the
    HMAC-SHA256 of `v0:{timestamp}:{body}` over the raw bytes."""
    stamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not secret:
        return "no signing secret configured"
    if not _TIMESTAMP.fullmatch(stamp):
        return "missing or malformed timestamp"
    if not _SIGNATURE.fullmatch(signature):
        return "missing or malformed signature"
    if abs((time.time() if now is None else now) - int(stamp)) > MAX_SKEW:
        return "stale timestamp"
    expected = "v0=" + hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return "bad signature"
    return None


def refused_line(why: str, size: int) -> None:
    """The one log line of a refused request: the reason and the size, never the body."""
    log.warning("refused request: %s (%d bytes)", why, size)


# requests bot/http.py built from a body whose signature it has just checked
_CHECKED: weakref.WeakSet[AsyncBoltRequest] = weakref.WeakSet()


def checked(request: AsyncBoltRequest) -> AsyncBoltRequest:
    """Mark a request built from exactly the bytes `refusal` passed, so Bolt's step
    does not compute the same HMAC again inside the acknowledgement."""
    _CHECKED.add(request)
    return request


class VerifiedOnly(AsyncMiddleware):
    """Bolt middleware (`before_authorize`, where Bolt's own check would run; the app
    is built with `request_verification_enabled=False`). An HTTP request passes only
    with a valid signature; a Socket Mode request always does (the socket is
    authenticated). What passes is marked `verified`: `on_error` acts on nothing else.

    A class, not a function: Bolt hands a function middleware its arguments by
    inspecting what it asks for on every request (~50 µs inside the ack)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret

    async def async_process(self, *, req: AsyncBoltRequest, resp: BoltResponse,
                            next: Callable[[], Awaitable[BoltResponse]]) -> BoltResponse | None:
        if req.mode != "socket_mode" and req not in _CHECKED:
            headers = {name: (req.headers.get(name.lower()) or [""])[0]
                       for name in ("X-Slack-Request-Timestamp", "X-Slack-Signature")}
            body = req.raw_body.encode("utf-8")
            why = refusal(self.secret, body, headers)
            if why is not None:
                refused_line(why, len(body))
                return BoltResponse(status=401, body={"error": "invalid request"})
        req.context["verified"] = True
        return await next()
