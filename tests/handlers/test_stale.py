"""Figures due for update, as an admin meets them: `freshness` lists what is due under
the default rule (15 months after the year ends), a rule per metric changes that,
and the digest carries the list without becoming a digest of news."""

from __future__ import annotations

from bot.runtime import Runtime
from handlers import dispatch
from handlers.dispatch import Request
from handlers.replies import ReplyKind
from tests.bot.test_digest_support import load_fixtures


async def say(rt: Runtime, text: str, user: str = "UADMIN") -> str:
    reply = await dispatch.handle(rt.deps, Request(text, user=user, channel="C1"))
    return reply.text


async def test_due_figures_follow_the_default_rule_and_a_metric_rule(rt: Runtime) -> None:
    # the test clock is 2026-11-25; the fixtures' newest licensing revenue is 2023
    await load_fixtures(rt)
    listed = await say(rt, "freshness", user="UREADER")
    assert "licensing revenue: latest 2023, due since 31 Mar 2025" in listed
    assert "15 months after its year ends" in listed

    refused = await say(rt, "freshness licensing revenue = 36 months", user="UREADER")
    assert "Only IP admins" in refused
    assert "due for update 36 months" in await say(rt, "freshness licencing revenue = 3 years")
    after = await say(rt, "freshness", user="UREADER")
    assert "licensing revenue: latest" not in after  # 2023 + 36 months ends 31 Dec 2026
    assert "licensing revenue: 36 months after its year" in after
    assert "I couldn't read that" in await say(rt, "freshness licensing revenue = soon")


async def test_the_digest_lists_due_figures(rt: Runtime) -> None:
    await load_fixtures(rt)
    reply = await dispatch.handle(rt.deps, Request("digest preview", user="UREADER", channel="C1"))
    assert reply.kind is ReplyKind.DIGEST
    assert "Figures due for update" in reply.text and "licensing revenue: latest 2023" in reply.text
