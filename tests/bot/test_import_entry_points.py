"""`ipbot import` and a file an admin DMs to the bot are one import pipeline
(handlers/imports.py): the same file, into the same store, gives the same report
either way — the same counts, the same warnings, and every rejected line with the
same reason."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.bot import slack_harness
from tests.bot.slack_harness import Bot, dm, plain
from tests.bot.test_cli import ipbot
from tests.conftest import BACKEND, FIXTURES, scratch_pg_database

bot = slack_harness.bot
slack = slack_harness.slack

PATENT_HEADER = "number,title,jurisdiction,status,filing_date,grant_date,expiry_date,family_id,technology,owner\n"
FILES: dict[str, bytes] = {
    # a Lens.org export, recognised by its header: patents added, its extra columns named
    "lens.csv": (FIXTURES / "lens_sample.csv").read_bytes(),
    # a partial facts file: one stored figure updated, the rest of it kept; a column ignored
    "fix.csv": b"metric,period,value,note\nlicensing revenue,2022,4 billion yuan,typo fixed\n",
    # every bad line named: a duplicate, a value that is not a number, a bad date
    "bad_facts.csv": (b"subject,metric,period,value,unit,qualifier,source\n"
                      b"Huawei,valid patents,2031,over 150000,,,AR\n"
                      b"Huawei,valid patents,2031,over 160000,,,AR\n"
                      b"Huawei,r&d spending,2031,lots,CNY,,AR\n"
                      b"Huawei,licensing revenue,20x3,5,,,AR\n"),
    # a file cut off mid-row
    "cut.csv": (PATENT_HEADER + "US 9100000 B2,A title,US,granted,2015-03-01,,,,,Owner\nUS 9200000 B2,Cut,U").encode(),
    # not UTF-8
    "latin.csv": ("licensee,licensor,kind,technology,signed_on,expires_on,territory,status\n"
                  "Plain Corp,Huawei,outbound,Wi-Fi,2023-02-01,,Europe,active\n"
                  "Télécom Sàrl,Huawei,outbound,Wi-Fi,2023-02-01,,Europe,active\n").encode("latin-1"),
}


@dataclass(frozen=True)
class Report:
    ok: bool
    summary: str  # "patents: 4 added, …" ('' where the entry point does not print one)
    lines: list[str]  # warnings of an applied file, or the rejected lines


@contextlib.asynccontextmanager
async def _store_like_the_bots(template_db: str, tmp_path: Path) -> AsyncIterator[str]:
    """A second store holding what the bot's holds (the fixtures, imported by the CLI)."""
    if BACKEND == "sqlite":
        path = tmp_path / "cli" / "ipbot.db"
        path.parent.mkdir()
        shutil.copy(template_db, path)
        url = f"sqlite:///{path}"
        stack: contextlib.AbstractAsyncContextManager[str] = contextlib.nullcontext(url)
    else:
        stack = scratch_pg_database("ipbot_cli", template_db)
    async with stack as url:
        for name in ("facts.csv", "licences.csv", "patents.csv"):
            assert ipbot(url, "import", str(FIXTURES / name), cwd=tmp_path).returncode == 0
        yield url


def _cli(url: str, path: Path) -> Report:
    res = ipbot(url, "import", str(path), cwd=path.parent)
    assert "Traceback" not in res.stderr
    err = res.stderr.splitlines()
    if res.returncode == 0:
        return Report(True, res.stdout.strip(), [x for x in err if x.startswith("warning: ")])
    assert res.returncode == 1 and err[0].startswith(f"ipbot: {path.name} rejected, nothing written")
    return Report(False, res.stdout.strip(), [x.strip() for x in err[1:]])


async def _dm(bot: Bot, name: str, data: bytes, ts: str) -> Report:
    fid = f"F{ts.replace('.', '')}"
    bot.slack.files[fid] = (name, data)
    await bot.send.event(dm("", ts=ts, user="UADMIN", subtype="file_share", files=[{"id": fid, "name": name}]))
    await bot.settle()
    headline, *rest = plain(bot.posts()[-1]["text"]).splitlines()
    lines = [x.removeprefix("• ") for x in rest if x.startswith("• ")]
    if headline.startswith(f"Imported {name}: "):
        return Report(True, headline.removeprefix(f"Imported {name}: "), lines)
    assert headline == f"{name} was rejected; nothing was written. Fix these lines and send it again:"
    return Report(False, "", lines)


async def test_the_cli_and_a_dm_report_the_same_for_the_same_file(
    bot: Bot, template_db: str, tmp_path: Path
) -> None:
    async with _store_like_the_bots(template_db, tmp_path) as cli_url:
        for i, (name, data) in enumerate(FILES.items()):
            path = tmp_path / name
            path.write_bytes(data)
            by_cli = _cli(cli_url, path)
            by_dm = await _dm(bot, name, data, f"720.{i + 1}")
            assert by_dm.ok == by_cli.ok, name
            assert by_dm.lines == by_cli.lines, name
            if by_cli.ok:
                assert by_dm.summary == by_cli.summary, name
            else:
                assert by_cli.summary.endswith(f"{len(by_dm.lines)} rejected"), name


@pytest.mark.parametrize("name", ["lens.csv", "fix.csv", "bad_facts.csv", "cut.csv", "latin.csv"])
def test_each_file_shows_what_it_is_meant_to(db_url: str, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(FILES[name])
    got = _cli(db_url, path)
    expected = {
        "lens.csv": Report(True, "patents: 4 added, 0 updated, 0 unchanged, 0 rejected; read as UTF-8",
                           ["warning: ignored columns: #, Lens ID"]),
        "fix.csv": Report(True, "facts: 0 added, 1 updated, 0 unchanged, 0 rejected; read as UTF-8",
                          ["warning: ignored columns: note"]),
        "bad_facts.csv": Report(False, "facts: 0 added, 0 updated, 0 unchanged, 3 rejected", [
            "line 3: duplicate of line 2 (Huawei, valid patents, 2031)",
            "line 4: value “lots” is not a number but unit is CNY",
            "line 5: period “20x3” is not a year (use e.g. 2023, or leave it empty)"]),
        "cut.csv": Report(False, "patents: 0 added, 0 updated, 0 unchanged, 1 rejected",
                          ["line 3: 3 fields but the header has 10"]),
        "latin.csv": Report(False, "records: 0 added, 0 updated, 0 unchanged, 1 rejected", [
            "line 3: the file is not UTF-8: bytes E9 cannot be read as UTF-8; save the file as UTF-8, or name "
            "the encoding it is in: ipbot import --encoding latin-1 FILE"]),
    }[name]
    assert (got.ok, got.summary, len(got.lines)) == (expected.ok, expected.summary, len(expected.lines))
    assert all(line.startswith(want) for line, want in zip(got.lines, expected.lines, strict=True)), got.lines

