"""Feedback that teaches, as people use it: a reader's unanswered question or 👎
becomes a gap, similar wordings group into one, an admin teaches the bot from
`gaps` and the same question is then answered for everyone."""

from __future__ import annotations

import asyncio
from datetime import UTC, timedelta

import pytest
from sqlalchemy import select

from bot.runtime import Runtime
from handlers import dispatch, unanswered
from handlers.dispatch import Request
from handlers.replies import ActionId, Reply, ReplyKind
from store.models import UnansweredQuestion
from tests.conftest import Clock

ADMIN = "UADMIN"


async def say(rt: Runtime, text: str, user: str = ADMIN, channel: str = "C1") -> Reply:
    return await dispatch.handle(rt.deps, Request(text, user=user, channel=channel))


async def press(rt: Runtime, action: ActionId, value: str, user: str = ADMIN, channel: str = "C1") -> Reply:
    reply = await dispatch.handle_action(rt.deps, Request("", user=user, channel=channel), action.value, value)
    assert reply is not None
    return reply


async def submit(rt: Runtime, action: str, value: str, values: dict[str, str], user: str = ADMIN) -> Reply:
    reply = await dispatch.handle_form(rt.deps, Request("", user=user, channel="C1"), action, value, values)
    assert reply is not None
    return reply


async def test_similar_unanswered_questions_are_one_gap_that_teaching_closes(rt: Runtime) -> None:
    for q in ("what is our royalty payload in 2022?", "royalty payload 2022", "weather in shenzhen tomorrow"):
        assert not (await say(rt, q, user="UREADER")).answered
    listed = await say(rt, "gaps")
    assert listed.headline == "2 open gaps in this channel:"
    payload = next(line for line in listed.lines if "payload" in line)
    assert "asked 2× unanswered" in payload
    name = payload.split(":", 1)[0]

    # the Teach button opens a form with the words the bot did not understand and a metric picker
    form = (await press(rt, ActionId.GAP_TEACH, name)).form
    assert form is not None and form.value == name
    words, metric = form.fields
    assert words.initial == "payload" and metric.kind == "search"
    # the picker offers metrics as they are typed
    choices = await dispatch.handle_options(rt.deps, Request("", user=ADMIN), metric.name, "licensing")
    assert choices and choices[0].label == "licensing revenue"

    taught = await submit(rt, form.action, form.value, {"words": "royalty payload", "metric": choices[0].value})
    assert taught.kind is ReplyKind.DONE and "“royalty payload” now means licensing revenue" in taught.headline
    assert "about US$560 million" in taught.lines[0]
    # the same question, from anyone, is answered now; the gap is gone
    again = await say(rt, "what is our royalty payload in 2022?", user="UOTHER")
    assert again.answered and "about US$560 million" in again.text
    assert (await say(rt, "gaps")).headline == "1 open gaps in this channel:"


async def test_a_down_vote_with_what_was_expected_is_a_gap_until_dismissed(rt: Runtime) -> None:
    down = await press(rt, ActionId.FEEDBACK_DOWN, "licensing revenue 2022", user="UREADER")
    assert down.form is not None
    thanks = await submit(rt, down.form.action, down.form.value, {"expected": "the 2022 figure in RMB"},
                          user="UREADER")
    assert "admins will see" in thanks.headline
    up = await press(rt, ActionId.FEEDBACK_UP, "valid patents 2022", user="UREADER")
    assert up.kind is ReplyKind.DONE

    listed = await say(rt, "gaps")
    assert listed.lines == [f"{listed.lines[0].split(':')[0]}: “licensing revenue 2022” (👎 1×) — expected: "
                            "“the 2022 figure in RMB”"]
    name = listed.lines[0].split(":")[0]
    dismissed = await say(rt, f"gaps dismiss {name}")
    assert dismissed.headline == f"{name}: 1 question marked dismissed."
    assert (await say(rt, "gaps")).headline.startswith("No open gaps")


async def test_gaps_are_for_admins_and_a_channel_sees_only_its_own(rt: Runtime) -> None:
    await say(rt, "royalty payload 2022", user="UREADER", channel="C1")
    await say(rt, "what is the secret project budget", user="UREADER", channel="D777")
    refused = await say(rt, "gaps", user="UREADER")
    assert refused.kind is ReplyKind.ERROR and "Only IP admins" in refused.headline

    in_c1 = await say(rt, "gaps", channel="C1")
    assert len(in_c1.lines) == 1 and "payload" in in_c1.lines[0]
    # another channel's gap cannot be acted on from here
    elsewhere = await say(rt, "gaps", channel="C2")
    assert elsewhere.headline.startswith("No open gaps")
    name = in_c1.lines[0].split(":")[0]
    assert "no open gap" in (await say(rt, f"gaps dismiss {name}", channel="C2")).headline
    # in a DM (or the terminal) an admin sees every channel's
    everywhere = await dispatch.handle(rt.deps, Request("gaps", user=ADMIN, channel="DADMIN", is_dm=True))
    assert everywhere.headline == "2 open gaps anywhere:"


async def test_a_licence_form_with_a_bad_date_says_so_under_the_date(rt: Runtime) -> None:
    bad = await submit(rt, ActionId.LICENCE_SUBMIT.value, "", {"licensee": "Acme", "signed": "2023-14"})
    assert bad.kind is ReplyKind.ERROR
    assert bad.field_errors == {"signed": "“2023-14” is not a date (use YYYY-MM or YYYY-MM-DD)."}
    added = await submit(rt, ActionId.LICENCE_SUBMIT.value, "", {"licensee": "Acme", "signed": "2023-08"})
    assert added.kind is ReplyKind.DONE and "Acme" in added.headline


async def test_questions_noted_inside_slacks_ack_are_written_a_moment_later(
        rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    async def stored() -> list[str]:
        async with rt.deps.sessions() as s:
            return sorted((await s.scalars(select(UnansweredQuestion.text))).all())

    monkeypatch.setattr(unanswered, "WRITE_AFTER", 0.05)
    rt.deps.unanswered.batched = True  # as the Slack app runs
    for q in ("what is our royalty payload", "how many interns", "zyxwvut please"):
        assert (await say(rt, q, user="U7")).kind is ReplyKind.NOT_KNOWN
    assert await stored() == []  # noted, not written inside the answer
    for _ in range(100):
        if await stored():
            break
        await asyncio.sleep(0.02)
    assert await stored() == ["how many interns", "what is our royalty payload", "zyxwvut please"]


async def test_a_noted_question_is_stamped_when_it_is_written(rt: Runtime, clock: Clock) -> None:
    # a digest built (on any replica) between the note and the write has read its period
    # already; stamped with the write's time, the question falls in the next period
    # instead of in none
    rt.deps.unanswered.batched = True
    assert (await say(rt, "how many interns", user="U7")).kind is ReplyKind.NOT_KNOWN
    asked = clock.now
    clock.now = asked + timedelta(seconds=1)
    await unanswered.write_all(rt.deps)
    async with rt.deps.sessions() as s:
        [at] = (await s.scalars(select(UnansweredQuestion.asked_at))).all()
    assert at.replace(tzinfo=UTC) == asked + timedelta(seconds=1)
