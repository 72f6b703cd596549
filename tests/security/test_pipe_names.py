"""Finding 12 (keys): a "|" in a metric, licensee or licensor name broke history,
undo and the digest, which split "subject|metric|period" strings back into parts
(undo then restored the wrong record or refused). Which record a change is about
is now kept in columns of its own, whatever the names hold."""

from __future__ import annotations

from datetime import timedelta

from tests.bot import slack_harness
from tests.bot.slack_harness import Bot, all_text, plain
from tests.conftest import Clock

bot = slack_harness.bot
slack = slack_harness.slack


async def _say(bot: Bot, text: str, user: str = "UADMIN", channel: str = "C1") -> str:
    body = (await bot.send.command(text, user=user, channel=channel)).json()
    return plain(body["text"] + "\n" + all_text(body.get("blocks", [])))


async def test_a_metric_with_a_bar_keeps_its_history_and_undo(bot: Bot) -> None:
    assert "Set gadget|tally, 2023: US$5 million" in await _say(bot, "set gadget|tally 2023 = US$5 million")
    assert "Set gadget|tally, 2023: US$6 million" in await _say(bot, "set gadget|tally 2023 = US$6 million")
    hist = await _say(bot, "history gadget|tally", user="U1")
    assert "UADMIN set gadget|tally, 2023: US$5 million → US$6 million" in hist
    assert "UADMIN set gadget|tally, 2023: none → US$5 million" in hist
    undone = await _say(bot, "undo")
    assert "gadget|tally, 2023 is back to US$5 million (was US$6 million)" in undone
    assert "US$5 million" in await _say(bot, "gadget|tally 2023", user="U1")


async def test_a_licence_with_bars_in_its_names_keeps_its_history_and_undo(bot: Bot) -> None:
    added = await _say(bot, "licensee add Acme|Corp signed:2023-05 kind:outbound licensor:Hua|wei")
    assert "Acme|Corp" in added, added
    removed = await _say(bot, "licensee remove Acme|Corp")
    assert "Acme|Corp" in removed, removed
    undone = await _say(bot, "undo")
    assert "licence Hua|wei → Acme|Corp signed 2023-05-01 is back" in undone, undone
    hist = await _say(bot, "history licensee acme|corp", user="U1")
    for action in ("licensee_add", "licensee_remove", "undo"):
        assert f"UADMIN {action} licence Hua|wei → Acme|Corp signed 2023-05-01" in hist, hist


async def test_the_digest_names_the_record_with_its_bars(bot: Bot, clock: Clock) -> None:
    await _say(bot, "licensee add Acme|Corp signed:2026-11-24 kind:outbound licensor:Hua|wei")
    await _say(bot, "set gadget|tally 2023 = US$5 million")
    await _say(bot, "digest subscribe weekly mon 09:00 UTC", channel="CDIGEST")
    clock.now += timedelta(minutes=1)
    preview = await _say(bot, "digest preview", user="U1", channel="CDIGEST")
    assert "licence with Acme|Corp (licensor Hua|wei, signed 2026-11-24): added" in preview, preview
    assert "gadget|tally 2023: added, US$5 million" in preview, preview
