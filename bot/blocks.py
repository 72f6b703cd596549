"""Reply -> Block Kit plus a plain-text fallback.

Everything in a Reply may come from a user (fact values, patent titles, licensee
names, the question itself), so every string is escaped (&, <, >) before it goes
into any text object: a stored `<!channel>` shows as text and pings nobody. Blocks
are built with slack_sdk.models, whose validators enforce Block Kit's limits; the
packing here keeps us inside them (50 blocks, 3000 characters a section, 150 a
header, 75 a button label, 2000 a button value) by truncating long lists with
"and N more — narrow the question"."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

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


@dataclass
class Rendered:
    blocks: list[dict[str, Any]] = field(default_factory=list)
    text: str = ""

    def as_kwargs(self) -> dict[str, Any]:
        return {"blocks": self.blocks, "text": self.text}


def _md(text: str) -> MarkdownTextObject:
    # verbatim: Slack must not turn words into links or mentions on its own
    return MarkdownTextObject(text=text, verbatim=True)


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=_md(text))


def _button(b: Button, i: int) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=fit(b.label, LABEL_CHARS) or "…", emoji=False),
        action_id=action_id(b.action, i),
        value=b.value[:VALUE_CHARS],
        style=b.style or None,
    )


def _pack_lines(lines: list[str], budget_blocks: int) -> list[SectionBlock]:
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
    head: list[Block] = []
    tail: list[Block] = []
    if reply.kind is ReplyKind.DIGEST:
        head.append(HeaderBlock(text=PlainTextObject(text=fit(reply.headline, HEADER_CHARS) or "Digest",
                                                     emoji=False)))
    elif reply.headline:
        head.append(_section(fit(reply.headline, SECTION_CHARS)))
    if reply.note:
        tail.append(ContextBlock(elements=[_md(fit(reply.note, SECTION_CHARS))]))
    if reply.mentions:
        tail.append(ContextBlock(elements=[_md("Ask: " + ", ".join(mention(u) for u in reply.mentions[:5]))]))
    if reply.suggestions:
        tail.append(_section("Did you mean:"))
        tail.append(ActionsBlock(elements=[
            _button(Button(s, ActionId.ASK_SUGGESTION.value, s), i) for i, s in enumerate(reply.suggestions[:5])
        ]))
    buttons = list(reply.buttons[:MAX_BUTTONS])
    if share_question is not None:
        buttons.append(Button("Share in channel", ActionId.SHARE.value, share_question))
    for start in range(0, len(buttons), ACTIONS_PER_BLOCK):
        tail.append(ActionsBlock(elements=[_button(b, i) for i, b in enumerate(buttons[start:start + ACTIONS_PER_BLOCK],
                                                                               start)]))
    if feedback_on is not None and reply.kind in (ReplyKind.ANSWER, ReplyKind.NOT_KNOWN):
        value = feedback_on[:FEEDBACK_VALUE_CHARS]
        tail.append(ActionsBlock(block_id="feedback", elements=[
            _button(Button("👍 Right", ActionId.FEEDBACK_UP.value, value), 0),
            _button(Button("👎 Wrong or missing", ActionId.FEEDBACK_DOWN.value, value), 1)]))
    if asked_by:
        about = f" · {fit(question, 500)}" if question else ""
        tail.append(ContextBlock(elements=[_md(f"Asked by {mention(asked_by)}{about}")]))
    body = _pack_lines(reply.lines, MAX_BLOCKS - len(head) - len(tail))
    blocks = [b.to_dict() for b in (*head, *body, *tail)]
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
    return Rendered(blocks=[_section(fit(text, SECTION_CHARS)).to_dict()], text=fit(text, FALLBACK_CHARS))


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


def render_digest(reply: DigestReply) -> tuple[list[dict[str, Any]], str]:
    """(blocks, fallback text) within Block Kit's limits, everything escaped."""
    if reply.empty:
        line = fit(reply.headline, SECTION_CHARS)
        return [SectionBlock(text=_md(line)).to_dict()], line
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=reply.headline[:HEADER_CHARS], emoji=False))]
    for i, section in enumerate(reply.sections):
        if len(blocks) + 3 > MAX_BLOCKS:
            break
        if i:
            blocks.append(DividerBlock())
        blocks.append(SectionBlock(text=_md(_section_text(section))))
    footer = reply.note or "Sent by ipbot. `/ip digest preview` shows the next one, `/ip digest pause` stops it."
    blocks.append(ContextBlock(elements=[_md(fit(footer, 2000))]))
    titles = ", ".join(s.title.split(" in the next")[0].split(" since")[0] for s in reply.sections)
    text = fit(f"{reply.headline}: {titles}", FALLBACK_CHARS)
    return [b.to_dict() for b in blocks], text
