"""Bounded load test on loopback: a fixed number of signed `/ip` commands at a fixed
rate against one `ipbot serve --http`, with PostgreSQL restarted in the middle.

    .venv/bin/python -m bench.load                       # 200/s for 30 s, restart at 10 s
    .venv/bin/python -m bench.load --rate 50 --seconds 10 --no-restart

It runs its own throwaway PostgreSQL cluster (initdb into a temp folder, a free
port) so the restart cannot disturb anybody else's database, imports the 120k
portfolio into it, starts the bot, fires the requests on a fixed schedule and
reports: every request acknowledged (HTTP 200) and within Slack's 3 s, none lost,
what the replies said during the outage ("unavailable" vs answers from memory),
when patent lookups recovered, and the bot's RSS over the run. Appends its
table to BENCHMARKS.md with --write."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import psutil

from bench import portfolio
from bench.questions import QUESTIONS
from bench.run import PY, ROOT, SECRET, TOKEN, env_for, pct, signed_command
from tests.standin_slack import StandinSlack

ACK_LIMIT_MS = 3000.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A private PostgreSQL: initdb, start, stop, restart (as the postgres user when root)."""

    def __init__(self) -> None:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        self.bin = bins[-1] if bins else Path(shutil.which("pg_ctl") or "pg_ctl").parent
        self.dir = Path(tempfile.mkdtemp(prefix="ipbot-load-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, cwd="/tmp")

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-l", str(self.dir / "log"), "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-m", "fast", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass
class Result:
    n: int
    sent_at: float
    ms: float
    status: int
    outcome: str  # answer | unavailable | other | error


def classify(status: int, body: str) -> str:
    if status != 200:
        return "error"
    low = body.lower()
    if "unavailable" in low:
        return "unavailable"
    return "answer" if '"text"' in low else "other"


async def run(rate: int, seconds: int, restart_at: float | None, down_for: float, size: int) -> dict:
    cluster = Cluster()
    cluster.init()
    cluster.start()
    slack = await StandinSlack().start()
    proc: asyncio.subprocess.Process | None = None
    out: dict = {"rate": rate, "seconds": seconds, "restart_at": restart_at, "down_for": down_for, "size": size}
    try:
        folder = portfolio.write(size)
        for kind in ("patents", "licences", "facts"):
            await asyncio.to_thread(
                subprocess.run, [PY, "-m", "bot.cli", "import", str(folder / f"{kind}.csv")],
                env=env_for(cluster.url), cwd=ROOT, check=True, capture_output=True)
        port = free_port()
        env = env_for(cluster.url, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.api_url)
        proc = await asyncio.create_subprocess_exec(PY, "-m", "bot.cli", "serve", "--http", "--port", str(port),
                                                    env=env, cwd=ROOT, stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.DEVNULL)
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 120)
        assert b"listening" in line, line
        ps = psutil.Process(proc.pid)
        base = f"http://127.0.0.1:{port}/slack/events"
        questions = [q.text for q in QUESTIONS]
        results: list[Result] = []
        rss: list[tuple[float, float]] = []
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as http:

            async def one(n: int, t0: float) -> None:
                body, headers = signed_command(questions[n % len(questions)], n)
                start = time.perf_counter()
                try:
                    async with http.post(base, data=body, headers=headers) as resp:
                        text = await resp.text()
                        status = resp.status
                except (aiohttp.ClientError, TimeoutError) as exc:
                    text, status = type(exc).__name__, 0
                results.append(Result(n, start - t0, (time.perf_counter() - start) * 1000, status,
                                      classify(status, text)))

            for n in range(len(questions)):  # warm-up, not counted
                await one(n, time.perf_counter())
            results.clear()
            rss.append((0.0, ps.memory_info().rss / 1e6))

            async def sample_rss(t0: float) -> None:
                while True:
                    await asyncio.sleep(1)
                    rss.append((time.perf_counter() - t0, ps.memory_info().rss / 1e6))

            async def restart_db(t0: float) -> None:
                assert restart_at is not None
                await asyncio.sleep(restart_at)
                out["db_stopping_at"] = time.perf_counter() - t0
                await asyncio.to_thread(cluster.stop)
                out["db_down_at"] = time.perf_counter() - t0
                await asyncio.sleep(down_for)
                await asyncio.to_thread(cluster.start)
                out["db_up_at"] = time.perf_counter() - t0

            t0 = time.perf_counter()
            sampler = asyncio.create_task(sample_rss(t0))
            restarter = asyncio.create_task(restart_db(t0)) if restart_at is not None else None
            tasks = []
            total = rate * seconds
            for n in range(total):
                delay = t0 + n / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(one(n, t0)))
            await asyncio.gather(*tasks)
            out["elapsed_s"] = time.perf_counter() - t0
            if restarter is not None:
                await restarter
            sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampler
            rss.append((time.perf_counter() - t0, ps.memory_info().rss / 1e6))
        out["sent"] = total
        out["acked"] = sum(1 for r in results if r.status == 200)
        out["within_3s"] = sum(1 for r in results if r.status == 200 and r.ms <= ACK_LIMIT_MS)
        out["lost"] = total - len(results) + sum(1 for r in results if r.status != 200)
        out["p50_ms"] = pct([r.ms for r in results], 50)
        out["p99_ms"] = pct([r.ms for r in results], 99)
        out["max_ms"] = max(r.ms for r in results)
        out["outcomes"] = {k: sum(1 for r in results if r.outcome == k)
                           for k in ("answer", "unavailable", "other", "error")}
        out["rss_start_mb"], out["rss_end_mb"] = rss[0][1], rss[-1][1]
        out["rss_max_mb"] = max(v for _, v in rss)
        if restart_at is not None:
            down, up = out["db_stopping_at"], out["db_up_at"]
            gap = [r for r in results if down <= r.sent_at < up]
            out["during_gap"] = {k: sum(1 for r in gap if r.outcome == k) for k in ("answer", "unavailable", "other")}
            after = sorted((r for r in results if r.sent_at >= up), key=lambda r: r.sent_at)
            unavailable_after = [r.sent_at for r in after if r.outcome == "unavailable"]
            out["last_unavailable_after_up_s"] = (max(unavailable_after) - up) if unavailable_after else 0.0
            out["unavailable_outside_gap"] = sum(
                1 for r in results if r.outcome == "unavailable" and not (down <= r.sent_at < up + 5))
            out["answers_after_up"] = sum(1 for r in after if r.outcome == "answer")
    finally:
        if proc is not None and proc.returncode is None:
            proc.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 20)
        await slack.stop()
        cluster.remove()
    return out


def table(r: dict) -> str:
    lines = ["## Load test: one replica, PostgreSQL restarted mid-run", "",
             f"`python -m bench.load`: {r['sent']:,} signed `/ip` commands at {r['rate']}/s for {r['seconds']} s "
             f"against one `ipbot serve --http` ({r['size']:,} patents), loopback, a private PostgreSQL cluster"
             + (f" stopped at {r['db_stopping_at']:.1f} s (down at {r['db_down_at']:.1f} s) and started again "
                f"at {r['db_up_at']:.1f} s." if r.get("restart_at") is not None else "."), "",
             "| sent | acknowledged (HTTP 200) | within 3 s | lost | p50 | p99 | max | answers | \"unavailable\" "
             "| RSS start → end (max) |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
             f"| {r['sent']:,} | {r['acked']:,} | {r['within_3s']:,} | {r['lost']} | {r['p50_ms']:.1f} ms "
             f"| {r['p99_ms']:.1f} ms | {r['max_ms']:.0f} ms | {r['outcomes']['answer']:,} "
             f"| {r['outcomes']['unavailable']:,} | {r['rss_start_mb']:.0f} → {r['rss_end_mb']:.0f} MB "
             f"({r['rss_max_mb']:.0f} MB) |"]
    if r.get("restart_at") is not None:
        g = r["during_gap"]
        lines += ["", f"While PostgreSQL was down: {g['answer']} answered from the in-memory index (figures, "
                  f"licences, title counts), {g['unavailable']} got the \"unavailable\" reply (patent details, "
                  f"which are read from the store), {g['other']} other. The last \"unavailable\" came "
                  f"{r['last_unavailable_after_up_s']:.1f} s after the database was back; "
                  f"{r['unavailable_outside_gap']} outside the gap (+5 s). The bot was not restarted."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rate", type=int, default=200)
    p.add_argument("--seconds", type=int, default=30)
    p.add_argument("--restart-at", type=float, default=10.0)
    p.add_argument("--down-for", type=float, default=3.0)
    p.add_argument("--no-restart", action="store_true")
    p.add_argument("--size", type=int, default=120_000)
    p.add_argument("--write", action="store_true", help="append the table to BENCHMARKS.md")
    args = p.parse_args(argv)
    r = asyncio.run(run(args.rate, args.seconds, None if args.no_restart else args.restart_at, args.down_for,
                        args.size))
    text = table(r)
    print(text)
    if args.write:
        path = ROOT / "BENCHMARKS.md"
        path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + text, encoding="utf-8")
    return 0 if r["lost"] == 0 and r["within_3s"] == r["sent"] else 1


if __name__ == "__main__":
    sys.exit(main())
