"""One log line per Slack request (type, user, latency, answered), and the rules
that keep tokens and the signing secret out of every log line."""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Awaitable, Callable, Iterable

log = logging.getLogger("ipbot.requests")

# Slack token shapes: bot/user/app/config tokens
_TOKEN = re.compile(r"\bx(?:ox[abposre]|app)-[A-Za-z0-9-]+")


def warn_failure(what: str) -> Callable[[Exception], Awaitable[None]]:
    """For BotState.spawn: work after the ack that failed costs only `what`; one line."""

    async def log_it(exc: Exception) -> None:
        logging.getLogger("ipbot").warning("could not %s: %s", what, type(exc).__name__)

    return log_it


def request_line(rtype: str, /, *, user: str, started: float, answered: bool | None, **extra: object) -> None:
    """`answered`: True/False for a question, None for a request that asked nothing
    (a duplicate delivery, an ignored bot message)."""
    ms = (time.perf_counter() - started) * 1000
    fields = [f"type={rtype}", f"user={user or '-'}", f"latency_ms={ms:.1f}",
              f"answered={'-' if answered is None else ('yes' if answered else 'no')}"]
    fields += [f"{k}={_clean(v)}" for k, v in extra.items() if v is not None and v != ""]
    log.info(" ".join(fields))


def _clean(v: object) -> str:
    s = str(v).replace("\n", " ")
    return s if " " not in s else repr(s)


class RedactSecrets(logging.Filter):
    """Masks the configured secrets and anything shaped like a Slack token in every
    record passing a handler, whichever library logged it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def _redact(self, text: str) -> str:
        for s in self.secrets:
            text = text.replace(s, "[redacted]")
        return _TOKEN.sub("[redacted]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        clean = self._redact(msg)
        if clean != msg:
            record.msg, record.args = clean, None
        return True


SLACK_LIBRARIES = ("slack_bolt", "slack_sdk")
# the longest line a Slack library may write to our log
MAX_LIBRARY_LINE = 300
_LIBRARY_PATHS = tuple(f"{os.sep}{lib}{os.sep}" for lib in SLACK_LIBRARIES)


class QuietSlackLibraries(logging.Filter):
    """Slack's libraries log whole bodies: Bolt at DEBUG every response it sends and
    every event it skips, slack_sdk at DEBUG every Web API call and its answer, and
    Bolt's own signature check at INFO every body it refuses. On our handlers their
    records below INFO are dropped, whatever IPBOT_LOG_LEVEL says (Bolt copies the
    root level onto each logger it makes, so raising the `slack_bolt` logger is not
    enough), and any other record of theirs is cut to one line of at most
    MAX_LIBRARY_LINE characters. Recognised by logger name or by the file that
    logged (Bolt names some loggers after the app)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not (record.name.startswith(SLACK_LIBRARIES) or any(p in record.pathname for p in _LIBRARY_PATHS)):
            return True
        if record.levelno < logging.INFO:
            return False
        msg = record.getMessage()
        if len(msg) > MAX_LIBRARY_LINE or "\n" in msg:
            line = msg.replace("\r", " ").replace("\n", " ")
            if len(line) > MAX_LIBRARY_LINE:
                line = f"{line[:MAX_LIBRARY_LINE]}… [{len(msg)} characters, cut]"
            record.msg, record.args = line, None
        return True


def protect(secrets: Iterable[str]) -> RedactSecrets:
    """Attach the redaction, then the Slack libraries' quieting, to every root
    handler: no token or secret, and no body echoed by Bolt or slack_sdk, reaches the
    log even at IPBOT_LOG_LEVEL=DEBUG."""
    f = RedactSecrets(secrets)
    quiet = QuietSlackLibraries()
    for h in logging.getLogger().handlers:
        h.addFilter(f)
        h.addFilter(quiet)
    for name in ("slack_bolt", "slack_sdk"):
        lg = logging.getLogger(name)
        if lg.getEffectiveLevel() < logging.INFO:
            lg.setLevel(logging.INFO)
    return f
