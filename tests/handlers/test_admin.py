"""Admin commands as an IP admin (and a non-admin) types them in Slack: what the
bot says, what is written, what the next question is answered with."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from bot.config import Settings
from bot.runtime import Runtime, running
from handlers import dispatch, imports
from handlers.dispatch import Request
from handlers.replies import ActionId, Reply, ReplyKind
from store import audit
from store import changes as change_repo
from store.db import make_engine, make_sessionmaker
from store.models import Fact, FactChange, Licence, MetricAlias, PendingChange
from store.records import FactRecord
from tests.conftest import Clock

ADMIN = "UADMIN"


async def say(rt: Runtime, text: str, user: str = ADMIN) -> Reply:
    return await dispatch.handle(rt.deps, Request(text, user=user, channel="C1"))


async def press(rt: Runtime, action: ActionId, token: str, user: str = ADMIN) -> Reply:
    reply = await dispatch.handle_action(rt.deps, Request("", user=user, channel="C1"), action.value, token)
    assert reply is not None
    return reply


async def ask(rt: Runtime, text: str) -> str:
    return (await say(rt, text, user="UREADER")).text


async def count(rt: Runtime, model: type) -> int:
    async with rt.deps.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def store_state(rt: Runtime) -> tuple[int, int, int, int, int]:
    return (await count(rt, Fact), await count(rt, FactChange), await count(rt, Licence),
            await count(rt, MetricAlias), await count(rt, PendingChange))


# ---- permission ---------------------------------------------------------------------


async def test_non_admin_is_refused_and_nothing_is_written(rt: Runtime) -> None:
    before = await store_state(rt)
    for text in (
        "set licensing revenue 2023 = US$630 million source: Huawei Annual Report 2023",
        "remove licensing revenue 2022",
        "alias royalty cash = licensing revenue",
        "licensee add Ericsson signed:2023-08 kind:cross-licence",
        "licensee remove Nokia",
        "undo",
        "admins add <@UEVE|eve>",
    ):
        reply = await say(rt, text, user="UEVE")
        assert reply.kind == ReplyKind.ERROR, text
        assert reply.headline == "Only IP admins can change facts.", text
        assert reply.mentions == ["UADMIN"], text
    assert await store_state(rt) == before
    assert "about US$560 million" in await ask(rt, "licensing revenue 2022")


async def test_admins_granted_in_slack_may_change_until_revoked(rt: Runtime) -> None:
    added = await say(rt, "admins add <@U0MARIA|maria>")
    assert added.kind == ReplyKind.DONE and "U0MARIA" in added.headline
    listed = await say(rt, "admins", user="UREADER")
    assert any("U0MARIA" in line and "added by UADMIN" in line for line in listed.lines)
    assert any("UADMIN" in line and "IPBOT_ADMINS" in line for line in listed.lines)
    ok = await say(rt, "set valid patents 2023 = over 140,000", user="U0MARIA")
    assert ok.kind == ReplyKind.DONE
    assert (await say(rt, "admins remove <@U0MARIA>")).kind == ReplyKind.DONE
    refused = await say(rt, "set valid patents 2024 = over 150,000", user="U0MARIA")
    assert refused.kind == ReplyKind.ERROR and "Only IP admins" in refused.headline
    env = await say(rt, "admins remove UADMIN")
    assert env.kind == ReplyKind.ERROR and "IPBOT_ADMINS" in env.headline
    bad = await say(rt, "admins add somebody")
    assert bad.kind == ReplyKind.ERROR and "admins add @" in bad.headline


async def test_trusted_operator_needs_no_admin_entry(rt: Runtime) -> None:
    reply = await dispatch.handle(rt.deps, Request("set valid patents 2023 = over 140,000", user="cli",
                                                   trusted=True))
    assert reply.kind == ReplyKind.DONE


# ---- set / remove / alias ---------------------------------------------------------


async def test_set_says_what_it_understood_and_is_answered_at_once(rt: Runtime) -> None:
    reply = await say(rt, "set licensing revenue 2023 = US$630 million source: Huawei Annual Report 2023")
    assert reply.kind == ReplyKind.DONE
    assert reply.headline == ("Set licensing revenue, 2023: US$630 million (source Huawei Annual Report 2023)"
                              " — was: none")
    answer = await ask(rt, "what was licensing revenue in 2023?")
    assert "US$630 million" in answer and "Huawei Annual Report 2023" in answer
    again = await say(rt, "set licensing revenue 2023 = about US$640 million source: Huawei AR 2023 (revised)")
    assert "was: US$630 million" in again.headline
    assert "about US$640 million" in await ask(rt, "licensing revenue 2023")


async def test_every_issue_example_sets_the_right_fact(rt: Runtime) -> None:
    cases = {
        "set valid patents 2023 = over 140,000": ("valid patents", "2023", 140000, "count", "over"),
        "set r&d spending 2023 = 164.7 billion yuan": ("r&d spending", "2023", 164.7e9, "CNY", ""),
        "set chief legal officer = Song Liuping": ("chief legal officer", "", None, "text", ""),
        "set r&d share of revenue FY2023 = 23.4%": ("r&d share of revenue", "2023", 23.4, "%", ""),
        "set companies licensed 2023 = ~370": ("companies licensed", "2023", 370, "count", "about"),
    }
    for text, (metric, period, numeric, unit, qualifier) in cases.items():
        reply = await say(rt, text)
        assert reply.kind == ReplyKind.DONE, (text, reply.text)
        async with rt.deps.sessions() as s:
            f = await s.scalar(select(Fact).where(Fact.metric == metric, Fact.period == period))
        assert f is not None and (f.numeric, f.unit, f.qualifier) == (numeric, unit, qualifier), text
    assert "164.7 billion yuan" in await ask(rt, "r&d spending 2023")


async def test_misspelt_or_aliased_metric_lands_on_the_stored_one(rt: Runtime) -> None:
    reply = await say(rt, "set licencing revenue 2023 = US$630 million")
    assert reply.headline.startswith("Set licensing revenue, 2023:")
    assert "read “licencing revenue” as licensing revenue" in reply.lines
    alias = await say(rt, "set royalty income 2021 = about US$600 million")
    assert alias.headline.startswith("Set licensing revenue, 2021:")
    new = await say(rt, "set patent families 2023 = over 60,000")
    assert "“patent families” is a new metric" in new.lines


async def test_unreadable_commands_explain_the_form_and_write_nothing(rt: Runtime) -> None:
    before = await store_state(rt)
    for text, expect in (
        ("set licensing revenue 2023 US$630 million", "Use: set <metric> [year] = <value>"),
        ("set = 5", "metric name is missing"),
        ("set licensing revenue 2023 = US$ 6,30,0 million", "could not read the number"),
        ("set licensing revenue 2023 =", "value is empty"),
        ("alias royalty cash", "Use: alias"),
        ("licensee add", "Use: licensee add"),
        ("licensee add Ericsson signed:2023-14", "is not a date"),
        ("licensee add Ericsson colour:red", "not a licence field"),
    ):
        reply = await say(rt, text)
        assert reply.kind == ReplyKind.ERROR, text
        assert reply.headline.startswith("I couldn't read that"), text
        assert expect in reply.headline, (text, reply.headline)
    full = await say(rt, "set licensing revenue 2023 US$630 million")
    assert full.headline == (
        "I couldn't read that. Use: set <metric> [year] = <value> [source: <where>] — e.g. "
        "set licensing revenue 2023 = US$630 million source: Annual Report 2023")
    assert await store_state(rt) == before


async def test_remove_and_alias(rt: Runtime) -> None:
    gone = await say(rt, "remove licensing revenue 2022")
    assert gone.kind == ReplyKind.DONE
    assert "was: about US$560 million (source Huawei 2022 annual report)" in gone.headline
    assert "US$560 million" not in await ask(rt, "licensing revenue 2022")
    missing = await say(rt, "remove licensing revenue 2019")
    assert missing.kind == ReplyKind.ERROR and "nothing removed" in missing.headline
    al = await say(rt, "alias r&d outlay = r&d spending")
    assert al.kind == ReplyKind.DONE and al.headline == "“r&d outlay” now means r&d spending"
    assert "161.5 billion yuan" in await ask(rt, "r&d outlay 2022")
    unknown = await say(rt, "alias money = nonexistent metric")
    assert unknown.kind == ReplyKind.ERROR and "no metric called" in unknown.headline


# ---- confirmation -----------------------------------------------------------------


async def test_suspicious_change_waits_for_its_author_and_applies_once(rt: Runtime, settings: Settings) -> None:
    reply = await say(rt, "set licensing revenue 2023 = US$6.3 billion source: typo?")
    assert reply.kind == ReplyKind.CONFIRM
    assert "11× the 2022 value (about US$560 million)" in reply.headline
    assert [b.label for b in reply.buttons] == ["Confirm", "Cancel"]
    assert reply.buttons[0].action == ActionId.CONFIRM_CHANGE.value
    token = reply.buttons[0].value
    assert await count(rt, FactChange) == 0
    assert "no figure" in (await ask(rt, "licensing revenue 2023")).lower()

    await say(rt, "admins add <@U0BOB>")
    other = await press(rt, ActionId.CONFIRM_CHANGE, token, user="U0BOB")
    assert other.kind == ReplyKind.ERROR and "Only UADMIN" in other.headline
    assert await count(rt, FactChange) == 0

    # the confirmation arrives at another replica; a double click at the first
    async with running(settings) as replica:
        replica.deps.clock = rt.deps.clock
        done, twice = await asyncio.gather(
            dispatch.handle_action(replica.deps, Request("", user=ADMIN), ActionId.CONFIRM_CHANGE.value, token),
            dispatch.handle_action(rt.deps, Request("", user=ADMIN), ActionId.CONFIRM_CHANGE.value, token),
        )
    assert done is not None and twice is not None
    kinds = sorted([done.headline, twice.headline])
    assert kinds[0] == "Set licensing revenue, 2023: US$6.3 billion (source typo?) — was: none"
    assert kinds[1] == "That change was already applied."
    async with rt.deps.sessions() as s:
        rows = (await s.scalars(select(FactChange))).all()
    assert [(r.action, r.actor) for r in rows] == [("set", ADMIN)]
    await rt.deps.index.refresh(rt.deps.sessions)
    assert "US$6.3 billion" in await ask(rt, "licensing revenue 2023")


async def test_unit_change_asks_and_cancel_writes_nothing(rt: Runtime) -> None:
    reply = await say(rt, "set licensing revenue 2023 = 4 billion yuan")
    assert reply.kind == ReplyKind.CONFIRM
    assert "unit changes from USD to CNY" in reply.headline
    cancelled = await press(rt, ActionId.CANCEL_CHANGE, reply.buttons[1].value)
    assert cancelled.headline == "Cancelled; nothing was written."
    late = await press(rt, ActionId.CONFIRM_CHANGE, reply.buttons[0].value)
    assert "cancelled" in late.headline
    assert await count(rt, FactChange) == 0
    ok = await say(rt, "set licensing revenue 2023 = US$600 million")
    assert ok.kind == ReplyKind.DONE


# ---- history and undo --------------------------------------------------------------


async def test_history_and_undo_across_users(rt: Runtime, clock: Clock) -> None:
    await say(rt, "admins add <@U0MARIA>")
    await say(rt, "set licensing revenue 2023 = US$630 million source: AR 2023")
    clock.now += timedelta(minutes=5)
    await say(rt, "set licensing revenue 2023 = US$640 million source: AR 2023 p.12", user="U0MARIA")
    clock.now += timedelta(minutes=5)
    await say(rt, "set valid patents 2023 = over 140,000")

    hist = await say(rt, "history licensing revenue", user="UREADER")
    assert hist.kind == ReplyKind.ANSWER
    assert hist.lines == [
        "2026-11-25 10:05 UTC — U0MARIA set licensing revenue, 2023: US$630 million → US$640 million "
        "(source AR 2023 p.12)",
        "2026-11-25 10:00 UTC — UADMIN set licensing revenue, 2023: none → US$630 million (source AR 2023)",
    ]

    # UADMIN's last change is valid patents; undo takes only that one back
    first = await say(rt, "undo")
    assert first.kind == ReplyKind.DONE and "valid patents, 2023 removed again" in first.headline
    assert "no figure" in (await ask(rt, "valid patents 2023")).lower()
    # the next one is licensing revenue, but Maria changed it since: refused, nothing written
    conflict = await say(rt, "undo")
    assert conflict.kind == ReplyKind.ERROR and "someone changed it after you" in conflict.headline
    maria = await say(rt, "undo", user="U0MARIA")
    assert maria.headline == "Undone: licensing revenue, 2023 is back to US$630 million (was US$640 million)"
    assert "US$630 million" in await ask(rt, "licensing revenue 2023")
    assert (await say(rt, "undo", user="U0MARIA")).headline.startswith("Nothing to undo")
    mine = await say(rt, "undo")
    assert mine.kind == ReplyKind.DONE
    assert (await say(rt, "undo")).headline.startswith("Nothing to undo")

    hist = await say(rt, "history licensing revenue")
    assert [line.split(" — ")[1].split(" licensing")[0] for line in hist.lines] == [
        "UADMIN undo", "U0MARIA undo", "U0MARIA set", "UADMIN set"]
    assert hist.lines[2].endswith("[undone]") and hist.lines[3].endswith("[undone]")
    async with rt.deps.sessions() as s:
        undos = (await s.scalars(select(FactChange).where(FactChange.action == "undo"))).all()
    assert all(u.undo_of for u in undos)


async def test_undo_of_a_remove_brings_the_value_back(rt: Runtime) -> None:
    await say(rt, "remove r&d spending 2022")
    back = await say(rt, "undo")
    assert back.headline == "Undone: r&d spending, 2022 is back: 161.5 billion yuan (CNY)"
    assert "161.5 billion yuan" in await ask(rt, "r&d spending 2022")


async def test_history_times_are_in_the_configured_zone(rt: Runtime) -> None:
    from zoneinfo import ZoneInfo

    rt.deps.tz = ZoneInfo("Asia/Shanghai")
    await say(rt, "set valid patents 2023 = over 140,000")
    hist = await say(rt, "history valid patents")
    assert hist.lines[0].startswith("2026-11-25 18:00 CST — UADMIN set valid patents, 2023: none → over 140,000")


# ---- licensees ---------------------------------------------------------------------


async def test_licensee_add_remove_and_undo(rt: Runtime) -> None:
    added = await say(rt, "licensee add Ericsson signed:2023-08 kind:cross-licence technology:cellular "
                          "expires:2030-08 territory:worldwide excluding Antarctica")
    assert added.kind == ReplyKind.DONE
    assert added.headline == ("Added licence: Huawei → Ericsson, cross-licence, cellular, worldwide excluding "
                              "Antarctica, signed 2023-08-01, expires 2030-08-01")
    assert "Ericsson" in await ask(rt, "licensees 2023")
    await say(rt, "licensee add Ericsson signed:2016-01 kind:licence")
    removed = await say(rt, "licensee remove ericsson")
    assert removed.headline == "Removed 2 licences of Ericsson"
    assert "Ericsson" not in await ask(rt, "licensees 2023")
    undone = await say(rt, "undo")
    assert undone.headline == "Undone 2 changes:"
    assert "Ericsson" in await ask(rt, "licensees 2023")
    one = await say(rt, "licensee remove Ericsson signed:2016-01")
    assert one.headline == "Removed 1 licence of Ericsson"
    none = await say(rt, "licensee remove Ericsson signed:2016-01")
    assert none.kind == ReplyKind.ERROR and "nothing removed" in none.headline
    hist = await say(rt, "history licensee Ericsson")
    assert hist.lines[0].startswith("2026-11-25 10:00 UTC — UADMIN licensee_remove licence Huawei → Ericsson")


async def test_licensee_without_add_or_remove_is_a_question(rt: Runtime) -> None:
    await say(rt, "licensee add Ericsson signed:2023-08 kind:cross-licence")
    reply = await say(rt, "licensee Ericsson", user="UREADER")
    assert reply.kind == ReplyKind.ANSWER and "Ericsson" in reply.text


# ---- concurrency -------------------------------------------------------------------


async def test_concurrent_set_of_one_fact_from_two_connections(rt: Runtime, db_url: str) -> None:
    engines = [make_engine(db_url), make_engine(db_url)]
    try:
        makers = [make_sessionmaker(e) for e in engines]
        facts = [FactRecord("Huawei", "licensing revenue", "2024", v, "USD", "", "race", n)
                 for v, n in (("US$700 million", 700e6), ("US$710 million", 710e6))]
        results = await asyncio.gather(*(
            replace(rt.deps, sessions=m).in_transaction(
                lambda s, f=f, i=i: change_repo.set_fact(session=s, fact=f, actor=f"U{i}", at=rt.deps.clock()))
            for i, (m, f) in enumerate(zip(makers, facts, strict=True))
        ))
    finally:
        for e in engines:
            await e.dispose()
    async with rt.deps.sessions() as s:
        stored = (await s.scalars(select(Fact).where(Fact.period == "2024"))).all()
        rows = (await s.scalars(select(FactChange).order_by(FactChange.id))).all()
    assert len(stored) == 1
    assert len(rows) == 2 and {r.actor for r in rows} == {"U0", "U1"}
    first, second = sorted(results, key=lambda a: a.change_id)
    assert first.before is None and second.before == first.after  # the second saw the first's write
    assert isinstance(second.after, FactRecord) and stored[0].value == second.after.value


# ---- files DMed to the bot ---------------------------------------------------------


async def test_import_file_summary_errors_and_permission(rt: Runtime) -> None:
    from tests.conftest import FIXTURES

    data = (FIXTURES / "lens_sample.csv").read_bytes()
    refused = await imports.import_file(rt.deps, Request("", user="UEVE", is_dm=True), data, "lens.csv")
    assert refused.kind == ReplyKind.ERROR and "Only IP admins" in refused.headline
    ok = await imports.import_file(rt.deps, Request("", user=ADMIN, is_dm=True), data, "lens.csv")
    assert ok.kind == ReplyKind.DONE
    assert ok.headline == "Imported lens.csv: patents: 4 added, 0 updated, 0 unchanged, 0 rejected; read as UTF-8"
    assert "patent" in (await ask(rt, "patents lane keeping")).lower()
    bad = b"subject,metric,period,value,unit,qualifier,source\nHuawei,x,20x3,5,,,s\nHuawei,y,2023,5,,,s\n"
    rejected = await imports.import_file(rt.deps, Request("", user=ADMIN, is_dm=True), bad, "facts.csv")
    assert rejected.kind == ReplyKind.ERROR and "nothing was written" in rejected.headline
    assert rejected.lines == ["line 2: period “20x3” is not a year (use e.g. 2023, or leave it empty)"]
    async with rt.deps.sessions() as s:
        assert await audit.history(session=s, kind="fact", metric="y") == []


async def test_slack_escaped_text_and_overlong_names(rt: Runtime) -> None:
    # (Slack's "r&amp;d" is decoded by the bot before it reaches handlers: tests/bot)
    reply = await say(rt, "set r&d spending 2023 = 164.7 billion yuan source: AR <2023>")
    assert reply.headline == ("Set r&d spending, 2023: 164.7 billion yuan (CNY) (source AR <2023>) — was: none")
    before = await store_state(rt)
    long_name = "x" * 301
    too_long = await say(rt, f"licensee add {long_name} signed:2023-01")
    assert too_long.kind == ReplyKind.ERROR and "longer than 300 characters" in too_long.headline
    metric = await say(rt, f"set {'y' * 201} = 5")
    assert metric.kind == ReplyKind.ERROR and "longer than 200 characters" in metric.headline
    assert await store_state(rt) == before


async def test_a_stale_confirmation_expires(rt: Runtime, clock: Clock) -> None:
    reply = await say(rt, "set licensing revenue 2023 = 4 billion yuan")
    clock.now += timedelta(hours=25)
    late = await press(rt, ActionId.CONFIRM_CHANGE, reply.buttons[0].value)
    assert late.kind == ReplyKind.ERROR and "expired" in late.headline
    assert await count(rt, FactChange) == 0


async def test_undo_of_an_alias(rt: Runtime) -> None:
    await say(rt, "alias royalties = r&d spending")  # a mistake: it meant licensing revenue
    assert "161.5 billion yuan" in await ask(rt, "royalties 2022")
    back = await say(rt, "undo")
    assert back.headline == "Undone: alias “royalties” is back to licensing revenue (was r&d spending)"
    assert "about US$560 million" in await ask(rt, "royalties 2022")
