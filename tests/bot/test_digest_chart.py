"""The digest's chart: the key metric over its stored years, uploaded into the
digest's thread after the digest is out. The digest's text is what is posted
exactly once; the chart is best effort and never makes it post again."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime

from PIL import Image

from bot.scheduler import DigestScheduler
from handlers.digest_sections.headline import key_chart
from store import digests as digest_repo
from store import revisions as revision_repo
from store.models import Fact
from tests.bot.test_digest_support import CHANNEL, load_fixtures, say, standin

MONDAY_RUN = datetime(2026, 11, 30, 9, 0, 1, tzinfo=UTC)


async def _runs(rt) -> list[tuple[str, str, str]]:
    async with rt.deps.sessions() as session:
        sub = await digest_repo.get_subscription(session=session, channel=CHANNEL)
        return [(r.period_key, r.status, r.message_ts)
                for r in await digest_repo.list_runs(session=session, subscription_id=sub.id)]


async def _start(rt, poster) -> None:
    sched = DigestScheduler(rt.deps, poster)
    await sched.start()
    sched.stop()


async def test_the_digest_s_chart_is_uploaded_into_its_thread_with_the_values_in_words(rt, clock) -> None:
    await load_fixtures(rt)
    await say(rt, "digest subscribe weekly mon 09:00 UTC")
    clock.now = MONDAY_RUN
    async with standin() as (slack, poster):
        await _start(rt, poster)
        [post] = slack.posted()
        [upload] = slack.uploads.values()
    [(period, status, ts)] = await _runs(rt)
    assert (period, status) == ("2026-W49", "sent") and ts
    assert (upload["channel"], upload["thread_ts"]) == (CHANNEL, ts)
    assert post["channel"] == CHANNEL and "thread_ts" not in post
    assert upload["title"] == "Huawei's licensing revenue, 2022–2023"
    assert upload["alt_txt"] == ("Line chart of Huawei's licensing revenue, 2022–2023. "
                                 "2022: about US$560 million; 2023: about US$630 million.")
    with Image.open(io.BytesIO(upload["data"])) as img:
        assert img.format == "PNG"
        img.load()  # decodes
        assert img.info["Description"] == upload["alt_txt"]


async def test_a_failed_chart_upload_costs_only_the_picture(rt, clock, caplog) -> None:
    await load_fixtures(rt)
    await say(rt, "digest subscribe weekly mon 09:00 UTC")
    clock.now = MONDAY_RUN
    async with standin() as (slack, poster):
        slack.fail("files.getUploadURLExternal", "internal_error")
        with caplog.at_level(logging.WARNING, logger="handlers.digest_run"):
            await _start(rt, poster)
        assert "chart not attached" in caplog.text and "internal_error" in caplog.text
        # restarted, and the resync tick runs: the digest was out and is not posted again
        await _start(rt, poster)
        sched = DigestScheduler(rt.deps, poster)
        await sched.tick()
        assert len(slack.posted()) == 1
        assert not any("data" in u for u in slack.uploads.values())
    [(period, status, ts)] = await _runs(rt)
    assert (period, status) == ("2026-W49", "sent") and ts


async def test_a_quiet_week_s_one_line_digest_has_no_chart(rt, clock) -> None:
    # a second year of licensing revenue, stored long before this week: drawable, but not news
    async with rt.deps.sessions() as session, session.begin():
        session.add(Fact(subject="Huawei", metric="licensing revenue", period="2021", value="about US$600 million",
                         numeric=6e8, unit="USD", qualifier="about", source="Huawei 2021 annual report"))
        await revision_repo.bump(session=session, kind="facts")
    await rt.deps.index.refresh(rt.deps.sessions, force=True)
    assert key_chart(rt.deps) is not None
    await say(rt, "digest subscribe weekly mon 09:00 UTC")
    clock.now = MONDAY_RUN
    async with standin() as (slack, poster):
        await _start(rt, poster)
        [post] = slack.posted()
        assert post["text"].endswith("no changes this week.")
        assert slack.uploads == {}
