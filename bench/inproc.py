"""In-process measurements in a process of their own, so resident memory is the
bot's alone: `python -m bench.inproc DATABASE_URL ROUNDS NAIVE_ROUNDS` prints one
JSON object (start-up of the runtime, RSS, latency per question, reply texts,
naive-baseline latency)."""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time

import psutil
from sqlalchemy import select

from bench.naive import NaiveMatcher
from bench.questions import QUESTIONS
from bot.config import Settings
from bot.runtime import start
from handlers import ask as ask_handler
from store.models import Patent


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 1e6


async def main(url: str, rounds: int, naive_rounds: int) -> dict:
    out: dict = {}
    t0 = time.perf_counter()
    settings = Settings(_env_file=None, DATABASE_URL=url)  # type: ignore[call-arg]
    rt = await start(settings)
    out["runtime_start_s"] = time.perf_counter() - t0
    out["patents"] = len(rt.deps.index.patents)
    out["rss_after_start_mb"] = _rss_mb()
    answers: dict[str, str] = {}
    latencies: dict[str, list[float]] = {q.text: [] for q in QUESTIONS}
    for q in QUESTIONS:  # warm-up: first-touch allocations, connection pool
        answers[q.text] = (await ask_handler.ask(rt.deps, q.text, user="bench")).text
    for _ in range(rounds):
        for q in QUESTIONS:
            t = time.perf_counter()
            await ask_handler.ask(rt.deps, q.text, user="bench")
            latencies[q.text].append((time.perf_counter() - t) * 1000)
    gc.collect()
    out["rss_after_questions_mb"] = _rss_mb()
    out["latency_ms"] = latencies
    out["answers"] = answers
    # the baseline last, so its copy of every title does not count in the bot's RSS
    naive: dict[str, list[float]] = {}
    if naive_rounds:
        async with rt.deps.sessions() as session:
            titles = list((await session.scalars(select(Patent.title).order_by(Patent.id))).all())
        matcher = NaiveMatcher(titles)
        del titles
        for q in QUESTIONS:
            if q.category != "title":
                continue
            naive[q.text] = []
            for _ in range(naive_rounds):
                t = time.perf_counter()
                matcher.search(q.text)
                naive[q.text].append((time.perf_counter() - t) * 1000)
    out["naive_ms"] = naive
    await rt.engine.dispose()
    return out


if __name__ == "__main__":
    result = asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
    print(json.dumps(result))
