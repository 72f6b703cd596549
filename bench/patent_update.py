"""How long a changed patent title takes to be found by its new words on every
replica: two `ipbot serve --http` on one database, one patent retitled through
`ipbot import` (a one-row CSV), then each replica is asked for the new title word
over signed `/ip` until it answers with that patent.

    .venv/bin/python -m bench.patent_update postgresql://postgres@127.0.0.1:5432/ipbot_bench_1000000 FOLDER

FOLDER is the portfolio the database was imported from (bench/portfolio.py), whose
first patent is retitled (and put back afterwards)."""

from __future__ import annotations

import asyncio
import csv
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp

from bench.run import PY, ROOT, SECRET, TOKEN, ask_text, env_for, free_port, start_server, stop_all
from tests.standin_slack import StandinSlack


async def _serve(env: dict[str, str], procs: list[asyncio.subprocess.Process]) -> str:
    port = free_port()
    return await start_server(["bot.cli", "serve", "--http", "--port", str(port)], port, env, procs, 600)


def _retitle(folder: Path, title: str | None, out: Path) -> tuple[str, str]:
    """A one-row patents CSV giving the first patent `title` (None: its own); its number
    and original title."""
    with (folder / "patents.csv").open(encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh)
        header, first = next(rows), next(rows)
    number, original = first[header.index("number")], first[header.index("title")]
    first[header.index("title")] = title if title is not None else original
    with out.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, first])
    return number, original


async def measure(url: str, folder: Path, replicas: int = 2) -> dict[str, Any]:
    slack = StandinSlack()
    await slack.start()
    env = env_for(url, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.api_url)
    procs: list[asyncio.subprocess.Process] = []
    word = "zq" + uuid.uuid4().hex[:8]
    out: dict[str, Any] = {"replicas": replicas}
    with tempfile.TemporaryDirectory() as tmp:
        change, restore = Path(tmp) / "change.csv", Path(tmp) / "restore.csv"
        number, original = _retitle(folder, f"{word} hovercraft docking", change)
        _retitle(folder, original, restore)
        try:
            bases = [await _serve(env, procs) for _ in range(replicas)]
            async with aiohttp.ClientSession() as http:
                for base in bases:  # every replica has its patent index loaded
                    for _ in range(3000):
                        if "still loading" not in await ask_text(http, base, "patents tailgaters"):
                            break
                        await asyncio.sleep(0.2)
                t0 = time.perf_counter()
                done = await asyncio.to_thread(subprocess.run, [PY, "-m", "bot.cli", "import", str(change)],
                                               env=env_for(url), cwd=ROOT, capture_output=True, text=True)
                if done.returncode != 0:
                    raise RuntimeError(done.stderr[-2000:])
                imported = time.perf_counter()
                out["import_s"] = imported - t0

                async def seen(base: str) -> float:
                    for _ in range(6000):
                        if number in await ask_text(http, base, f"patents {word}"):
                            return time.perf_counter() - imported
                        await asyncio.sleep(0.01)
                    raise RuntimeError("the new title was never found")

                out["visible_s"] = max(await asyncio.gather(*(seen(b) for b in bases)))
        finally:
            await stop_all(procs, 30)
            await slack.stop()
            await asyncio.to_thread(subprocess.run, [PY, "-m", "bot.cli", "import", str(restore)],
                                    env=env_for(url), cwd=ROOT, capture_output=True, check=False)
    return out


def main() -> None:
    url, folder = sys.argv[1], Path(sys.argv[2])
    print(json.dumps(asyncio.run(measure(url, folder))))


if __name__ == "__main__":
    main()
