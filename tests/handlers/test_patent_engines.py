"""IPBOT_PATENT_SEARCH: the PostgreSQL engine gives the in-memory engine's replies, word
for word, on the same store — numbers, titles in any word form and with typos, counts
and lists by jurisdiction, status, year, family and owner — also after a title
changes; and it is refused on SQLite."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from bench import portfolio
from bot.config import Settings
from bot.runtime import Runtime, running
from handlers import ask as ask_handler
from store.imports.columns import PATENT_COLUMNS
from tests.answer_table import load_eval_store, load_table
from tests.bot.test_cli import ipbot
from tests.conftest import BACKEND, FIXTURES, Clock

# titles with word forms, typos' targets and words shared by few titles
EXTRA = [
    ["US 9100001 B2", "Tailgating warning for trucks on motorways", "US", "granted", "2015-02-03", "2017-04-05",
     "2035-02-03", "F9001", "automotive", "Waymo LLC"],
    ["EP 3100002 A1", "Lane keeping assist with tailgater detection", "EP", "pending", "2019-06-07", "", "",
     "F9001", "automotive", "Waymo LLC"],
    ["CN 113100003 B", "Keeping lanes: a lane-keeping controller", "CN", "expired", "2008-08-08", "2010-10-10",
     "2028-08-08", "F9002", "automotive", "Example Motors Inc."],
    ["WO 2021100004 A1", "Charging station scheduling for electric vehicles", "WO", "published", "2021-01-01", "",
     "", "F9003", "power electronics", "Example Motors Inc."],
]

QUESTIONS = [
    # numbers
    "patent US 8818681 B1", "US8818681", "us 8818681", "EP3123456A1", "EP 3123456", "who owns CN104123456B?",
    "when was US 8818681 B1 granted", "is EP 3100002 A1 granted?", "patent US 1234567 B1",
    "status, expiry and owner of US 9100001 B2", "patent US 8818681 B1 and EP 3100002 A1",
    # titles, word forms, typos
    "patents tailgaters", "patents about tailgating", "patents tailgater", "patents tailgatng", "patents taillgaters",
    "do we have anything on tailgating?", "anything on lane keeping?", "find patents on lane keeping",
    "patents keeping lanes", "patents signl", "patents beam", "patents adaptive beam channel feedback",
    "patents video coding", "patents wireless scheduling vehicle", "patents charging", "patents chargng station",
    "patents memristor neuromorphic", "patents zyxwvut", "patents adaptive loop filtering", "find patent method",
    "patents about write poem",
    # counts and lists
    "how many US patents?", "European patents", "granted patents in CN", "patents filed in 2014",
    "how many patents mention vehicle?", "how many patents mention beam?", "how many patents mention tailgating",
    "which patents are pending?", "expired patents", "patents expiring in 2035", "patents granted in 2018",
    "patents in family F100", "patents in family F9001", "patents owned by Waymo", "how many patents in the store",
    "which patents are in the same family as US 8818681 B1?", "what else is in the family of EP3123456?",
    "how many CN patents mention signal", "patents filed 2010-2012", "how many WO patents filed in 2021",
    "how many patents mention wireless scheduling", "lapsed patents in US", "how many patents mention zyxwvut",
    "granted US patents filed in 2015", "patents filed in 2005 in EP",
]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(PATENT_COLUMNS)
        w.writerows(rows)
    return path


@pytest.fixture
async def engines(db_url: str, tmp_path: Path) -> AsyncIterator[tuple[Runtime, Runtime]]:
    rows = portfolio.patents(600) + EXTRA
    assert ipbot(db_url, "import", str(_write(tmp_path / "patents.csv", rows)), cwd=tmp_path).returncode == 0
    for name in ("licences.csv", "facts.csv"):
        assert ipbot(db_url, "import", str(FIXTURES / name), cwd=tmp_path).returncode == 0
    async with AsyncExitStack() as stack:
        out = []
        for engine in ("memory", "postgres"):
            settings = Settings(_env_file=None, DATABASE_URL=db_url,  # type: ignore[call-arg]
                                IPBOT_PATENT_SEARCH=engine)
            rt = await stack.enter_async_context(running(settings))
            rt.deps.clock = Clock()
            out.append(rt)
        yield out[0], out[1]


async def _replies(rt: Runtime, questions: list[str] = QUESTIONS) -> dict[str, str]:
    out = {}
    for q in questions:
        r = await ask_handler.ask(rt.deps, q, user="U1", log=False)
        out[q] = "\n".join([r.kind.value, r.text, *r.lines, r.note, *r.suggestions])
    return out


@pytest.mark.skipif(BACKEND != "postgresql",
                    reason="IPBOT_PATENT_SEARCH=postgres runs on PostgreSQL only: set IPBOT_TEST_DATABASE_URL")
async def test_postgres_engine_replies_as_the_memory_engine_does(
        engines: tuple[Runtime, Runtime], db_url: str, tmp_path: Path) -> None:
    memory, postgres = engines
    # the PostgreSQL replica holds the title vocabulary, no patent
    assert len(postgres.deps.index.patents) == 0 and not postgres.deps.index.patents.titles
    assert len(memory.deps.index.patents) == 604
    before = await _replies(memory)
    assert await _replies(postgres) == before
    assert "US 8818681 B1 — Detecting and responding to tailgaters" in before["patents about tailgating"]
    assert "Lane keeping assist" in before["patents taillgaters"]

    # a changed title: its old words go, its new ones come, on both engines
    changed = [["US 8818681 B1", "Detecting drones that follow too closely", "US", "granted", "2013-01-24",
                "2014-08-26", "2033-01-24", "F100", "autonomous driving", "Google LLC"]]
    assert ipbot(db_url, "import", str(_write(tmp_path / "changed.csv", changed)), cwd=tmp_path).returncode == 0
    for rt in engines:
        await rt.deps.index.refresh(rt.deps.sessions)
    questions = [*QUESTIONS, "patents drones", "patents detecting", "patents responding"]
    after = await _replies(memory, questions)
    assert await _replies(postgres, questions) == after
    assert "US 8818681 B1" not in after["patents tailgaters"]
    assert "US 8818681 B1 — Detecting drones" in after["patents drones"]
    assert after["patents responding"].startswith("not_known")


@pytest.mark.skipif(BACKEND != "postgresql",
                    reason="IPBOT_PATENT_SEARCH=postgres runs on PostgreSQL only: set IPBOT_TEST_DATABASE_URL")
async def test_the_answer_table_reads_the_same_on_both_engines(db_url: str) -> None:
    """Every question of tests/fixtures/answers.tsv, patent or not, on the evaluation store."""
    async with AsyncExitStack() as stack:
        engines = []
        for engine in ("memory", "postgres"):
            settings = Settings(_env_file=None, DATABASE_URL=db_url,  # type: ignore[call-arg]
                                IPBOT_PATENT_SEARCH=engine)
            rt = await stack.enter_async_context(running(settings))
            rt.deps.clock = Clock()
            engines.append(rt)
        await load_eval_store(engines[0].deps)
        for rt in engines:
            await rt.deps.index.refresh(rt.deps.sessions)
        differ = []
        for row in load_table():
            memory, postgres = [await ask_handler.ask(rt.deps, row.question, user="U1", log=False) for rt in engines]
            if (memory.text, memory.lines, memory.note) != (postgres.text, postgres.lines, postgres.note):
                differ.append(f"line {row.line}: {row.shown!r}\n  memory:   {memory.text!r}\n"
                              f"  postgres: {postgres.text!r}")
        assert not differ, "\n".join(differ)


def test_postgres_engine_is_refused_on_sqlite(tmp_path: Path) -> None:
    res = ipbot(f"sqlite:///{tmp_path / 'x.db'}", "ask", "patents tailgaters", cwd=tmp_path,
                env={"IPBOT_PATENT_SEARCH": "postgres"})
    assert res.returncode == 2
    assert "IPBOT_PATENT_SEARCH=postgres" in res.stderr and "PostgreSQL" in res.stderr
    assert "Traceback" not in res.stderr
    unknown = ipbot(f"sqlite:///{tmp_path / 'x.db'}", "ask", "patents tailgaters", cwd=tmp_path,
                    env={"IPBOT_PATENT_SEARCH": "elastic"})
    assert unknown.returncode == 2 and "IPBOT_PATENT_SEARCH" in unknown.stderr
