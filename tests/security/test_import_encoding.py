"""Finding 12 (encoding): a file that was not valid UTF-8 was silently read as
latin-1, which reads any bytes at all: "Télécom" in latin-1 came out right by
luck, a UTF-8 file cut inside a character came out as wrong names. Import now
reads UTF-8 (with or without BOM) and says so, refuses bytes it cannot read
with their line, and reads another encoding only when told (`--encoding`)."""

from __future__ import annotations

from pathlib import Path

from tests.bot import slack_harness
from tests.bot.slack_harness import Bot, dm
from tests.bot.test_cli import ipbot

bot = slack_harness.bot
slack = slack_harness.slack

HEADER = "licensee,licensor,kind,technology,signed_on,expires_on,territory,status\n"
ROWS = ("Plain Corp,Huawei,outbound,Wi-Fi,2023-02-01,,Europe,active\n"
        "Télécom Sàrl,Huawei,outbound,Wi-Fi,2023-02-01,,Europe,active\n")
LATIN1 = (HEADER + ROWS).encode("latin-1")


def _licensees(db_url: str, tmp_path: Path) -> str:
    return ipbot(db_url, "export", "--kind", "licences", cwd=tmp_path).stdout


def test_bytes_that_are_not_utf8_reject_the_file_with_their_line(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "licences.csv"
    path.write_bytes(LATIN1)
    res = ipbot(db_url, "import", str(path), cwd=tmp_path)
    assert res.returncode == 1
    assert "line 3: the file is not UTF-8: bytes E9 cannot be read as UTF-8" in res.stderr
    assert "--encoding latin-1" in res.stderr
    assert "Plain Corp" not in _licensees(db_url, tmp_path)


def test_a_utf8_file_cut_inside_a_character_is_refused(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "licences.csv"
    path.write_bytes((HEADER + ROWS).encode("utf-8")[:-60] + "é".encode()[:1] + b",Huawei,x,y,2023-01-01,,,\n")
    res = ipbot(db_url, "import", str(path), cwd=tmp_path)
    assert res.returncode == 1 and "is not UTF-8" in res.stderr


def test_the_encoding_is_read_only_when_named_and_the_summary_says_which(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "licences.csv"
    path.write_bytes(LATIN1)
    res = ipbot(db_url, "import", str(path), "--encoding", "latin-1", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "licences: 2 added, 0 updated, 0 unchanged, 0 rejected; read as latin-1"
    assert "Télécom Sàrl" in _licensees(db_url, tmp_path)
    utf8 = tmp_path / "again.csv"
    utf8.write_bytes(b"\xef\xbb\xbf" + (HEADER + ROWS).encode("utf-8"))
    res = ipbot(db_url, "import", str(utf8), cwd=tmp_path)
    assert res.stdout.strip() == "licences: 0 added, 0 updated, 2 unchanged, 0 rejected; read as UTF-8"
    bad = ipbot(db_url, "import", str(path), "--encoding", "klingon", cwd=tmp_path)
    assert bad.returncode == 1 and "--encoding klingon: not an encoding" in bad.stderr


async def test_a_dm_file_that_is_not_utf8_is_refused(bot: Bot) -> None:
    bot.slack.files["FLAT"] = ("licences.csv", LATIN1)
    await bot.send.event(dm("", ts="710.1", user="UADMIN", subtype="file_share",
                            files=[{"id": "FLAT", "name": "licences.csv"}]))
    await bot.settle()
    text = bot.posts()[-1]["text"]
    assert "rejected; nothing was written" in text
    assert "line 3: the file is not UTF-8" in text
