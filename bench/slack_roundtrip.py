"""Signed `/ip` round trips on loopback against a real `ipbot serve --http`.

    .venv/bin/python -m bench.slack_roundtrip                  # 120,000 patents, 500 requests, SQLite
    .venv/bin/python -m bench.slack_roundtrip --database-url postgresql://postgres@127.0.0.1:5432/x

Loads N synthetic patents (bench/portfolio.py when present, else a small
generator here) through `ipbot import`, starts the server as its own process
with SLACK_API_URL at the test stand-in, and times each request from send to
the full response (the answer is in the ack). Prints median and p99."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.standin_slack import StandinSlack  # noqa: E402

SECRET = "roundtripsigningsecret0123456789"
TOKEN = "xoxb-bench-roundtrip-token"
QUESTIONS = [
    "licensees 2022", "what was R&D spending in 2022?", "patents tailgaters", "valid patents",
    "patent US 8818681 B1", "patents wireless beam feedback", "licensing revenue 2022", "help",
    "how many companies licensed", "revenue of the moon base", "do we license Nokia?",
    "patents video coding loop filter",
]
HEADER = ["number", "title", "jurisdiction", "status", "filing_date", "grant_date", "expiry_date", "family_id",
          "technology", "owner"]
WORDS = """adaptive wireless beam channel feedback signal network video coding filter battery charging display
antenna carrier scheduling handover vehicle lidar radar route sensor encoder decoder packet frame slot""".split()


def write_patents(path: Path, n: int) -> None:
    try:
        from bench import portfolio

        rows = portfolio.patents(n)
    except (ImportError, AttributeError):
        rng = random.Random(42)
        rows = [[f"US {10_000_000 + i} B2", " ".join(rng.choices(WORDS, k=7)).capitalize(), "US", "granted",
                 "2015-01-01", "2017-01-01", "2035-01-01", f"F{i // 3}", "wireless", "Huawei Technologies Co Ltd"]
                for i in range(n)]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def signed(text: str, n: int) -> tuple[bytes, dict[str, str]]:
    body = urlencode({"token": "legacy", "team_id": "T1", "channel_id": "C1", "channel_name": "bench",
                      "user_id": f"U{n % 20}", "command": "/ip", "text": text, "api_app_id": "A1",
                      "response_url": "", "trigger_id": f"1.{n}"})
    ts = str(int(time.time()))
    return body.encode(), {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
                           "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts,
                                                                                                body=body)}


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


async def roundtrips(db_url: str, requests: int) -> list[tuple[str, float]]:
    slack = await StandinSlack().start()
    port = free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_API_URL": slack.api_url, "IPBOT_LOG_LEVEL": "WARNING"}
    env.pop("SLACK_APP_TOKEN", None)
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "serve", "--http", "--port",
                                                str(port), env=env, cwd=ROOT, stdout=asyncio.subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 180)
        if b"listening" not in line:
            raise RuntimeError(f"server did not start: {line!r}")
        url = f"http://127.0.0.1:{port}/slack/events"
        out: list[tuple[str, float]] = []
        async with aiohttp.ClientSession() as http:
            for n in range(len(QUESTIONS) * 3 + requests):
                body, headers = signed(QUESTIONS[n % len(QUESTIONS)], n)
                t = time.perf_counter()
                async with http.post(url, data=body, headers=headers) as resp:
                    data = await resp.read()
                ms = (time.perf_counter() - t) * 1000
                if resp.status != 200 or b'"text"' not in data:
                    raise RuntimeError(f"bad answer {resp.status}: {data[:200]!r}")
                if n >= len(QUESTIONS) * 3:  # after warm-up (auth.test, pools, first touch)
                    out.append((QUESTIONS[n % len(QUESTIONS)], ms))
        return out
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        await proc.wait()
        await slack.stop()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--patents", type=int, default=120_000)
    p.add_argument("--requests", type=int, default=500)
    p.add_argument("--database-url", default=None, help="default: a fresh SQLite file in a temp dir")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db_url = args.database_url or f"sqlite:///{tmp}/bench.db"
        csv_path = Path(tmp) / "patents.csv"
        t = time.perf_counter()
        write_patents(csv_path, args.patents)
        env = {**os.environ, "DATABASE_URL": db_url}
        subprocess.run([sys.executable, "-m", "bot.cli", "import", str(csv_path)], env=env, cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        print(f"loaded {args.patents:,} patents in {time.perf_counter() - t:.1f} s", flush=True)
        timed = asyncio.run(roundtrips(db_url, args.requests))
    lat = [ms for _, ms in timed]
    for q in QUESTIONS:
        mine = [ms for qq, ms in timed if qq == q]
        print(f"  {q!r:40} median {statistics.median(mine):6.2f} ms  max {max(mine):6.2f} ms")
    print(f"signed /ip round trip over loopback, {len(lat)} requests, {args.patents:,} patents: "
          f"median {statistics.median(lat):.2f} ms, p99 {pct(lat, 99):.2f} ms, max {max(lat):.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
