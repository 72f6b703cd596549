"""The answer table (tests/fixtures/answers.tsv) against the fixed evaluation store:
no wrong figure, at least 95 % right. `python -m bench.answers` prints the same
grading per category; tests/answer_table.py says how a reply is graded."""

from __future__ import annotations

from sqlalchemy import select

from bot.runtime import Runtime
from handlers import ask as ask_handler
from store.keys import number_key
from store.models import Fact, Licence, Patent
from tests.answer_table import CATEGORIES, Row, Verdict, fact_key, grade, load_eval_store, load_table, summarise

MIN_ROWS = 300
MIN_ACCURACY = 0.95


def _failure(row: Row, verdict: Verdict, got: str) -> str:
    head = got.split("\n", 1)[0]
    return (f"  [{verdict.verdict}] line {row.line} {row.category}: {row.shown!r}\n"
            f"      expected {row.expect}; {verdict.reason}\n      got: {head[:200]!r}")


async def test_every_question_in_the_table_is_answered_right_or_refused(rt: Runtime) -> None:
    await load_eval_store(rt.deps)
    rows = load_table()
    results: list[tuple[Row, Verdict]] = []
    failures: list[tuple[bool, str]] = []
    for row in rows:
        reply = await ask_handler.ask(rt.deps, row.question, user="U1")
        verdict = grade(row, reply)
        results.append((row, verdict))
        if verdict.verdict != "right":
            failures.append((verdict.verdict != "wrong", _failure(row, verdict, reply.text)))
    failures.sort(key=lambda f: f[0])  # wrong first, table order within
    _, total = summarise(results)
    wrong = total.counts["wrong"]
    report = (f"{total.right}/{total.rows} right ({100 * total.accuracy:.1f} %), {wrong} wrong, "
              f"{total.counts['miss']} missed:\n" + "\n".join(text for _, text in failures))
    assert wrong == 0 and total.accuracy >= MIN_ACCURACY, report


async def test_the_table_is_large_covers_every_category_and_names_only_stored_records(rt: Runtime) -> None:
    """An expectation typo ("r&d spend/2022") must fail here, not pass as a refusal."""
    await load_eval_store(rt.deps)
    rows = load_table()
    assert len(rows) >= MIN_ROWS
    assert {r.category for r in rows} == set(CATEGORIES)
    assert len({r.question for r in rows}) == len(rows), "a question is in the table twice"
    async with rt.deps.sessions() as session:
        facts = {fact_key(s, m, p) for s, m, p in (await session.execute(
            select(Fact.subject, Fact.metric, Fact.period))).all()}
        licensees = {n.casefold() for n in (await session.scalars(select(Licence.licensee))).all()}
        patents = {number_key(n) for n in (await session.scalars(select(Patent.number))).all()}
    unknown = []
    for r in rows:
        for name, cell, stored in (("fact", r.facts, facts), ("licensee", r.licences, licensees),
                                   ("patent", r.patents, patents)):
            unknown += [f"line {r.line}: {name} {k}" for k in sorted((cell or frozenset()) - stored)]
    assert not unknown, "not in the evaluation store:\n" + "\n".join(unknown)
    # every expected answer names what it rests on, or says it is not checked
    bare = [r.line for r in rows if r.expect == "answer"
            and r.facts == frozenset() and r.licences == frozenset() and r.patents == frozenset()]
    assert not bare, f"answer rows that expect nothing at all: lines {bare}"
