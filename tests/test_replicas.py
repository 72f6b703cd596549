"""Two real `ipbot serve --http` processes on one database behave as one bot:
a fact written through the store (what `/ip set` does) is answered by both
within a second, a Slack event delivered to both is answered once, each keeps
answering while the other restarts, both come up when started together on an
empty database, and a digest claimed by several processes at once is posted once."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from store import changes as change_repo
from store import digests as digest_repo
from store.db import make_engine, make_sessionmaker
from store.records import FactRecord
from store.values import parse_value
from tests.bot.slack_harness import BOT_TOKEN, SECRET, SlackSender, mention
from tests.conftest import BACKEND, scratch_pg_database
from tests.standin_slack import StandinSlack

ROOT = Path(__file__).resolve().parent.parent
# what a replica may take to see another's change: it polls every 0.5 s
VISIBLE_WITHIN = 1.0


async def wait_for(pred: Callable[[], bool]) -> None:
    deadline = asyncio.get_running_loop().time() + 10
    while not pred():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met")
        await asyncio.sleep(0.02)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Replica:
    port: int
    env: dict[str, str]
    proc: asyncio.subprocess.Process | None = None
    send: SlackSender | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "serve", "--http", "--port", str(self.port),
            env=self.env, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), 60)
        assert b"listening" in line, line
        self.send = SlackSender(f"http://127.0.0.1:{self.port}")

    async def stop(self) -> None:
        if self.send is not None:
            await self.send.close()
            self.send = None
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            await asyncio.wait_for(self.proc.wait(), 30)
        self.proc = None

    async def ask(self, text: str) -> str:
        assert self.send is not None
        reply = await self.send.command(text)
        assert reply.status == 200, reply.text
        return str(reply.json().get("text", ""))


@pytest.fixture
async def slack() -> AsyncIterator[StandinSlack]:
    s = await StandinSlack().start()
    yield s
    await s.stop()


def _env(db_url: str, slack: StandinSlack) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "IPBOT_", "DATABASE_URL"))}
    env.update(DATABASE_URL=db_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET,
               SLACK_API_URL=slack.api_url, IPBOT_ADMINS="UADMIN", IPBOT_LOG_LEVEL="WARNING")
    return env


@pytest.fixture
async def fresh_db_url(tmp_path: Path) -> AsyncIterator[str]:
    """An empty database: no schema yet."""
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    async with scratch_pg_database("ipbot_fresh") as url:
        yield url


@pytest.fixture
async def replicas(db_url: str, slack: StandinSlack) -> AsyncIterator[tuple[Replica, Replica]]:
    env = _env(db_url, slack)
    a, b = Replica(_free_port(), env), Replica(_free_port(), env)
    try:
        await a.start()
        await b.start()
        yield a, b
    finally:
        await a.stop()
        await b.stop()


async def _set_fact(db_url: str, metric: str, period: str, value: str) -> None:
    """What `/ip set` writes: the fact and its revision bump in one transaction."""
    engine = make_engine(db_url)
    try:
        pv = parse_value(value)
        async with make_sessionmaker(engine)() as session, session.begin():
            await change_repo.set_fact(session=session, actor="UADMIN", at=datetime.now(UTC), fact=FactRecord(
                "Huawei", metric, period, pv.value, pv.unit, pv.qualifier, "replica test", pv.numeric))
    finally:
        await engine.dispose()


async def test_a_fact_set_through_one_replica_is_answered_by_the_other_within_a_second(
    db_url: str, replicas: tuple[Replica, Replica]
) -> None:
    a, b = replicas
    assert "no figure" in (await b.ask("licensing revenue 2031")).lower()
    await _set_fact(db_url, "licensing revenue", "2031", "about US$777 million")
    loop = asyncio.get_running_loop()
    written = loop.time()
    answers: dict[str, str] = {}

    async def until_seen(r: Replica, name: str) -> None:
        while "777" not in (answers.setdefault(name, await r.ask("licensing revenue 2031"))):
            answers.pop(name)
            await asyncio.sleep(0.05)

    await asyncio.wait_for(asyncio.gather(until_seen(a, "a"), until_seen(b, "b")), timeout=VISIBLE_WITHIN)
    assert loop.time() - written <= VISIBLE_WITHIN
    assert "US$777 million" in answers["b"] and "replica test" in answers["b"]
    assert answers["a"] == answers["b"]


async def test_an_event_delivered_to_both_replicas_is_answered_once(
    replicas: tuple[Replica, Replica], slack: StandinSlack
) -> None:
    a, b = replicas
    assert a.send is not None and b.send is not None
    ev = mention("licensing revenue 2022", ts="1700000100.000100")
    # Slack retries to whichever replica the load balancer picks; both get the same event_id
    ra, rb = await asyncio.gather(a.send.event(ev, event_id="EvSAME1"),
                                  b.send.event(ev, event_id="EvSAME1", retry_num=1))
    assert (ra.status, rb.status) == (200, 200)
    await wait_for(lambda: len(slack.posted("chat.postMessage")) >= 1)
    # a second answer, if any, would come within the same few milliseconds; give it ample time
    await asyncio.sleep(1.0)
    posts = slack.posted("chat.postMessage")
    assert len(posts) == 1
    assert "560" in str(posts[0].get("text", "")) + str(posts[0].get("blocks", ""))


async def test_each_replica_keeps_answering_while_the_other_restarts(replicas: tuple[Replica, Replica]) -> None:
    a, b = replicas
    for down, up in ((a, b), (b, a)):

        async def restart(r: Replica) -> None:
            await r.stop()
            await r.start()

        restarting = asyncio.create_task(restart(down))
        answered = 0
        while not restarting.done():
            assert "560" in await up.ask("licensing revenue 2022")
            answered += 1
        await restarting
        assert answered > 0
        assert "560" in await down.ask("licensing revenue 2022")


async def test_replicas_started_together_on_an_empty_database_both_come_up(
    fresh_db_url: str, slack: StandinSlack
) -> None:
    env = _env(fresh_db_url, slack)
    a, b = Replica(_free_port(), env), Replica(_free_port(), env)
    try:
        # both run the schema migration at once: one migrates, the other waits for it
        await asyncio.gather(a.start(), b.start())
        assert "560" in await a.ask("licensing revenue 2022")
        assert "560" in await b.ask("licensing revenue 2022")
    finally:
        await a.stop()
        await b.stop()


async def test_a_digest_sent_by_several_processes_at_once_is_posted_once(db_url: str, slack: StandinSlack) -> None:
    engine = make_engine(db_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            await digest_repo.subscribe(session=session, channel="C9", frequency="weekly", weekday=0,
                                        day_of_month=1, at_time="09:00", timezone="UTC", skip_empty=False,
                                        actor="UADMIN", at=datetime.now(UTC))
    finally:
        await engine.dispose()
    env = _env(db_url, slack)
    # what replicas' schedulers and a cron `ipbot digest send` do at the same moment
    procs = [await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "digest", "send", "--channel", "C9", env=env, cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL) for _ in range(3)]
    await asyncio.gather(*(p.wait() for p in procs))
    posts = [p for p in slack.posted("chat.postMessage") if p.get("channel") == "C9"]
    assert len(posts) == 1


async def _import(env: dict[str, str], path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "import", str(path), env=env, cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    _, err = await proc.communicate()
    assert proc.returncode == 0, err


async def test_a_retitled_patent_is_found_by_its_new_title_on_both_replicas(
    replicas: tuple[Replica, Replica], slack: StandinSlack, db_url: str, tmp_path: Path
) -> None:
    env = _env(db_url, slack)
    await _import(env, ROOT / "tests/fixtures/patents.csv")
    for r in replicas:
        await wait_for_answer(r, "patents tailgaters", "responding to tailgaters")
        # a misspelt word no title holds yet: nothing (and the replica remembers so)
        assert "No patent titles match" in await r.ask("patents hovercraf")
    retitled = tmp_path / "retitled.csv"
    lines = (ROOT / "tests/fixtures/patents.csv").read_text(encoding="utf-8").splitlines()
    retitled.write_text("\n".join([lines[0], *[
        line.replace("Detecting and responding to tailgaters", "Detecting and responding to hovercraft")
        for line in lines[1:] if line.startswith("US 8818681 B1")]]) + "\n", encoding="utf-8")
    await _import(env, retitled)
    for r in replicas:
        await wait_for_answer(r, "patents hovercraft", "responding to hovercraft")
        # … until a title holds the word: the typo finds it now
        assert "responding to hovercraft" in await r.ask("patents hovercraf")
        # the old title's words no longer find it; the other patents are as they were
        assert "No patent titles match" in await r.ask("patents tailgaters")
        assert "responding to hovercraft" in await r.ask("US8818681")
        assert "channel state information" in await r.ask("patents channel state information")


async def wait_for_answer(r: Replica, question: str, expected: str) -> None:
    deadline = asyncio.get_running_loop().time() + 10
    while expected not in (text := await r.ask(question)):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{question!r} still answered {text!r}")
        await asyncio.sleep(0.05)
