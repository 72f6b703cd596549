"""The "Ask ipbot" shortcut's form: one question box; the answer is shown in the
form itself (bot/views.py replaces the modal with it)."""

from __future__ import annotations

from handlers import dispatch
from handlers.deps import Deps
from handlers.dispatch import Request
from handlers.replies import ActionId, Field, Form, Reply, ReplyKind

ASK_FORM = Form(ActionId.ASK_SUBMIT.value, "", "Ask ipbot", "Ask", (
    Field("question", "Your question", multiline=True,
          hint="e.g. licensees 2022 · what was R&D spending in 2023? · patents tailgaters"),
))


async def ask_submit(deps: Deps, req: Request, _value: str, values: dict[str, str]) -> Reply:
    question = values.get("question", "").strip()
    if not question:
        return Reply(ReplyKind.ERROR, "Type a question.", field_errors={"question": "Type a question."})
    # always a question, never a command: the form asks
    return await dispatch.handle_question(deps, Request(question, user=req.user, channel=req.channel))
