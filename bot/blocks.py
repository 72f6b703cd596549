"""Reply -> Block Kit plus a plain-text fallback.

Everything in a Reply may come from a user (fact values, patent titles, licensee
names, the question itself), so every string is escaped (&, <, >) before it goes
into any text object: a stored `<!channel>` shows as text and pings nobody. The
packing here keeps us inside Block Kit's limits (50 blocks, 3000 characters a
section, 150 a header, 75 a button label, 2000 a button value) by truncating long
lists with "and N more — narrow the question".

Blocks are written as the JSON Slack reads, exactly as slack_sdk.models'
`to_dict()` writes them (keys in its order, empty values left out): every `/ip`
answer is rendered inside Slack's acknowledgement, and the models' validators and
reflection cost ~190 µs a reply, a third of a bare Bolt app's whole request.
tests/property/test_block_json.py holds every shape made here to slack_sdk.models:
parsed by it, each block passes its validators and writes back unchanged. Modals
and App Home (bot/forms.py, bot/home.py) are built with the models themselves."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from handlers.digest import DigestItem, DigestReply, DigestSection
from handlers.replies import ActionId, Button, Reply, ReplyKind

MAX_BLOCKS = 50
SECTION_CHARS = 3000
HEADER_CHARS = 150
LABEL_CHARS = 75
VALUE_CHARS = 2000
# Block Kit: 25 elements an actions block; a gaps list offers three buttons a gap
ACTIONS_PER_BLOCK = 25
MAX_BUTTONS = 40
FEEDBACK_VALUE_CHARS = 1900
# a reply longer than this is not read in Slack: show the start and say how much is left
LINE_CHARS = 600
LINES_BUDGET = 12000
MAX_LINES = 40
FALLBACK_CHARS = 3000
MORE = "and {n} more — narrow the question"
# a digest item (one licence, one change) longer than this is cut
ITEM_CHARS = 400
ITEMS_SHOWN = 15

_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{1,30}$")


def escape(text: str) -> str:
    """Slack's three control characters; nothing else needs escaping."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(text: str, limit: int) -> str:
    """Escape, then cut to `limit` characters without splitting an entity."""
    out = escape(text)
    if len(out) <= limit:
        return out
    cut = _PARTIAL_ENTITY.sub("", out[: limit - 1])
    return cut + "…"


def mention(user: str) -> str:
    """A user id from Slack's payload as a mention; anything else as plain text."""
    return f"<@{user}>" if _USER_ID.match(user) else escape(user)


def action_id(action: str, i: int = 0) -> str:
    """Slack wants action_ids unique within a block; the suffix is dropped on the way back."""
    return f"{action}:{i}"


def action_name(action_id_: str) -> str:
    return action_id_.split(":", 1)[0]


# one Block Kit object as Slack's JSON
Json = dict[str, Any]


@dataclass
class Rendered:
    blocks: list[Json] = field(default_factory=list)
    text: str = ""

    def as_kwargs(self) -> dict[str, Any]:
        return {"blocks": self.blocks, "text": self.text}


def _md(text: str) -> Json:
    # verbatim: Slack must not turn words into links or mentions on its own
    return {"text": text, "type": "mrkdwn", "verbatim": True}


def _plain(text: str) -> Json:
    return {"emoji": False, "text": text, "type": "plain_text"}


def _section(text: str) -> Json:
    return {"text": _md(text), "type": "section"}


def _header(text: str) -> Json:
    return {"text": _plain(text), "type": "header"}


def _context(text: str) -> Json:
    return {"elements": [_md(text)], "type": "context"}


def _actions(elements: list[Json], block_id: str | None = None) -> Json:
    return {"block_id": block_id, "elements": elements, "type": "actions"} if block_id else \
        {"elements": elements, "type": "actions"}


def _divider() -> Json:
    return {"type": "divider"}


def _button(b: Button, i: int) -> Json:
    out: Json = {"action_id": action_id(b.action, i)}
    if b.style:
        out["style"] = b.style
    out["text"] = _plain(fit(b.label, LABEL_CHARS) or "…")
    out["type"] = "button"
    if b.value:  # an empty value is left out, as slack_sdk.models leaves it
        out["value"] = b.value[:VALUE_CHARS]
    return out


def _pack_lines(lines: list[str], budget_blocks: int) -> list[Json]:
    """Bullet lines packed into as few sections as fit; what does not fit is counted
    into a closing "and N more" line."""
    if not lines or budget_blocks <= 0:
        return []
    sections: list[str] = []
    current = ""
    used_chars = 0
    shown = 0
    for line in lines:
        if shown >= MAX_LINES or used_chars >= LINES_BUDGET:
            break
        item = "• " + fit(line, LINE_CHARS)
        if current and len(current) + 1 + len(item) > SECTION_CHARS:
            if len(sections) + 1 >= budget_blocks:  # keep one block for "and N more"
                break
            sections.append(current)
            current = ""
        current = f"{current}\n{item}" if current else item
        used_chars += len(item)
        shown += 1
    if current:
        sections.append(current)
    hidden = len(lines) - shown
    if hidden:
        more = MORE.format(n=f"{hidden:,}")
        if len(sections[-1]) + 1 + len(more) <= SECTION_CHARS:
            sections[-1] += "\n" + more
        else:
            sections.append(more)
    return [_section(s) for s in sections]


def render(
    reply: Reply,
    *,
    share_question: str | None = None,
    asked_by: str | None = None,
    question: str | None = None,
    feedback_on: str | None = None,
) -> Rendered:
    """`share_question`: offer "Share in channel" for this question (ephemeral /ip
    answers). `asked_by`/`question`: a public post says who asked what.
    `feedback_on`: the question this answers, for its 👍/👎 buttons."""
    if isinstance(reply, DigestReply):
        return Rendered(*render_digest(reply))
    head: list[Json] = []
    tail: list[Json] = []
    if reply.kind is ReplyKind.DIGEST:
        head.append(_header(fit(reply.headline, HEADER_CHARS) or "Digest"))
    elif reply.headline:
        head.append(_section(fit(reply.headline, SECTION_CHARS)))
    if reply.note:
        tail.append(_context(fit(reply.note, SECTION_CHARS)))
    if reply.mentions:
        tail.append(_context("Ask: " + ", ".join(mention(u) for u in reply.mentions[:5])))
    if reply.suggestions:
        tail.append(_section("Did you mean:"))
        tail.append(_actions([
            _button(Button(s, ActionId.ASK_SUGGESTION.value, s), i) for i, s in enumerate(reply.suggestions[:5])
        ]))
    buttons = list(reply.buttons[:MAX_BUTTONS])
    if share_question is not None:
        buttons.append(Button("Share in channel", ActionId.SHARE.value, share_question))
    for start in range(0, len(buttons), ACTIONS_PER_BLOCK):
        tail.append(_actions([_button(b, i) for i, b in enumerate(buttons[start:start + ACTIONS_PER_BLOCK], start)]))
    if feedback_on is not None and reply.kind in (ReplyKind.ANSWER, ReplyKind.NOT_KNOWN):
        value = feedback_on[:FEEDBACK_VALUE_CHARS]
        tail.append(_actions([
            _button(Button("👍 Right", ActionId.FEEDBACK_UP.value, value), 0),
            _button(Button("👎 Wrong or missing", ActionId.FEEDBACK_DOWN.value, value), 1)], block_id="feedback"))
    if asked_by:
        about = f" · {fit(question, 500)}" if question else ""
        tail.append(_context(f"Asked by {mention(asked_by)}{about}"))
    body = _pack_lines(reply.lines, MAX_BLOCKS - len(head) - len(tail))
    blocks = [*head, *body, *tail]
    text = fit(reply.text, FALLBACK_CHARS)
    if reply.mentions:
        # escaped text without the contacts, then the contacts as real mentions
        text = fit(replace(reply, mentions=[]).text, FALLBACK_CHARS - 200)
        text += "\nAsk: " + ", ".join(mention(u) for u in reply.mentions[:5])
    if asked_by:
        text = fit(f"{reply.text}", FALLBACK_CHARS - 40) + f"\n(asked by {mention(asked_by)})"
    return Rendered(blocks=blocks, text=text)


def render_text(text: str) -> Rendered:
    """A one-line message (errors, "working on it")."""
    return Rendered(blocks=[_section(fit(text, SECTION_CHARS))], text=fit(text, FALLBACK_CHARS))


# --- digests ---------------------------------------------------------------------

def _item(item: DigestItem) -> str:
    text = "• " + fit(item.text, ITEM_CHARS)
    if item.actors:
        text += " — by " + ", ".join(mention(a) for a in item.actors[:5])
    return text


def _section_text(section: DigestSection) -> str:
    """Title and as many items as fit in one section block; the rest counted."""
    head = f"*{fit(section.title, 200)}*"
    lines: list[str] = []
    length = len(head)
    for item in section.items[:ITEMS_SHOWN]:
        line = _item(item)
        # keep room for the "and N more" line
        if length + 1 + len(line) > SECTION_CHARS - 40:
            break
        lines.append(line)
        length += 1 + len(line)
    more = section.total - len(lines)
    if more > 0:
        lines.append(f"• and {more} more")
    return "\n".join([head, *lines])


def render_digest(reply: DigestReply) -> tuple[list[Json], str]:
    """(blocks, fallback text) within Block Kit's limits, everything escaped."""
    if reply.empty:
        line = fit(reply.headline, SECTION_CHARS)
        return [_section(line)], line
    blocks: list[Json] = [_header(reply.headline[:HEADER_CHARS])]
    for i, section in enumerate(reply.sections):
        if len(blocks) + 3 > MAX_BLOCKS:
            break
        if i:
            blocks.append(_divider())
        blocks.append(_section(_section_text(section)))
    footer = reply.note or "Sent by ipbot. `/ip digest preview` shows the next one, `/ip digest pause` stops it."
    blocks.append(_context(fit(footer, 2000)))
    titles = ", ".join(s.title.split(" in the next")[0].split(" since")[0] for s in reply.sections)
    text = fit(f"{reply.headline}: {titles}", FALLBACK_CHARS)
    return blocks, text
