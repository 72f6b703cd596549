"""What a Slack payload says, read once here so listeners and handlers never parse
Slack's shapes: the text a person typed (`read_text`: the bot's mention removed,
entities decoded, length checked), who sent it, where a reply goes, and whether a
message is a person writing at all."""

from __future__ import annotations

import re
from typing import Any

from handlers import limits

# message subtypes that are a person writing; edits, deletions, joins, bots are not
_PERSON_SUBTYPES = {None, "file_share", "thread_broadcast"}
# Slack sends a typed &, < or > as an entity of up to 5 characters: a longer text
# cannot be within limits.MAX_MESSAGE once decoded (the extra room: a bot mention)
MAX_RAW_TEXT = 5 * limits.MAX_MESSAGE + 100


# ---- text ----------------------------------------------------------------------------


def slack_text(text: str) -> str:
    """Slack sends the &, < and > a person typed as entities (its markup uses the
    bare characters); handlers get what the person typed. Decoded once, here, after
    any markup has been read, so "&amp;lt;" stays the "&lt;" that was typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def strip_bot(text: str, bot_user_id: str | None) -> str:
    """"<@UBOT> set …" must reach dispatch as "set …" so verbs still work. The label
    may not cross a "<": an unclosed "<@UBOT|" then costs linear time."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^<>]*)?>", " ", text)
    return text.strip()


def read_text(raw: str, bot_user_id: str | None, *, strip: bool = True) -> str | None:
    """What the person typed (the bot's mention removed, entities decoded), or None
    when that is longer than limits.MAX_MESSAGE. The length is checked before any
    pattern sees the text."""
    if len(raw) > MAX_RAW_TEXT:
        return None
    text = slack_text(strip_bot(raw, bot_user_id) if strip else raw)
    return text if len(text) <= limits.MAX_MESSAGE else None


# ---- who, where, what ----------------------------------------------------------------


def is_dm(event: dict[str, Any]) -> bool:
    return event.get("channel_type") == "im" or str(event.get("channel", "")).startswith("D")


def event_target(event: dict[str, Any]) -> tuple[str, str | None]:
    """Where a reply to this message goes: in channels the thread under it, in a DM
    the DM itself (or the thread the person wrote in)."""
    channel = str(event.get("channel", ""))
    if is_dm(event):
        return channel, event.get("thread_ts")
    return channel, event.get("thread_ts") or event.get("ts")


def user_of(body: dict[str, Any]) -> str:
    return str(body.get("user_id") or (body.get("user") or {}).get("id") or (body.get("event") or {}).get("user")
               or "")


def kind_of(body: dict[str, Any]) -> str:
    """What was asked, for the log and for where an error goes: command, action,
    mention or dm."""
    if body.get("command"):
        return "command"
    if body.get("type") == "block_actions":
        return "action"
    ev = body.get("event") or {}
    if ev.get("type") == "app_mention":
        return "mention"
    if ev.get("type") == "message":
        return "dm"
    return str(body.get("type", "unknown"))


def type_of(body: dict[str, Any]) -> str:
    """What kind of delivery this is, for the log: the event type for Events API
    callbacks (`app_home_opened`), the payload type otherwise (`view_submission`)."""
    ev = body.get("event")
    if body.get("type") == "event_callback" and isinstance(ev, dict):
        return str(ev.get("type") or "event")[:60]
    if body.get("command"):
        return "command"
    return str(body.get("type") or "unknown")[:60]


def ignorable(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """Bots (ourselves included), edits, deletions and other non-person messages:
    answering them could loop."""
    return bool(
        event.get("bot_id")
        or event.get("subtype") not in _PERSON_SUBTYPES
        or not event.get("user")
        or (bot_user_id and event.get("user") == bot_user_id)
        or event.get("hidden")
    )


def request_key(command: dict[str, Any]) -> str:
    """What makes a replayed `/ip` recognisable: Slack gives every command its own
    trigger_id, part of the signed body, so a replay carries the same one."""
    trigger = str(command.get("trigger_id") or "")
    return f"trigger:{trigger}"[:150] if trigger else ""
