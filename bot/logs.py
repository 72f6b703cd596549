"""One log line per Slack request (type, user, latency, answered), and the rules
that keep tokens and the signing secret out of every log line."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable

log = logging.getLogger("ipbot.requests")

# Slack token shapes: bot/user/app/config tokens
_TOKEN = re.compile(r"\bx(?:ox[abposre]|app)-[A-Za-z0-9-]+")


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


def protect(secrets: Iterable[str]) -> RedactSecrets:
    """Attach the redaction to every root handler, and keep the Slack libraries'
    debug output (which echoes request bodies) out even at IPBOT_LOG_LEVEL=DEBUG."""
    f = RedactSecrets(secrets)
    for h in logging.getLogger().handlers:
        h.addFilter(f)
    for name in ("slack_bolt", "slack_sdk"):
        lg = logging.getLogger(name)
        if lg.getEffectiveLevel() < logging.INFO:
            lg.setLevel(logging.INFO)
    return f
