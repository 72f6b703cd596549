"""The two patent engines side by side (IPBOT_PATENT_SEARCH=memory|postgres):

    python -m bench.patent_engines --patents 1000000 --db postgresql://postgres@127.0.0.1:5432/postgres

imports N generated patents (bench/portfolio.py) into a database of its own on that
server (`ipbot_engines_N`; reused when it already holds them, `--fresh` to re-import),
then, in one process per engine so resident memory is that engine's alone, starts the
bot, asks the benchmark's patent questions (bench/questions.py) and some counts,
checks that both engines' replies are identical and prints start-up, RSS and p50/p99
latency per engine. The first PostgreSQL start writes the search columns of every
imported title (once per import); it is timed apart."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import subprocess
import sys
import time
from typing import Any

import psutil

from bench import portfolio
from bench.questions import QUESTIONS
from bench.run import PY, ROOT, _admin, env_for, import_portfolio, patent_count, pct

# counted and listed from the store: by jurisdiction, status, year, family, owner, title word
COUNTS = [
    "how many US patents?", "European patents", "granted patents in CN", "patents filed in 2014",
    "how many patents mention vehicle?", "how many CN patents mention signal", "patents in family F100",
    "patents owned by Google", "patents expiring in 2035", "how many patents mention wireless scheduling",
    "which patents are pending?", "patents granted in 2018 in EP", "how many patents in the store",
    "patents about tailgating", "patents tailgatng",
]
PATENT_QUESTIONS = [q.text for q in QUESTIONS if q.category in ("title", "number")] + [
    "patents zyxwvut", *COUNTS]


def _rss_mb() -> float:
    return float(psutil.Process().memory_info().rss) / 1e6


async def worker(url: str, engine: str, rounds: int) -> dict[str, Any]:
    """One engine in this process: start-up, RSS, latency per question, reply texts."""
    from bot.config import Settings
    from bot.runtime import start
    from handlers import ask as ask_handler

    t0 = time.perf_counter()
    settings = Settings(_env_file=None, DATABASE_URL=url, IPBOT_PATENT_SEARCH=engine)  # type: ignore[call-arg]
    rt = await start(settings)
    out: dict[str, Any] = {"start_s": time.perf_counter() - t0, "rss_after_start_mb": _rss_mb()}
    answers: dict[str, str] = {}
    for q in PATENT_QUESTIONS:  # warm-up, and the replies compared
        r = await ask_handler.ask(rt.deps, q, user="bench", log=False)
        answers[q] = "\n".join([r.kind.value, r.text, *r.lines, r.note])
    latencies: dict[str, list[float]] = {q: [] for q in PATENT_QUESTIONS}
    for _ in range(rounds):
        for q in PATENT_QUESTIONS:
            t = time.perf_counter()
            await ask_handler.ask(rt.deps, q, user="bench", log=False)
            latencies[q].append((time.perf_counter() - t) * 1000)
    gc.collect()
    out.update(rss_after_questions_mb=_rss_mb(), latency_ms=latencies, answers=answers)
    await rt.engine.dispose()
    return out


def _run_worker(url: str, engine: str, rounds: int) -> dict[str, Any]:
    proc = subprocess.run([PY, "-m", "bench.patent_engines", "--worker", engine, "--db", url, "--rounds", str(rounds)],
                          env=env_for(url), cwd=ROOT, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def database(db: str, size: int, fresh: bool = False) -> tuple[str, dict[str, Any] | None]:
    """The URL of `ipbot_engines_N` on the server of `db`, holding N generated patents
    (imported when it does not, or when `fresh`), and the import's figures (None: reused)."""
    from sqlalchemy.engine import make_url

    url = make_url(db).set(database=f"ipbot_engines_{size}").render_as_string(hide_password=False)
    exists = asyncio.run(_admin(db, f"SELECT 1 FROM pg_database WHERE datname = 'ipbot_engines_{size}'"))
    if not fresh and exists and asyncio.run(patent_count(url)) == size:
        return url, None
    return url, import_portfolio(db, f"ipbot_engines_{size}", url, portfolio.write(size))


def compare(url: str, size: int, rounds: int) -> dict[str, Any]:
    """Both engines on the database at `url` (holding `size` patents), one process each."""
    first = _run_worker(url, "postgres", 0)
    print(f"  postgres first start (writes pending search columns): {first['start_s']:.2f} s", flush=True)
    results = {engine: _run_worker(url, engine, rounds) for engine in ("memory", "postgres")}
    mem, pg = results["memory"]["answers"], results["postgres"]["answers"]
    differ = [q for q in PATENT_QUESTIONS if mem[q] != pg[q]]
    for engine, r in results.items():
        lat = [v for vs in r["latency_ms"].values() for v in vs]
        print(f"  {engine}: start {r['start_s']:.2f} s, RSS {r['rss_after_questions_mb']:.0f} MB, "
              f"p50 {pct(lat, 50):.2f} ms, p99 {pct(lat, 99):.2f} ms", flush=True)
    print(f"  replies {'identical' if not differ else f'DIFFER on {len(differ)} question(s)'}", flush=True)
    return {"size": size, "rounds": rounds, "first_pg_start_s": first["start_s"], "results": results,
            "differ": differ}


CATEGORIES = {"title": [q.text for q in QUESTIONS if q.category == "title"],
              "number": [q.text for q in QUESTIONS if q.category == "number"], "count/list": COUNTS}


def table(comparisons: list[dict[str, Any]]) -> list[str]:
    """Markdown rows: per size and engine, start-up, RSS, p50/p99 overall and by category."""
    lines = ["| patents | engine | start-up | RSS after questions | p50 | p99 | title p50 / p99 | number p50 / p99 "
             "| count/list p50 / p99 | replies |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for c in comparisons:
        same = "identical" if not c["differ"] else f"**differ on {len(c['differ'])}**"
        for engine, r in c["results"].items():
            lat = [v for vs in r["latency_ms"].values() for v in vs]
            cats = []
            for qs in CATEGORIES.values():
                vals = [v for q in qs for v in r["latency_ms"][q]]
                cats.append(f"{pct(vals, 50):.2f} / {pct(vals, 99):.2f} ms")
            start = f"{r['start_s']:.2f} s" + (f" (first: {c['first_pg_start_s']:.1f} s)" if engine == "postgres"
                                               else "")
            lines.append(f"| {c['size']:,} | {engine} | {start} | {r['rss_after_questions_mb']:.0f} MB "
                         f"| {pct(lat, 50):.2f} ms | {pct(lat, 99):.2f} ms | {' | '.join(cats)} | {same} |")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--patents", type=int, default=100_000)
    ap.add_argument("--db", default="postgresql://postgres@127.0.0.1:5432/postgres",
                    help="a PostgreSQL server (any database on it); the bench creates its own")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--fresh", action="store_true", help="re-import even when the database holds the patents")
    ap.add_argument("--worker", choices=("memory", "postgres"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(asyncio.run(worker(args.db, args.worker, args.rounds))))
        return 0
    url, _ = database(args.db, args.patents, args.fresh)
    c = compare(url, args.patents, args.rounds)
    print("\n".join(["", *table([c])]))
    if c["differ"]:
        mem, pg = c["results"]["memory"]["answers"], c["results"]["postgres"]["answers"]
        for q in c["differ"]:
            print(f"--- {q}\nmemory:   {mem[q]!r}\npostgres: {pg[q]!r}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
