"""The answer table (tests/fixtures/answers.tsv): the fixed store it is asked
against, how it is read, and how one reply is graded.

Shared by tests/handlers/test_answer_table.py and `python -m bench.answers`.

The table is tab-separated with the header
`category  question  expect  facts  licences  patents  contains`:

- expect: `answer`, `refuse` or `help`.
- facts: `;`-separated `Subject/metric/period` keys (period empty for undated
  facts: `Huawei/chief legal officer/`); licences: `;`-separated licensee names;
  patents: `;`-separated numbers (compared by store.keys.number_key, so spacing
  does not matter). `*` in any of the three means "not checked".
- contains: `|`-separated phrases the reply text must hold (case-insensitive).
- Lines starting with `#` and blank lines are ignored.
- The question cell understands `\\t`, `\\n`, `\\\\`, `\\xNN`, `\\uNNNN` escapes
  and `[[N*TEXT]]`, TEXT repeated N times (for very long hostile input). It is
  written as Slack delivers a message (a typed & as `&amp;`) and decoded by the
  bot's adapter (`bot.payload.slack_text`), as a real message is.

Grading (the verdicts, worst first):
- wrong: the reply carries a fact (or licence / patent, where that column is
  checked) the row does not list — a figure for another year, subject, metric
  or technology than asked — or the row expects a refusal and the reply is
  answered with a fact;
- right: `answer` — answered, each checked column equals the reply's set, every
  phrase present; `refuse` — not answered, not help, each checked column of the
  reply a subset of the cell, every phrase present; `help` — kind help;
- miss: anything else.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from bot.payload import slack_text
from handlers.deps import Deps
from handlers.replies import Reply
from store.imports.apply import apply
from store.imports.readers import read_records
from store.imports.rows import validate
from store.keys import number_key

FIXTURES = Path(__file__).parent / "fixtures"
TABLE = FIXTURES / "answers.tsv"
HEADER = ("category", "question", "expect", "facts", "licences", "patents", "contains")
EXPECTS = ("answer", "refuse", "help")
CATEGORIES = (
    "figure", "missing_year", "change", "trend", "extreme", "sum", "subject", "caps", "licence",
    "patent", "multipart", "chinese", "unknown", "help", "hostile",
)
# the fixed store: seed (migration 0002) plus these files, in this order
EVAL_FILES = (
    "facts.csv", "eval_facts.csv", "eval_competitors.csv",
    "licences.csv", "eval_licences.csv",
    "patents.csv", "lens_sample.csv", "google_sample.csv",
)

VerdictName = Literal["right", "wrong", "miss"]


async def load_eval_store(deps: Deps, files: tuple[str, ...] = EVAL_FILES) -> None:
    """Import the fixture files as `ipbot import` does (an export in the Lens or
    Google Patents format updates only the columns it has), then refresh the index."""
    for name in files:
        raw = read_records((FIXTURES / name).read_bytes(), filename=name)
        rows = validate(raw, home_subject="Huawei")
        async with deps.sessions() as session, session.begin():
            await apply(session=session, kind=raw.kind, rows=rows, columns=raw.columns)
    await deps.index.refresh(deps.sessions)


# ---- the table ------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    line: int
    category: str
    question: str
    expect: str
    # None: not checked ("*")
    facts: frozenset[str] | None
    licences: frozenset[str] | None
    patents: frozenset[str] | None
    contains: tuple[str, ...] = ()

    @property
    def shown(self) -> str:
        """The question as a failure report shows it: escaped and cut."""
        q = self.question.encode("unicode_escape").decode("ascii") if not self.question.isprintable() \
            else self.question
        return q if len(q) <= 120 else f"{q[:100]}… ({len(self.question):,} chars)"


_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|([tn\\]))")
_REPEAT = re.compile(r"\[\[(\d+)\*(.*?)\]\]")


def decode_question(cell: str) -> str:
    text = _REPEAT.sub(lambda m: m.group(2) * int(m.group(1)), cell)

    def esc(m: re.Match[str]) -> str:
        if m.group(1) or m.group(2):
            return chr(int(m.group(1) or m.group(2), 16))
        return {"t": "\t", "n": "\n", "\\": "\\"}[m.group(3)]

    # a cell is written as Slack delivers a message ("R&amp;D"); handlers get it the
    # way the bot hands it over, decoded once by the bot's own adapter
    return slack_text(_ESCAPE.sub(esc, text))


def fact_key(subject: str, metric: str, period: str) -> str:
    return f"{subject.casefold()}/{' '.join(metric.casefold().split())}/{period}"


def _norm_fact(cell_key: str) -> str:
    parts = cell_key.split("/")
    if len(parts) < 3:
        raise ValueError(f"fact key “{cell_key}” is not Subject/metric/period")
    # a metric may hold a slash ("r&d/revenue"): subject first, period last
    return fact_key(parts[0], "/".join(parts[1:-1]), parts[-1])


def _set(cell: str) -> frozenset[str] | None:
    cell = cell.strip()
    if cell == "*":
        return None
    return frozenset(x.strip() for x in cell.split(";") if x.strip())


def parse_row(line: int, cells: list[str]) -> Row:
    if len(cells) != len(HEADER):
        raise ValueError(f"answers.tsv line {line}: {len(cells)} cells, expected {len(HEADER)}")
    category, question, expect, facts, licences, patents, contains = cells
    if category not in CATEGORIES:
        raise ValueError(f"answers.tsv line {line}: unknown category “{category}”")
    if expect not in EXPECTS:
        raise ValueError(f"answers.tsv line {line}: expect must be one of {', '.join(EXPECTS)}")
    fs, ls, ps = _set(facts), _set(licences), _set(patents)
    return Row(
        line=line,
        category=category,
        question=decode_question(question),
        expect=expect,
        facts=None if fs is None else frozenset(_norm_fact(k) for k in fs),
        licences=None if ls is None else frozenset(x.casefold() for x in ls),
        patents=None if ps is None else frozenset(number_key(x) for x in ps),
        contains=tuple(p.strip() for p in contains.split("|") if p.strip()),
    )


def load_table(path: Path = TABLE) -> list[Row]:
    lines = path.read_text(encoding="utf-8").split("\n")
    header = tuple(lines[0].rstrip("\r").split("\t"))
    if header != HEADER:
        raise ValueError(f"answers.tsv header is {header}, expected {HEADER}")
    rows = []
    for n, text in enumerate(lines[1:], start=2):
        text = text.rstrip("\r")
        if not text.strip() or text.startswith("#"):
            continue
        rows.append(parse_row(n, text.split("\t")))
    return rows


# ---- grading -------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    verdict: VerdictName
    reason: str = ""


def reply_sets(reply: Reply) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    return (
        frozenset(fact_key(f.subject, f.metric, f.period) for f in reply.facts),
        frozenset(lc.licensee.casefold() for lc in reply.licences),
        frozenset(number_key(p.number) for p in reply.patents),
    )


def _fmt(keys: frozenset[str] | set[str]) -> str:
    return "; ".join(sorted(keys)) or "nothing"


def grade(row: Row, reply: Reply) -> Verdict:
    got = reply_sets(reply)
    want = (row.facts, row.licences, row.patents)
    names = ("fact", "licence", "patent")
    # wrong: something the row did not ask for
    for name, g, w in zip(names, got, want, strict=True):
        if w is not None and g - w:
            return Verdict("wrong", f"{name}s not asked for: {_fmt(g - w)}")
    if row.expect == "refuse" and reply.answered and got[0]:
        return Verdict("wrong", f"answered with {_fmt(got[0])} where a refusal was expected")
    text = reply.text.casefold()
    absent = [p for p in row.contains if p.casefold() not in text]
    if row.expect == "help":
        if reply.kind != "help":
            return Verdict("miss", f"kind {reply.kind}, not help")
        return Verdict("right")
    if row.expect == "answer":
        if not reply.answered:
            return Verdict("miss", f"not answered (kind {reply.kind})")
        for name, g, w in zip(names, got, want, strict=True):
            if w is not None and g != w:
                return Verdict("miss", f"{name}s missing: {_fmt(w - g)}")
    else:
        if reply.answered:
            return Verdict("miss", f"answered (kind {reply.kind}) where a refusal was expected")
        if reply.kind == "help":
            return Verdict("miss", "help where a refusal was expected")
    if absent:
        return Verdict("miss", f"text lacks: {', '.join(absent)}")
    return Verdict("right")


# ---- summary -------------------------------------------------------------------------


@dataclass
class Tally:
    rows: int = 0
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def right(self) -> int:
        return self.counts["right"]

    @property
    def accuracy(self) -> float:
        return self.right / self.rows if self.rows else 0.0


def summarise(results: list[tuple[Row, Verdict]]) -> tuple[dict[str, Tally], Tally]:
    """Per category (in CATEGORIES order) and in total."""
    per: dict[str, Tally] = {c: Tally() for c in CATEGORIES}
    total = Tally()
    for row, v in results:
        for t in (per.setdefault(row.category, Tally()), total):
            t.rows += 1
            t.counts[v.verdict] += 1
    return {c: t for c, t in per.items() if t.rows}, total


def markdown_summary(results: list[tuple[Row, Verdict]]) -> str:
    per, total = summarise(results)
    out = ["| category | rows | right | miss | wrong | % right |", "|---|---:|---:|---:|---:|---:|"]
    for name, t in [*per.items(), ("**total**", total)]:
        out.append(f"| {name} | {t.rows} | {t.right} | {t.counts['miss']} | {t.counts['wrong']} "
                   f"| {100 * t.accuracy:.1f} |")
    return "\n".join(out)
