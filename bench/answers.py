"""Accuracy of the answers on the question table (tests/fixtures/answers.tsv):

    .venv/bin/python -m bench.answers                  # a temporary SQLite store
    .venv/bin/python -m bench.answers --db postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python -m bench.answers --only licence patent

Builds the fixed evaluation store (seed + tests/fixtures, see tests/answer_table.py)
with the clock at 2026-11-25 like the tests, asks every question in process and
grades it: right, miss (not answered, or not all of it) or wrong (a figure,
licence or patent that was not asked for — the verdict that must stay at zero).
Prints a markdown table per category, then every failure. Exit code 1 if any
reply is wrong.

--db with a PostgreSQL URL creates a scratch database on that server (the URL's
own database is only used to connect) and drops it afterwards; with a SQLite URL
that file is used as it is."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.runtime import running
from handlers import ask as ask_handler
from store.db import normalize_url
from tests.answer_table import CATEGORIES, TABLE, Row, Verdict, grade, load_eval_store, load_table, markdown_summary

# the tests' clock (tests/conftest.py): "last year" is 2025, "the next 90 days" end in February 2027
FIXED_NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


async def _pg_admin(url: str, sql: str) -> None:
    import asyncpg

    u = make_url(url)
    conn = await asyncpg.connect(host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username or "postgres",
                                 password=u.password, database=u.database or "postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def database(url: str | None) -> AsyncIterator[str]:
    """A database URL to build the store in, removed afterwards unless it was a given SQLite file."""
    if not url:
        with tempfile.TemporaryDirectory(prefix="ipbot-answers-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'answers.db'}"
        return
    url = normalize_url(url)
    if not make_url(url).drivername.startswith("postgresql"):
        yield url
        return
    name = f"ipbot_answers_{uuid.uuid4().hex[:12]}"
    await _pg_admin(url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        await _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def evaluate(url: str | None, rows: list[Row]) -> list[tuple[Row, Verdict, str]]:
    """(row, verdict, reply text) for every row, asked in table order."""
    out: list[tuple[Row, Verdict, str]] = []
    async with database(url) as db_url:
        settings = Settings(_env_file=None, DATABASE_URL=db_url)  # type: ignore[call-arg]
        async with running(settings) as rt:
            rt.deps.clock = lambda: FIXED_NOW
            await load_eval_store(rt.deps)
            for row in rows:
                reply = await ask_handler.ask(rt.deps, row.question, user="bench")
                out.append((row, grade(row, reply), reply.text))
    return out


def _cell(text: str, limit: int = 160) -> str:
    text = " ".join(text.split()) or "(empty)"
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace("|", "\\|")


def report(results: list[tuple[Row, Verdict, str]], backend: str, seconds: float) -> str:
    lines = [f"## Answer table: {len(results)} questions ({backend}, {seconds:.1f} s)", "",
             markdown_summary([(r, v) for r, v, _ in results])]
    failures = [(r, v, t) for r, v, t in results if v.verdict != "right"]
    # the worst first, then in table order
    failures.sort(key=lambda x: (x[1].verdict != "wrong", x[0].line))
    if failures:
        lines += ["", "### Failures", "", "| verdict | category | question | expected | got (first line) |",
                  "|---|---|---|---|---|"]
        for r, v, text in failures:
            expected = f"{r.expect}: {v.reason}"
            lines.append(f"| {v.verdict} | {r.category} | `{_cell(r.shown, 100)}` | {_cell(expected)} "
                         f"| {_cell(text.split(chr(10), 1)[0])} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.answers", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", metavar="URL", help="PostgreSQL server (a scratch database is made) or SQLite file")
    p.add_argument("--only", nargs="+", choices=CATEGORIES, metavar="CATEGORY",
                   help=f"only these categories: {', '.join(CATEGORIES)}")
    p.add_argument("--table", default=str(TABLE), help="the question table (default: %(default)s)")
    args = p.parse_args(argv)
    rows = load_table(Path(args.table))
    if args.only:
        rows = [r for r in rows if r.category in args.only]
    t0 = time.perf_counter()
    results = asyncio.run(evaluate(args.db, rows))
    backend = make_url(normalize_url(args.db)).get_backend_name() if args.db else "sqlite"
    sys.stdout.write(report(results, backend, time.perf_counter() - t0))
    return 1 if any(v.verdict == "wrong" for _, v, _ in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
