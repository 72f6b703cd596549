"""Question -> answer / refusal, as users type them (typos, paraphrases, British and
American spellings). Each case names what must appear in the reply and, for
answers, the one fact it must rest on, so a wrong year or lost qualifier fails."""

from __future__ import annotations

import pytest

from bot.runtime import Runtime
from handlers import ask as ask_handler
from store.imports.apply import apply
from store.imports.readers import read_records
from store.imports.rows import validate
from tests.conftest import FIXTURES

AR = "Huawei 2022 annual report"
CONF = "Huawei 2023 Innovation and Intellectual Property Conference"


async def load_fixture(rt: Runtime, name: str) -> None:
    raw = read_records((FIXTURES / name).read_bytes(), filename=name)
    rows = validate(raw, home_subject="Huawei")
    async with rt.deps.sessions() as session, session.begin():
        await apply(session=session, kind=raw.kind, rows=rows)
    await rt.deps.index.refresh(rt.deps.sessions)


# (question, metric answered, period answered, phrases that must appear)
ANSWERS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("what was r&d spending in 2022", "r&d spending", "2022", ("161.5 billion yuan", "2022", AR)),
    ("What was R&D spend in 2022?", "r&d spending", "2022", ("161.5 billion yuan",)),
    ("R&D 2022", "r&d spending", "2022", ("161.5 billion yuan",)),
    ("r and d investment 2022", "r&d spending", "2022", ("161.5 billion yuan",)),
    ("research and development expenditure in 2022", "r&d spending", "2022", ("161.5 billion",)),
    ("how much did huawei spend on reserch in 2022", "r&d spending", "2022", ("161.5 billion",)),
    ("rnd budget fy2022", "r&d spending", "2022", ("161.5 billion",)),
    ("R&D spending", "r&d spending", "2022", ("161.5 billion yuan", "2022")),
    ("r&d as a share of revenue", "r&d share of revenue", "2022", ("25.1%", "revenue")),
    ("what percentage of revenue went to R&D in 2022", "r&d share of revenue", "2022", ("25.1%",)),
    ("r&d intensity 2022", "r&d share of revenue", "2022", ("25.1%",)),
    ("cumulative r&d", "cumulative r&d spending", "2022", ("over 977.3 billion yuan",)),
    ("cumulative reserch spend", "cumulative r&d spending", "2022", ("over 977.3 billion",)),
    ("total R&D investment so far", "cumulative r&d spending", "2022", ("over 977.3",)),
    ("how many valid patnets", "valid patents", "2022", ("over 120,000", "end of 2022", AR)),
    ("how many valid patents at the end of 2022?", "valid patents", "2022", ("over 120,000",)),
    ("Valid Patents", "valid patents", "2022", ("over 120,000",)),
    ("granted patents 2022", "valid patents", "2022", ("over 120,000",)),
    ("number of in-force patents", "valid patents", "2022", ("over 120,000",)),
    ("how many patents does huawei hold", "valid patents", "2022", ("over 120,000",)),
    ("active patents?", "valid patents", "2022", ("over 120,000",)),
    ("authorised patents", "valid patents", "2022", ("over 120,000",)),
    ("licencing revenue", "licensing revenue", "2022", ("about US$560 million", "2022", AR)),
    ("licensing revenue 2022", "licensing revenue", "2022", ("about US$560 million",)),
    ("Licensing Revenue in 2022?", "licensing revenue", "2022", ("about US$560 million",)),
    ("what was licensing revenu in 2022", "licensing revenue", "2022", ("about US$560 million",)),
    ("royalty income 2022", "licensing revenue", "2022", ("about US$560 million",)),
    ("how much did huawei earn from royalties", "licensing revenue", "2022", ("about US$560 million",)),
    ("licence income 2022", "licensing revenue", "2022", ("about US$560 million",)),
    ("license revenue", "licensing revenue", "2022", ("about US$560 million",)),
    ("how many licensees did we have in 2022?", "companies licensed", "2022", ("over 350 companies",)),
    ("number of licencees", "companies licensed", "2022", ("over 350",)),
    ("how many companies licensed huawei patents", "companies licensed", "2022", ("over 350",)),
    ("how many licence holders", "companies licensed", "2022", ("over 350",)),
    ("bilateral licences 2022", "bilateral patent licences", "2022", ("almost 200",)),
    ("how many bilateral patent licenses were signed", "bilateral patent licences", "2022", ("almost 200",)),
    ("bilateral license agreements", "bilateral patent licences", "2022", ("almost 200",)),
    ("chief legal officer", "chief legal officer", "", ("Song Liuping", CONF)),
    ("who is huawei's chief legal officer?", "chief legal officer", "", ("Song Liuping",)),
    ("who is the general counsel", "chief legal officer", "", ("Song Liuping",)),
    ("legal chief", "chief legal officer", "", ("Song Liuping",)),
    ("what does huawei think about patent fees", "patent fee stance", "", ("excessive patent fees",)),
    ("position on royalty rates", "patent fee stance", "", ("excessive patent fees",)),
    ("FRAND stance", "patent fee stance", "", ("reasonable patent protection",)),
    ("ip strategy", "ip strategy", "", ("balanced IP strategy",)),
    ("what is huawei's intellectual property strategy?", "ip strategy", "", ("balanced",)),
]

# (question, phrases that must appear in the refusal)
REFUSALS: list[tuple[str, tuple[str, ...]]] = [
    ("licensing revenue 2019", ("no figure for licensing revenue in 2019", "2022")),
    ("r&d spending 2021", ("no figure for r&d spending in 2021", "2022")),
    ("valid patents in 2015", ("2015", "2022")),
    ("what was licensing revenue last year?", ("2025", "2022")),
    ("r&d spending this year", ("2026", "2022")),
    ("royalty income fy2019", ("2019",)),
    ("who is the CEO of Apple", ("no figures for Apple",)),
    ("weather tomorrow", ("don't know",)),
    ("licensing revenue of Apple", ("no licensing revenue for Apple", "Huawei")),
    ("what is the stock price", ("don't know",)),
    ("how many employees does huawei have", ("don't know",)),
    ("tell me a joke", ("don't know",)),
    ("licensees 2019", ("no licensing figures or licences for 2019",)),
    ("DROP TABLE facts; --", ("don't know",)),
    ("patents quantum teleportation", ("No patent titles match",)),
    ("patent US 1234567 B1", ("No patent US1234567B1",)),
    # a term, not the stance (migration 0011): its definition is not stored
    ("what is FRAND?", ("did not understand", "frand")),
]


@pytest.mark.parametrize(("question", "metric", "period", "phrases"), ANSWERS, ids=[c[0] for c in ANSWERS])
async def test_question_is_answered_from_the_right_fact(
    rt: Runtime, question: str, metric: str, period: str, phrases: tuple[str, ...]
) -> None:
    reply = await ask_handler.ask(rt.deps, question, user="U1")
    assert reply.answered, reply.text
    assert [(f.metric, f.period) for f in reply.facts] == [(metric, period)]
    for phrase in phrases:
        assert phrase in reply.text


@pytest.mark.parametrize(("question", "phrases"), REFUSALS, ids=[c[0] for c in REFUSALS])
async def test_question_the_store_cannot_answer_is_refused(
    rt: Runtime, question: str, phrases: tuple[str, ...]
) -> None:
    await load_fixture(rt, "patents.csv")
    reply = await ask_handler.ask(rt.deps, question, user="U1")
    assert not reply.answered, reply.text
    # a refusal never carries a figure that could end up in a board deck
    assert reply.facts == []
    for phrase in phrases:
        assert phrase in reply.text
