"""Each Slack message is answered once, whichever way it arrives (`message` and
`app_mention` for the same text, Slack's retries, another replica): the first
delivery claims the message's key (handlers/deliveries.py) and the others find the
claim. A question claims before it is answered; a DM carrying files claims each
file in the transaction that imports it and the message once all were dealt with
(bot/dm_import.py)."""

from __future__ import annotations

from typing import Any

from bot.state import BotState
from handlers import deliveries


def message_key(event: dict[str, Any]) -> str:
    """One key for the message, whichever way it arrives."""
    return f"msg:{event.get('channel', '')}:{event.get('ts', '')}"


def file_key(message_key: str, file: dict[str, Any]) -> str:
    return f"import:{message_key}:{file.get('id', '')}"


async def claim(st: BotState, key: str) -> bool:
    """True for the first delivery of `key` (see handlers/deliveries.py)."""
    return await deliveries.claim(st.deps, key)


async def claimed(st: BotState, key: str) -> bool:
    """Whether an earlier delivery already claimed `key` (claims nothing)."""
    return await deliveries.claimed(st.deps, key)
