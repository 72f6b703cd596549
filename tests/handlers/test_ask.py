"""The answering rules beyond single figures: licensing pictures, patents, licensees,
follow-ups, the unanswered log, hostile input and index freshness."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.runtime import Runtime
from handlers import ask as ask_handler
from handlers.replies import ReplyKind
from store import changes as change_repo
from store.models import UnansweredQuestion
from store.records import FactRecord
from tests.conftest import FIXED_NOW
from tests.handlers.test_questions_table import load_fixture


async def test_licensees_year_gives_counts_and_named_licensees(rt: Runtime) -> None:
    await load_fixture(rt, "licences.csv")
    reply = await ask_handler.ask(rt.deps, "licensees 2022")
    assert reply.answered
    assert "almost 200 bilateral patent licences" in reply.text
    assert "over 350 companies" in reply.text
    assert "about US$560 million" in reply.text
    assert {lc.licensee for lc in reply.licences} == {"Nokia", "Volkswagen Group"}
    assert "Ericsson" not in reply.text  # signed in 2023, not asked


async def test_licensees_of_a_year_with_only_named_licences(rt: Runtime) -> None:
    await load_fixture(rt, "licences.csv")
    reply = await ask_handler.ask(rt.deps, "Licencees 2023")
    assert reply.answered
    assert {lc.licensee for lc in reply.licences} == {"Ericsson", "Sharp"}
    # no 2023 counts are stored: none from 2022 may appear
    assert reply.facts == []
    assert "350" not in reply.text


async def test_licensees_without_year_uses_latest_year_and_says_which(rt: Runtime) -> None:
    reply = await ask_handler.ask(rt.deps, "licensees")
    assert reply.answered
    assert reply.headline == "Licensing in 2022:"


async def test_patent_search_by_title_words(rt: Runtime) -> None:
    await load_fixture(rt, "patents.csv")
    reply = await ask_handler.ask(rt.deps, "patents tailgaters")
    assert reply.answered
    assert [p.number for p in reply.patents] == ["US 8818681 B1"]
    assert "Detecting and responding to tailgaters" in reply.text


async def test_patent_search_ranks_all_words_and_tolerates_typos(rt: Runtime) -> None:
    await load_fixture(rt, "patents.csv")
    reply = await ask_handler.ask(rt.deps, "patents autonomous vehicle lidar")
    assert {p.number for p in reply.patents} == {"US 9999001 B2", "US 9999002 B2"}
    typo = await ask_handler.ask(rt.deps, "patents autonomus vehicel")
    assert {p.number for p in typo.patents} == {"US 9999001 B2", "US 9999002 B2"}


@pytest.mark.parametrize(
    "question",
    ["patent US 8818681 B1", "patent us8818681b1", "US8818681B1", "what is US 8818681?", "patent US-8,818,681-B1"],
)
async def test_patent_by_number_in_any_spacing_or_case(rt: Runtime, question: str) -> None:
    await load_fixture(rt, "patents.csv")
    reply = await ask_handler.ask(rt.deps, question)
    assert reply.answered, reply.text
    assert [p.number for p in reply.patents] == ["US 8818681 B1"]
    assert "expires 2033-01-24" in reply.text


async def test_licensee_by_name(rt: Runtime) -> None:
    await load_fixture(rt, "licences.csv")
    reply = await ask_handler.ask(rt.deps, "do we license Ericsson?")
    assert reply.answered
    assert [lc.licensee for lc in reply.licences] == ["Ericsson"]
    assert "cross-licence" in reply.text and "signed 2023-08-01" in reply.text


async def test_follow_up_keeps_the_topic_and_still_refuses_missing_years(rt: Runtime) -> None:
    first = await ask_handler.ask(rt.deps, "licensing revenue 2022")
    follow = await ask_handler.ask(rt.deps, "and 2021?", topic=first.topic)
    assert not follow.answered
    assert "no figure for licensing revenue in 2021" in follow.text
    again = await ask_handler.ask(rt.deps, "what about 2022", topic=first.topic)
    assert again.answered and "about US$560 million" in again.text


async def test_several_years_answer_those_stored_and_name_the_missing(rt: Runtime) -> None:
    reply = await ask_handler.ask(rt.deps, "licensing revenue 2021 and 2022")
    assert [f.period for f in reply.facts] == ["2022"]
    assert "No figure for 2021" in reply.text


async def test_latest_year_is_used_when_none_asked_and_others_are_listed(rt: Runtime) -> None:
    await load_fixture(rt, "facts.csv")
    reply = await ask_handler.ask(rt.deps, "licensing revenue")
    assert [f.period for f in reply.facts] == ["2023"]
    assert "about US$630 million" in reply.text
    assert "Also on record: 2022" in reply.text
    old = await ask_handler.ask(rt.deps, "licensing revenue 2022")
    assert "about US$560 million" in old.text and "630" not in old.text


async def test_unanswered_questions_are_logged_with_user_and_time(rt: Runtime) -> None:
    await ask_handler.ask(rt.deps, "who is the CEO of Apple", user="U42", channel="C9")
    await ask_handler.ask(rt.deps, "licensing revenue 2019", user="U43")
    await ask_handler.ask(rt.deps, "licensing revenue 2022", user="U44")  # answered: not logged
    async with rt.deps.sessions() as session:
        rows = (await session.scalars(select(UnansweredQuestion).order_by(UnansweredQuestion.id))).all()
    assert [(r.text, r.user, r.channel) for r in rows] == [
        ("who is the CEO of Apple", "U42", "C9"),
        ("licensing revenue 2019", "U43", ""),
    ]
    assert all(r.asked_at.replace(tzinfo=FIXED_NOW.tzinfo) == FIXED_NOW for r in rows)


@pytest.mark.parametrize(
    "question",
    [
        "",
        "   ",
        "x" * 10_000,
        "licensing revenue " * 700,
        "🙂🙂🙂",
        "'; DROP TABLE facts; --",
        "<!channel> <@U123> <https://evil.example|click>",
        "licensing\x00revenue\x07\x1b[31m 2022",
        "%20%27licensing%27+revenue",
        "\"quoted\" 'text' \n newline\ttab",
        "2022",
        "patents",
        "patent",
        "and?",
    ],
)
async def test_any_text_gets_a_polite_reply(rt: Runtime, question: str) -> None:
    reply = await ask_handler.ask(rt.deps, question, user="U1")
    assert reply.text.strip()
    assert "Traceback" not in reply.text
    assert reply.kind in (ReplyKind.ANSWER, ReplyKind.NOT_KNOWN, ReplyKind.HELP)


async def test_control_characters_do_not_stop_an_answer(rt: Runtime) -> None:
    reply = await ask_handler.ask(rt.deps, "licensing\x00revenue\x07 2022")
    assert reply.answered and "about US$560 million" in reply.text


async def test_empty_question_and_help_list_what_can_be_asked(rt: Runtime) -> None:
    for q in ("", "help", "HELP please"):
        reply = await ask_handler.ask(rt.deps, q)
        assert reply.kind is ReplyKind.HELP
        assert "licensees 2022" in reply.text and "patents tailgaters" in reply.text


async def test_index_refreshes_when_the_store_changes_not_per_question(rt: Runtime) -> None:
    async with rt.deps.unit_of_work() as session:
        await change_repo.set_fact(session=session, actor="UADMIN", at=rt.deps.clock(), fact=FactRecord(
            "Huawei", "licensing revenue", "2023", "about US$630 million", "USD", "about", "AR 2023", 630e6))
    # the index answers from memory: until it refreshes, it still has the old picture
    stale = await ask_handler.ask(rt.deps, "licensing revenue 2023")
    assert not stale.answered
    assert await rt.deps.index.refresh(rt.deps.sessions) is True
    fresh = await ask_handler.ask(rt.deps, "licensing revenue 2023")
    assert fresh.answered and "about US$630 million" in fresh.text
    # nothing changed since: a second refresh reloads nothing
    assert await rt.deps.index.refresh(rt.deps.sessions) is False


async def test_search_reply_names_the_words_in_the_order_typed(rt: Runtime) -> None:
    await load_fixture(rt, "patents.csv")
    reply = await ask_handler.ask(rt.deps, "patents autonomous vehicle lidar")
    assert reply.headline.startswith("2 patents with “autonomous vehicle lidar” in the title")
