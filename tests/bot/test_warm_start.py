"""A restarted server answers figures and licences at once and says the patent
index is warming up until it is loaded — never an empty or wrong patent answer.
Through signed `/ip` requests to a server started as `ipbot serve` starts it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from bot.runtime import running
from store.models import UnansweredQuestion
from tests.bot import slack_harness
from tests.bot.slack_harness import load_fixtures, slack_settings, start_bot, stop_bot
from tests.conftest import Clock
from tests.standin_slack import StandinSlack

ROOT = Path(__file__).resolve().parents[2]
slack = slack_harness.slack


async def test_patent_questions_say_warming_up_until_the_index_is_loaded(
        db_url: str, slack: StandinSlack, clock: Clock) -> None:
    settings = slack_settings(db_url, slack.api_url)
    async with running(settings) as first:
        await load_fixtures(first, ("facts.csv", "licences.csv", "patents.csv"))
    # the restart: figures and licences loaded, patents still to come
    async with running(settings, patents_later=True) as rt:
        rt.deps.clock = clock
        bot = await start_bot(rt, slack, settings)
        try:
            warming = [(await bot.send.command(q)).json()["text"] for q in (
                "patents tailgaters", "when was US 8818681 B1 granted?", "how many EP patents",
                "R&D spending 2023 and patents tailgaters")]
            for text in warming:
                assert "still loading the patent index" in text
                assert "8818681" not in text and "No patent" not in text
            figure = (await bot.send.command("R&D spending 2023")).json()["text"]
            assert "164.7 billion yuan" in figure
            missing = (await bot.send.command("licensing revenue 2019")).json()["text"]
            assert "no figure for licensing revenue in 2019" in missing  # not a patent matter
            licence = (await bot.send.command("do we have a licence with Nokia?")).json()["text"]
            assert "Nokia" in licence and "still loading" not in licence
            await bot.settle()
            async with rt.deps.sessions() as s:
                logged = (await s.scalars(select(UnansweredQuestion.text))).all()
            # a question asked too early is not a gap in the store; a year not stored is
            assert logged == ["licensing revenue 2019"]

            # what the server's refresh loop does first
            await rt.deps.index.refresh(rt.deps.sessions)
            found = (await bot.send.command("patents tailgaters")).json()["text"]
            assert "US 8818681 B1" in found and "still loading" not in found
        finally:
            await stop_bot(bot)


def test_the_cli_waits_for_the_patent_index_instead_of_warming_up(db_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": db_url, "PYTHONPATH": str(ROOT)}
    env.pop("SLACK_BOT_TOKEN", None)
    subprocess.run([sys.executable, "-m", "bot.cli", "import", str(ROOT / "tests/fixtures/patents.csv")],
                   env=env, cwd=tmp_path, check=True, capture_output=True)
    out = subprocess.run([sys.executable, "-m", "bot.cli", "ask", "--json", "patents tailgaters"],
                         env=env, cwd=tmp_path, capture_output=True, text=True)
    reply = json.loads(out.stdout)
    assert out.returncode == 0, out.stderr
    assert reply["kind"] == "answer"
    assert [p["number"] for p in reply["patents"]] == ["US 8818681 B1"]
