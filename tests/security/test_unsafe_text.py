"""Finding 12 (text): a NUL byte in an admin command got "the store is
unavailable" (PostgreSQL refuses it) instead of naming the bad input; control
characters, ANSI escapes, text-direction overrides (U+202E) and names mixing
Latin and Cyrillic letters (a look-alike "Ericsson") were stored and shown raw.
Admin commands and imports now refuse them, naming the field; nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from store.models import Fact, FactChange, Licence, MetricAlias
from tests.bot import slack_harness
from tests.bot.slack_harness import Bot
from tests.bot.test_cli import ipbot

bot = slack_harness.bot
slack = slack_harness.slack

CYRILLIC_I = "\u0456"  # looks like "i"


async def _counts(bot: Bot) -> tuple[int, ...]:
    async with bot.rt.deps.sessions() as s:
        return tuple([int(await s.scalar(select(func.count()).select_from(m)) or 0)
                      for m in (Fact, Licence, MetricAlias, FactChange)])


@pytest.mark.parametrize(("command", "says"), [
    pytest.param("set gadget\x00tally 2023 = 5", "the metric name contains a control character (U+0000)", id="nul"),
    pytest.param("set licensing revenue 2023 = US$5 million source: \x1b[31mHuawei AR",
                 "the source contains a control character (U+001B) (an ANSI escape)", id="ansi-in-source"),
    pytest.param("set chief legal officer = Song\x07 Liuping", "the value contains a control character (U+0007)",
                 id="bell-in-value"),
    pytest.param("licensee add Acme\u202eCorp signed:2023-01",
                 "the licensee name contains an invisible text-direction character (U+202E)", id="bidi-override"),
    pytest.param(f"licensee add Er{CYRILLIC_I}csson signed:2023-01",
                 f"the licensee name mixes Latin and Cyrillic letters in “Er{CYRILLIC_I}csson”", id="look-alike"),
    pytest.param("licensee add Ericsson signed:2023-01 licensor:Hua\u200bwei",
                 "the licensor: contains an invisible character (U+200B)", id="zero-width"),
    pytest.param("remove gadget\x00tally 2023", "the metric name contains a control character (U+0000)",
                 id="nul-in-remove"),
    pytest.param("history gadget\x00tally", "the name contains a control character (U+0000)", id="nul-in-history"),
    pytest.param("history licensee Acme\x00", "the name contains a control character (U+0000)",
                 id="nul-in-licensee-history"),
    pytest.param("licensee remove Acme\x00", "the licensee name contains a control character (U+0000)",
                 id="nul-in-licensee-remove"),
    pytest.param("alias royalty\u2066 take = licensing revenue",
                 "the alias contains an invisible text-direction character (U+2066)", id="bidi-isolate-alias"),
])
async def test_an_admin_change_with_unsafe_text_is_refused_naming_the_field(bot: Bot, command: str,
                                                                          says: str) -> None:
    before = await _counts(bot)
    r = await bot.send.command(command, user="UADMIN")
    assert r.status == 200
    text = r.json()["text"]
    assert says in text, text
    assert "unavailable" not in text
    assert await _counts(bot) == before


async def test_plain_names_in_other_scripts_are_still_welcome(bot: Bot) -> None:
    for command in ("licensee add Xiaomi 小米 signed:2023-01", "licensee add Ростелеком signed:2023-02",
                    "set chief legal officer = Song Liuping (宋柳平)"):
        text = (await bot.send.command(command, user="UADMIN")).json()["text"]
        assert "couldn't read" not in text, text


def test_an_import_with_unsafe_text_is_rejected_naming_line_and_field(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "licences.csv"
    path.write_text("licensee,licensor,kind,technology,signed_on,expires_on,territory,status\n"
                    "Acme\u202eCorp,Huawei,outbound,cellular,2023-01-01,,worldwide,active\n"
                    f"Er{CYRILLIC_I}csson,Huawei,outbound,cellular,2023-01-01,,worldwide,active\n"
                    "Fine Corp,Huawei,outbound,cellular\x1b[0m,2023-01-01,,worldwide,active\n"
                    "Nul Corp,Huawei,outbound,cellular,2023-01-01,,world\x00wide,active\n"
                    "Good Corp,Huawei,outbound,cellular,2023-01-01,,worldwide,active\n", encoding="utf-8")
    res = ipbot(db_url, "import", str(path), cwd=tmp_path)
    out = res.stdout + res.stderr
    assert res.returncode != 0
    assert "line 2: licensee contains an invisible text-direction character (U+202E)" in out
    assert f"line 3: licensee mixes Latin and Cyrillic letters in “Er{CYRILLIC_I}csson”" in out
    assert "line 4: technology contains a control character (U+001B) (an ANSI escape)" in out
    assert "line 5: territory contains a control character (U+0000)" in out
    assert "Good Corp" not in ipbot(db_url, "export", "--kind", "licences", cwd=tmp_path).stdout
