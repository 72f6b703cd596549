"""The matcher at portfolio scale: the fast title tokenizer reads titles exactly as
questions are read, number lookup without a kind code works from the compact
index, title searches stay bounded, and a question whose target is present gets
the same reply in a small and in a twenty-times larger generated portfolio."""

from __future__ import annotations

from pytest import MonkeyPatch

from bench import portfolio
from bench.questions import QUESTIONS
from bot.runtime import Runtime
from handlers import ask as ask_handler
from handlers import patent_index
from handlers import text as tx
from handlers.index import RERANK, Index
from handlers.patent_index import NumberIndex, TitleTokenizer, build_patent_index
from store.imports.apply import apply
from store.imports.columns import FACT_COLUMNS, LICENCE_COLUMNS, PATENT_COLUMNS
from store.imports.readers import RawRecords, detect_kind, read_records
from store.imports.rows import validate
from store.keys import number_key
from tests.conftest import BACKEND

TRICKY_TITLES = [
    "Research and Development of R & D pipelines",
    "R and D, rnd and r&d budget tracking",
    "Licences, licencees and LICENSING of patents",
    "Procédé de codage vidéo — ﬁltre adaptatif",  # non-ASCII, a ligature NFKC unfolds
    "Method for <@U123> tagging <http://x.example|links>",
    "Companies' batteries & cells: 3.5 GHz, 10,000 mAh",
    "Does the thing\tand\x07 other things",
    "",
    "   ",
    "5G NR sidelink; HARQ-ACK (Type-2) codebook",
    "what is the total number of valid patents held",
]


def _import(rows: list[list[str]], columns: tuple[str, ...]) -> tuple[str, list[dict]]:
    records = [(i + 2, dict(zip(columns, r, strict=True))) for i, r in enumerate(rows)]
    raw = RawRecords(detect_kind(columns) or "", records, [])
    return raw.kind, validate(raw, home_subject="Huawei")


async def _load(rt: Runtime, size: int) -> None:
    for columns, rows in (
        (PATENT_COLUMNS, portfolio.patents(size)),
        (LICENCE_COLUMNS, portfolio.licences(size)),
        (FACT_COLUMNS, portfolio.facts()),
    ):
        kind, valid = _import(rows, columns)
        async with rt.deps.sessions() as session, session.begin():
            await apply(session=session, kind=kind, rows=valid)
    await rt.deps.index.refresh(rt.deps.sessions)


def test_title_tokenizer_reads_titles_like_questions_are_read() -> None:
    fast = TitleTokenizer()
    titles = [r[1] for r in portfolio.patents(3000)] + TRICKY_TITLES
    for title in titles + titles:  # twice: the second pass comes from the word cache
        assert fast(title) == tx.tokens(title), title


def test_number_without_kind_code_finds_every_kind() -> None:
    by_number = {number_key(n): i for i, n in enumerate(
        ["US 8818681 B1", "US 8818681 A1", "US 88186810 B2", "EP 3123456 A1", "CN 104123456 B"])}
    nokind = NumberIndex(by_number)
    assert sorted(nokind["US8818681"]) == [0, 1]  # both kinds, not the longer number
    assert nokind["CN104123456"] == [4]
    assert "EP3123456" in nokind
    assert "EP312345" not in nokind  # a prefix of a number is not that number
    assert "US1111111" not in nokind
    assert "" not in nokind
    assert nokind.get("WO2019123456") is None


def test_title_search_stays_bounded_and_counts_a_single_word_exactly() -> None:
    rows = [(i, f"US{i:08d}B1", "Method for beam scheduling" if i % 3 else "Beam antenna") for i in range(30000)]
    index = Index()
    index.patents = build_patent_index(rows)
    one = index.search_titles(["beam"], limit=10)
    assert (one.total, one.exact_total, len(one.positions)) == (30000, True, 10)
    both = index.search_titles(["beam", "scheduling"], limit=10)
    assert len(both.positions) == 10 and both.total <= 20000
    assert all("schedul" in index.patents.titles[p] for p in both.positions)
    assert len(index.search_titles(["beam"], limit=RERANK + 50).positions) <= RERANK


async def test_same_replies_in_a_small_and_a_twenty_times_larger_portfolio(rt: Runtime) -> None:
    quality = [q.text for q in QUESTIONS if q.quality]
    await _load(rt, 1000)
    small = {q: (await ask_handler.ask(rt.deps, q)).text for q in quality}
    await _load(rt, 20000)
    assert len(rt.deps.index.patents) == 20000
    large = {q: (await ask_handler.ask(rt.deps, q)).text for q in quality}
    assert large == small
    assert "US 9876543 B2 — Ferroelectric tunnel junction memristor" in large["patents memristor neuromorphic"]
    assert "No patent US1111111B1 is in the store" in large["US 1111111 B1"]


PATENT_HEADER = ",".join(PATENT_COLUMNS)


async def _import_patents(rt: Runtime, csv_rows: list[str]) -> None:
    raw = read_records("\n".join([PATENT_HEADER, *csv_rows]).encode(), filename="p.csv")
    rows = validate(raw, home_subject="Huawei")
    async with rt.deps.sessions() as session, session.begin():
        await apply(session=session, kind=raw.kind, rows=rows)
    await rt.deps.index.refresh(rt.deps.sessions)


def _ids(index: Index, words: list[str]) -> set[int]:
    res = index.search_titles(words, limit=100)
    return {index.patents.ids[p] for p in res.positions}


async def test_patents_added_later_are_found_and_a_changed_title_is_searched_by_its_new_words(
    rt: Runtime,
) -> None:
    await _load(rt, 1000)
    before = rt.deps.index.patents
    await _import_patents(rt, [
        "US 7777777 B2,Quasar beacon timing for lunar rovers,US,granted,2015-01-01,2016-01-01,2035-01-01,FQ1,,",
        "EP 3777777 A1,Quasar beacon timing for lunar rovers,EP,pending,2015-01-01,,,FQ1,,",
    ])
    if BACKEND == "postgresql":
        assert rt.deps.index.patents is before  # appended, not rebuilt
    for question, expected in (
        ("patents quasar beacon", "2 patents with"),
        ("US 7777777", "US 7777777 B2 — Quasar beacon timing for lunar rovers"),
        ("EP3777777A1", "EP 3777777 A1 — Quasar beacon timing"),
        ("patents memristor neuromorphic", "US 9876543 B2"),
    ):
        assert expected in (await ask_handler.ask(rt.deps, question)).text, question

    # a status change leaves the indexed columns as they were
    await _import_patents(rt, [
        "US 7777777 B2,Quasar beacon timing for lunar rovers,US,expired,2015-01-01,2016-01-01,2035-01-01,FQ1,,",
    ])
    assert "expired" in (await ask_handler.ask(rt.deps, "US 7777777 B2")).text

    # a corrected title: the old words no longer find it, the new ones do
    await _import_patents(rt, [
        "US 7777777 B2,Pulsar beacon timing for lunar rovers,US,expired,2015-01-01,2016-01-01,2035-01-01,FQ1,,",
    ])
    assert "1 patent with" in (await ask_handler.ask(rt.deps, "patents quasar")).text
    assert "US 7777777 B2 — Pulsar beacon" in (await ask_handler.ask(rt.deps, "patents pulsar")).text

    fresh = Index()
    await fresh.refresh(rt.deps.sessions)
    assert len(fresh.patents) == len(rt.deps.index.patents) == 1002
    for words in (["quasar"], ["pulsar", "beacon"], ["beam"], ["adaptive", "channel"], ["tailgater"]):
        if fresh.search_titles(words, limit=100).total <= 100:
            assert _ids(fresh, words) == _ids(rt.deps.index, words), words


async def test_words_tested_by_bitmap_find_what_binary_search_finds(rt: Runtime, monkeypatch: MonkeyPatch) -> None:
    """Frequent words are tested by bitmap, rare ones by binary search: the replies
    are the same whichever is used, also after titles change (bitmaps made again)."""
    await _load(rt, 3000)
    questions = [q.text for q in QUESTIONS]
    monkeypatch.setattr(patent_index, "BITMAP_MIN", 10**9)
    searched = [(await ask_handler.ask(rt.deps, q)).text for q in questions]
    monkeypatch.setattr(patent_index, "BITMAP_MIN", 1)
    assert [(await ask_handler.ask(rt.deps, q)).text for q in questions] == searched
    await _import_patents(rt, [
        "US 7777777 B2,Quasar beacon for lunar rovers,US,granted,2015-01-01,2016-01-01,2035-01-01,FQ1,,",
        "EP 3777777 A1,Quasar beacon for lunar rovers,EP,pending,2015-01-01,,,FQ1,,",
        "US 7777778 B2,Lunar rover wheel,US,granted,2015-01-01,2016-01-01,2035-01-01,FQ2,,",
    ])
    # "lunar" (3 titles) is tested among the "quasar" ones (2): its bitmap is made
    assert "2 patents with" in (await ask_handler.ask(rt.deps, "patents quasar lunar")).text
    # one of them is not about the moon any more
    await _import_patents(rt, [
        "US 7777777 B2,Quasar beacon for martian rovers,US,granted,2015-01-01,2016-01-01,2035-01-01,FQ1,,",
    ])
    reply = (await ask_handler.ask(rt.deps, "patents quasar lunar")).text
    assert "1 patent with" in reply
    assert "EP 3777777 A1" in reply
