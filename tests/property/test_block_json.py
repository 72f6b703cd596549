"""bot/blocks.py writes Block Kit as plain JSON (slack_sdk.models cost ~190 µs a
reply inside Slack's ack). This holds every block it makes, for any reply, to
slack_sdk.models: parsed by it, the block passes its validators (Block Kit's
limits) and writes back unchanged — so the JSON is exactly what the models would
have sent."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from bot.blocks import MAX_BLOCKS, render, render_digest, render_text
from handlers.digest import DigestReply
from handlers.digest_sections.base import DigestItem, DigestSection
from handlers.replies import Button, Reply, ReplyKind

# user text at its worst for Slack: control characters, its three escapes, emoji, CJK
_TEXT = st.lists(st.sampled_from([*"ab <>&*_~`'\"\n\t😀研发", "&amp;", "<!channel>"]), max_size=40).map("".join)
# past every Block Kit limit (3000 a section, 2000 a value, 75 a label), cheap to draw
_LONG = st.one_of(_TEXT, st.tuples(st.sampled_from(["x", "&", "<", "x&"]), st.integers(70, 4000)).map(
    lambda t: t[0] * (t[1] // len(t[0]))))
_USER = st.sampled_from(["U123ABC", "W0XYZ", "not a user", ""])
_BUTTON = st.builds(Button, label=_LONG, action=st.sampled_from(["ask", "share", "confirm"]), value=_LONG,
                    style=st.sampled_from(["", "primary", "danger"]))
_REPLY = st.builds(
    Reply, kind=st.sampled_from(list(ReplyKind)), headline=_LONG, lines=st.lists(_LONG, max_size=50),
    note=_LONG, suggestions=st.lists(_LONG, max_size=7), buttons=st.lists(_BUTTON, max_size=45),
    mentions=st.lists(_USER, max_size=7))


def assert_as_models_write_it(blocks: list[dict[str, Any]]) -> None:
    assert 0 < len(blocks) <= MAX_BLOCKS
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, block
        assert parsed.to_dict() == block  # to_dict() runs every validator first


@given(_REPLY, st.one_of(st.none(), _LONG), st.one_of(st.none(), _USER), st.one_of(st.none(), _LONG),
       st.one_of(st.none(), _LONG))
def test_every_reply_renders_as_slack_sdk_models_would(reply: Reply, share: str | None, asked_by: str | None,
                                                       question: str | None, feedback_on: str | None) -> None:
    out = render(reply, share_question=share, asked_by=asked_by or None, question=question, feedback_on=feedback_on)
    if out.blocks:
        assert_as_models_write_it(out.blocks)
    assert out.text or not reply.text


@given(_LONG)
def test_one_line_messages_render_as_slack_sdk_models_would(text: str) -> None:
    out = render_text(text or "x")
    assert_as_models_write_it(out.blocks)


_ITEM = st.builds(DigestItem, text=_LONG, actors=st.lists(_USER, max_size=6).map(tuple))
_SECTION = st.builds(DigestSection, title=_TEXT, items=st.lists(_ITEM, max_size=20).map(tuple),
                     total=st.integers(min_value=0, max_value=500))


@given(_LONG.filter(bool), st.lists(_SECTION, max_size=30), st.booleans(), _TEXT)
def test_digests_render_as_slack_sdk_models_would(headline: str, sections: list[DigestSection], empty: bool,
                                                  note: str) -> None:
    digest = DigestReply(ReplyKind.DIGEST, headline, sections=sections, empty=empty, note=note)
    blocks, text = render_digest(digest)
    assert_as_models_write_it(blocks)
    assert text
