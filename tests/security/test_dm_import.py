"""Finding 2: a file an admin sends in a DM is imported completely or not at all.
The download was one `read(n)`, which returns what happens to be buffered, not the
file: a 300-row patents CSV reported "219 added", and the cut-off last row was
padded with empty fields and stored. Now the download is read to its end under a
running size cap, and a row with too few fields rejects the file with its line."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot.downloads import MAX_IMPORT_BYTES
from store.models import Patent
from tests.bot import slack_harness
from tests.bot.slack_harness import Bot, dm
from tests.bot.test_cli import ipbot

bot = slack_harness.bot
slack = slack_harness.slack

HEADER = "number,title,jurisdiction,status,filing_date,grant_date,expiry_date,family_id,technology,owner\n"


def patents_csv(n: int, first: int = 9_100_000) -> bytes:
    rows = [f"US {first + i} B2,Method and apparatus for adaptive beam management in wireless network number {i},"
            f"US,granted,2015-03-0{1 + i % 9},2018-07-1{i % 10},2035-03-0{1 + i % 9},F{i},H04B 7/06,"
            "Huawei Technologies Co Ltd" for i in range(n)]
    return (HEADER + "\n".join(rows) + "\n").encode()


async def _patents(bot: Bot) -> int:
    async with bot.rt.deps.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(Patent)) or 0)


async def _send_file(bot: Bot, fid: str, name: str, data: bytes, ts: str) -> str:
    bot.slack.files[fid] = (name, data)
    await bot.send.event(dm("", ts=ts, user="UADMIN", subtype="file_share", files=[{"id": fid, "name": name}]))
    await bot.settle()
    return bot.posts()[-1]["text"]


async def test_a_300_row_file_is_imported_whole(bot: Bot) -> None:
    before = await _patents(bot)
    data = patents_csv(300)
    assert len(data) > 4 * bot.slack.download_chunk  # arrives in many pieces
    text = await _send_file(bot, "F300", "patents.csv", data, "700.1")
    assert "300 added, 0 updated, 0 unchanged, 0 rejected" in text
    assert await _patents(bot) == before + 300


async def test_a_13_megabyte_file_is_imported_whole(bot: Bot) -> None:
    before = await _patents(bot)
    bot.slack.download_chunk = 256 * 1024
    data = patents_csv(72_000)
    assert len(data) > 13_000_000
    text = await _send_file(bot, "FBIG", "patents.csv", data, "701.1")
    assert "72000 added" in text
    assert await _patents(bot) == before + 72_000


async def test_a_download_larger_than_the_cap_is_refused_whatever_files_info_said(bot: Bot) -> None:
    before = await _patents(bot)
    data = patents_csv(300)
    data += b"#" * (MAX_IMPORT_BYTES + 1 - len(data))
    bot.slack.declared_sizes["FHUGE"] = 1000
    bot.slack.download_chunk = 256 * 1024
    text = await _send_file(bot, "FHUGE", "patents.csv", data, "702.1")
    assert "larger than 20 MB" in text and "Nothing was imported" in text
    assert await _patents(bot) == before


SHORT_LAST_ROW = patents_csv(3) + b"US 9200000 B2,Cut off here,U"


async def test_a_short_last_row_rejects_the_dm_file(bot: Bot) -> None:
    before = await _patents(bot)
    text = await _send_file(bot, "FSHORT", "patents.csv", SHORT_LAST_ROW, "703.1")
    assert "rejected; nothing was written" in text
    assert "line 5: 3 fields but the header has 10" in text
    assert await _patents(bot) == before


def test_a_short_last_row_rejects_the_cli_import(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "patents.csv"
    path.write_bytes(SHORT_LAST_ROW)
    res = ipbot(db_url, "import", str(path), cwd=tmp_path)
    assert res.returncode != 0
    assert "line 5: 3 fields but the header has 10" in res.stdout + res.stderr
    out = ipbot(db_url, "export", "--kind", "patents", cwd=tmp_path).stdout
    assert "9100000" not in out
