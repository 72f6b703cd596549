"""`/ip digest …` as a user types it, and what the digest says."""

from __future__ import annotations

from datetime import UTC, date, datetime

from handlers.digest import DigestReply, build_digest
from handlers.replies import ReplyKind
from store import digests as digest_repo
from store.models import Admin
from tests.bot.test_digest_support import (
    CHANNEL,
    add_change,
    add_licence,
    add_patent,
    add_question,
    fact_json,
    load_fixtures,
    say,
)


async def _sub(rt):
    async with rt.deps.sessions() as session:
        return await digest_repo.get_subscription(session=session, channel=CHANNEL)


async def test_subscribe_defaults_to_monday_nine_in_the_configured_zone(rt) -> None:
    from zoneinfo import ZoneInfo

    rt.deps.tz = ZoneInfo("Europe/Berlin")
    reply = await say(rt, "digest subscribe")
    assert reply.kind is ReplyKind.DONE
    assert "weekly on Monday at 09:00 Europe/Berlin" in reply.text
    # clock: Wed 25 Nov 2026; next Monday 09:00 Berlin is CET
    assert "Mon 30 Nov 2026 09:00 CET" in reply.text
    sub = await _sub(rt)
    assert (sub.frequency, sub.weekday, sub.at_time, sub.timezone, sub.created_by) == (
        "weekly", 0, "09:00", "Europe/Berlin", "UADMIN")


async def test_subscribe_with_options_and_resubscribe_replaces(rt) -> None:
    await say(rt, "digest subscribe monthly 1 09:00 Asia/Shanghai skip-empty")
    sub = await _sub(rt)
    assert (sub.frequency, sub.day_of_month, sub.timezone, sub.skip_empty) == ("monthly", 1, "Asia/Shanghai", True)
    reply = await say(rt, "digest subscribe daily 08:30")
    assert reply.text.startswith("Updated: this channel now gets the licensing digest daily at 08:30 UTC")
    async with rt.deps.sessions() as session:
        subs = await digest_repo.list_subscriptions(session=session)
    assert [(s.channel, s.frequency, s.skip_empty) for s in subs] == [(CHANNEL, "daily", False)]


async def test_bad_input_gets_the_expected_form_and_writes_nothing(rt) -> None:
    reply = await say(rt, "digest subscribe weekly mon 9am")
    assert reply.kind is ReplyKind.ERROR
    assert "09:00" in reply.text and "digest subscribe weekly mon 09:00 Europe/Berlin" in reply.text
    assert await _sub(rt) is None
    reply = await say(rt, "digest frobnicate")
    assert reply.kind is ReplyKind.ERROR and "subscribe, list, unsubscribe, pause, resume, preview" in reply.text


async def test_only_admins_change_subscriptions(rt) -> None:
    reply = await say(rt, "digest subscribe", user="UNOBODY")
    assert reply.kind is ReplyKind.ERROR and "Only IP admins can subscribe digests" in reply.text
    assert reply.mentions == ["UADMIN"]
    assert await _sub(rt) is None
    # an admin recorded in the database (not in IPBOT_ADMINS) may
    async with rt.deps.sessions() as session, session.begin():
        session.add(Admin(user_id="UDBADMIN", added_by="UADMIN", added_at=rt.deps.clock()))
    assert (await say(rt, "digest subscribe", user="UDBADMIN")).kind is ReplyKind.DONE
    reply = await say(rt, "digest pause", user="UNOBODY")
    assert reply.kind is ReplyKind.ERROR
    assert not (await _sub(rt)).paused
    # anyone may look
    assert (await say(rt, "digest list", user="UNOBODY")).kind is ReplyKind.ANSWER


async def test_changes_need_a_channel(rt) -> None:
    reply = await say(rt, "digest subscribe", channel="")
    assert reply.kind is ReplyKind.ERROR and "in the Slack channel" in reply.text


async def test_list_pause_resume_unsubscribe(rt) -> None:
    assert "No channel subscribes" in (await say(rt, "digest list")).text
    await say(rt, "digest subscribe weekly mon 09:00 Europe/Berlin")
    await say(rt, "digest subscribe daily 08:30 Asia/Shanghai", channel="COTHER")
    listing = (await say(rt, "digest list")).text
    assert "2 digest subscriptions" in listing
    assert f"{CHANNEL}: weekly on Monday at 09:00 Europe/Berlin — next Mon 30 Nov 2026 09:00 CET" in listing
    # 10:00 UTC is 18:00 in Shanghai: the next 08:30 is tomorrow, in Shanghai time
    assert "COTHER: daily at 08:30 Asia/Shanghai — next Thu 26 Nov 2026 08:30 CST" in listing
    assert "Paused" in (await say(rt, "digest pause")).text
    assert (await _sub(rt)).paused
    assert f"{CHANNEL}: weekly on Monday at 09:00 Europe/Berlin — paused" in (await say(rt, "digest list")).text
    assert "Resumed" in (await say(rt, "digest resume")).text
    assert not (await _sub(rt)).paused
    assert "Unsubscribed" in (await say(rt, "digest unsubscribe")).text
    assert await _sub(rt) is None
    reply = await say(rt, "digest pause")
    assert reply.kind is ReplyKind.ERROR and "no digest subscription" in reply.text


async def test_preview_is_a_digest_reply_and_records_nothing(rt) -> None:
    await load_fixtures(rt)
    await add_question(rt, "who licenses 6G?", rt.deps.clock())
    reply = await say(rt, "digest preview", user="UNOBODY")
    assert reply.kind is ReplyKind.DIGEST
    assert "Preview only, nothing was posted" in reply.text
    assert "who licenses 6G?" in reply.text  # grouped like /ip gaps, shown as last asked
    await say(rt, "digest subscribe")
    sub = await _sub(rt)
    await say(rt, "digest preview")
    async with rt.deps.sessions() as session:
        assert await digest_repo.list_runs(session=session, subscription_id=sub.id) == []


async def _digest(rt) -> DigestReply:
    await say(rt, "digest subscribe weekly mon 09:00 UTC")
    return await build_digest(rt.deps, await _sub(rt), "2026-W48", rt.deps.clock())


def _section(reply: DigestReply, title_start: str) -> list[str]:
    found = [s for s in reply.sections if s.title.startswith(title_start)]
    assert found, f"no section {title_start!r} in {[s.title for s in reply.sections]}"
    return [i.text + (f" — by {', '.join(i.actors)}" if i.actors else "") for i in found[0].items]


async def test_every_section_of_a_busy_week(rt) -> None:
    await load_fixtures(rt)
    # the window: since last Monday's run time (16 Nov 09:00 UTC) until now (Wed 25 Nov 10:00 UTC)
    await add_licence(rt, "Xiaomi", signed_on=date(2026, 11, 20), expires_on=date(2031, 11, 20))
    await add_licence(rt, "Old Corp", signed_on=date(2026, 11, 2), expires_on=date(2030, 1, 1))
    await add_licence(rt, "Expiring Ltd", signed_on=date(2020, 1, 1), expires_on=date(2026, 12, 31))
    await add_patent(rt, "US 7000001 B2", "Antenna tilt control", date(2027, 2, 1))
    await add_patent(rt, "US 7000002 B2", "Far future", date(2027, 6, 1))
    await add_change(rt, at=datetime(2026, 11, 24, 15, 0, tzinfo=UTC), actor="UALICE", action="set", kind="fact",
                     key="Huawei|licensing revenue|2024",
                     before=None, after=fact_json("licensing revenue", "2024", "about US$630 million", 630e6, "USD",
                                                  "about"))
    await add_change(rt, at=datetime(2026, 11, 24, 16, 0, tzinfo=UTC), actor="UBOB", action="set", kind="fact",
                     key="Huawei|valid patents|2023",
                     before=fact_json("valid patents", "2023", "over 140,000", 140000, "count", "over"),
                     after=fact_json("valid patents", "2023", "over 150,000", 150000, "count", "over"))
    # before the window: already in last week's digest
    await add_change(rt, at=datetime(2026, 11, 10, 9, 0, tzinfo=UTC), actor="UOLD", action="set", kind="fact",
                     key="Huawei|r&d spending|2021", before=None,
                     after=fact_json("r&d spending", "2021", "142.7 billion yuan", 142.7e9, "CNY"))
    await add_question(rt, "who licenses 6G?", datetime(2026, 11, 23, 12, 0, tzinfo=UTC), times=3)
    await add_question(rt, "Apple licence terms", datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    await add_question(rt, "too old", datetime(2026, 11, 1, 12, 0, tzinfo=UTC))

    reply = await _digest(rt)
    assert reply.kind is ReplyKind.DIGEST and not reply.empty
    assert reply.headline == "Licensing digest, week 48, 2026"
    assert [s.title for s in reply.sections] == [
        "Headline figures",
        "Licences signed since 16 Nov 2026",
        "Licences expiring in the next 90 days",
        "Patents expiring in the next 90 days",
        "Facts added or changed since the last digest",
        "Questions I could not answer",
        "Figures due for update",
    ]
    figures = _section(reply, "Headline")
    assert figures[0] == ("licensing revenue 2023: about US$630 million, up 12.5% from about US$560 million in 2022")
    assert "r&d spending 2023: 164.7 billion yuan (CNY), up 2% from 161.5 billion yuan (CNY) in 2022" in figures
    assert _section(reply, "Licences signed") == [
        "Xiaomi (bilateral, cellular), signed 20 Nov 2026, licensor Huawei"]
    assert _section(reply, "Licences expiring") == [
        "Expiring Ltd (bilateral, cellular), expires 31 Dec 2026",
        "Amazon (outbound, Wi-Fi), expires 31 Jan 2027",
    ]
    assert _section(reply, "Patents expiring") == [
        "EP 3555555 B1 — " + _section(reply, "Patents expiring")[0].split(" — ", 1)[1],
        "US 7000001 B2 — Antenna tilt control (Huawei Technologies Co Ltd), expires 01 Feb 2027",
    ]
    assert _section(reply, "Facts added") == [
        "licensing revenue 2024: added, about US$630 million (source: Huawei 2023 annual report) — by UALICE",
        "valid patents 2023: over 140,000 → over 150,000 — by UBOB",
    ]
    assert _section(reply, "Questions") == ["“who licenses 6G?” — asked 3 times", "“Apple licence terms”"]
    assert "too old" not in reply.text and "Old Corp" not in reply.text and "Far future" not in reply.text


async def test_second_digest_reports_only_what_came_after_the_first(rt) -> None:
    await say(rt, "digest subscribe weekly mon 09:00 UTC")
    sub = await _sub(rt)
    first_sent = datetime(2026, 11, 23, 9, 0, 5, tzinfo=UTC)
    async with rt.deps.sessions() as session, session.begin():
        run = await digest_repo.claim(session=session, subscription_id=sub.id, period_key="2026-W48", at=first_sent)
        await digest_repo.mark_sent(session=session, run_id=run.id, message_ts="1.1", at=first_sent)
    await add_change(rt, at=datetime(2026, 11, 22, 9, 0, tzinfo=UTC), actor="UA", action="set", kind="fact",
                     key="Huawei|x|2024", before=None, after=fact_json("x", "2024", "1", 1, "count"))
    await add_change(rt, at=datetime(2026, 11, 26, 9, 0, tzinfo=UTC), actor="UB", action="remove", kind="fact",
                     key="Huawei|y|2024", before=fact_json("y", "2024", "2", 2, "count"), after=None)
    await add_change(rt, at=datetime(2026, 11, 27, 9, 0, tzinfo=UTC), actor="UC", action="licensee_add",
                     kind="licence", key="Vivo|Huawei|2026-11-26", before=None,
                     after={"licensee": "Vivo", "licensor": "Huawei", "kind": "bilateral", "technology": "5G",
                            "signed_on": "2026-11-26", "expires_on": "2031-11-26", "territory": "", "status": ""})
    reply = await build_digest(rt.deps, sub, "2026-W49", datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    assert _section(reply, "Facts added") == [
        "y 2024: removed (was 2) — by UB",
        "licence with Vivo (licensor Huawei, signed 2026-11-26): added, bilateral, 5G, expires 2031-11-26 — by UC",
    ]


async def test_edits_that_cancel_out_are_left_out(rt) -> None:
    v1 = fact_json("companies licensed", "2024", "over 350", 350, "count", "over")
    v2 = fact_json("companies licensed", "2024", "over 380", 380, "count", "over")
    key = "Huawei|companies licensed|2024"
    await add_change(rt, at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC), actor="UA", action="set", kind="fact",
                     key=key, before=v1, after=v2)
    await add_change(rt, at=datetime(2026, 11, 24, 10, 0, tzinfo=UTC), actor="UA", action="undo", kind="fact",
                     key=key, before=v2, after=v1)
    reply = await _digest(rt)
    assert reply.empty


async def test_a_quiet_week_is_one_line(rt) -> None:
    reply = await _digest(rt)
    assert reply.empty and reply.sections == []
    assert reply.text == "Licensing digest, week 48, 2026: no changes this week."
