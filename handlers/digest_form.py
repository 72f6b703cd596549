"""Subscribe a channel to the digest from a form (the Home tab's button): channel,
frequency, day, time and time zone, each checked with `digest subscribe`'s own
reader so a mistake is named on its field; then the very change the typed command
makes in that channel (admins only, the scheduler told)."""

from __future__ import annotations

import re

from handlers import admin, digest
from handlers import schedule as sch
from handlers.deps import Deps
from handlers.dispatch import Request
from handlers.errors import BadCommand
from handlers.permissions import require_admin
from handlers.replies import ActionId, Field, Form, Reply, ReplyKind

# a channel the conversations picker offers: public (C…) or private (G…, or C… on newer workspaces)
_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,30}$")
DAYS = (*sch.WEEKDAY_NAMES, *(str(n) for n in range(1, 29)))


@admin.safe
async def subscribe_form(deps: Deps, req: Request, _value: str) -> Reply:
    await require_admin(deps, req)
    return Reply(ReplyKind.PREVIEW, "Subscribe a channel", form=Form(
        ActionId.DIGEST_SUBMIT.value, "", "Subscribe to the digest", "Subscribe", (
            Field("channel", "Channel", kind="channel",
                  hint="I post the licensing digest there; invite me first (/invite @ipbot)"),
            Field("frequency", "How often", kind="select", options=sch.FREQUENCIES, initial="weekly"),
            Field("day", "Day", kind="select", optional=True, options=DAYS,
                  hint="Weekly: a weekday (default Monday). Monthly: a day from 1 to 28 (default 1). "
                       "Daily: leave empty."),
            Field("time", "Time", kind="time", initial="09:00"),
            Field("timezone", "Time zone", kind="search", initial=deps.tz.key, initial_label=deps.tz.key),
        )))


def _read(errors: dict[str, str], name: str, words: str) -> None:
    try:
        sch.parse_subscribe(words)
    except BadCommand as exc:
        errors[name] = str(exc)


@admin.safe
async def subscribe_submit(deps: Deps, req: Request, _value: str, values: dict[str, str]) -> Reply:
    await require_admin(deps, req)
    errors: dict[str, str] = {}
    channel = values.get("channel", "").strip()
    if not _CHANNEL.match(channel):
        errors["channel"] = "Choose a channel."
    frequency = values.get("frequency", "").strip()
    if frequency not in sch.FREQUENCIES:
        errors["frequency"] = "Choose daily, weekly or monthly."
    day = values.get("day", "").strip()
    if day and frequency == "weekly" and day not in sch.WEEKDAY_NAMES:
        errors["day"] = "A weekly digest goes out on a weekday: choose Monday to Sunday."
    elif day and frequency == "monthly" and not (day.isdecimal() and 1 <= int(day) <= 28):
        errors["day"] = "A monthly digest goes out on a day from 1 to 28."
    at = values.get("time", "").strip() or "09:00"
    _read(errors, "time", f"daily {at}")
    zone = values.get("timezone", "").strip() or deps.tz.key
    _read(errors, "timezone", f"daily 09:00 {zone}")
    if errors:
        return Reply(ReplyKind.ERROR, "Please correct the form.", field_errors=errors)
    when = day[:3].lower() if frequency == "weekly" and day else (day if frequency == "monthly" else "")
    args = " ".join(w for w in ("subscribe", frequency, when, at, zone) if w)
    # the typed command, run as if typed in the chosen channel
    reply = await digest.digest(deps, Request(f"digest {args}", user=req.user, channel=channel), args)
    reply.headline = reply.headline.replace("this channel", "the channel you chose")
    return reply
