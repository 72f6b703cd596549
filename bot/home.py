"""The App Home tab: handlers.home.HomePage as a Block Kit `home` view, published
with views.publish when someone opens the tab."""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ContextBlock, DividerBlock, HeaderBlock, PlainTextObject
from slack_sdk.models.views import View

from bot.blocks import SECTION_CHARS, _button, _md, _section, fit, mention
from handlers.home import HomePage

# Block Kit: 100 blocks a view
MAX_BLOCKS = 100
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{1,30}$")


def _channel(channel: str) -> str:
    return f"<#{channel}>" if _CHANNEL_ID.match(channel) else fit(channel, 80)


def view(home: HomePage) -> dict[str, Any]:
    # bot/blocks.py's sections and buttons are Slack's JSON; View parses and validates them
    blocks: list[Block | dict[str, Any]] = [HeaderBlock(text=PlainTextObject(text="ipbot", emoji=False))]
    if home.buttons:
        blocks.append(ActionsBlock(block_id="admin", elements=[_button(b, i) for i, b in enumerate(home.buttons)]))
    for section in home.sections:
        items = [("• " + fit(i.text, 400) + (" — by " + ", ".join(mention(a) for a in i.actors[:3])
                                             if i.actors else "")) for i in section.items]
        more = section.total - len(section.items)
        if more > 0:
            items.append(f"and {more} more")
        blocks += [DividerBlock(), _section(f"*{fit(section.title, 150)}*"),
                   _section("\n".join(items)[:SECTION_CHARS])]
    digests = [f"• {_channel(c)}: {fit(d, 200)}" for c, d in home.digests]
    blocks += [DividerBlock(), _section("*Channel digests*"),
               _section("\n".join(digests)[:SECTION_CHARS] if digests
                        else "No channel subscribes yet: `/ip digest subscribe weekly` in a channel.")]
    blocks.append(ContextBlock(elements=[_md("Ask in any channel with `/ip …`, by mentioning me, or here in "
                                             "*Messages*.")]))
    return View(type="home", blocks=blocks[:MAX_BLOCKS]).to_dict()
