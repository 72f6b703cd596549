"""Finding 5: CSV export writes no spreadsheet formulas. A cell starting with =, +,
-, @, tab or CR was exported as-is (OWASP "CSV injection"). Such a cell is now
written with a leading apostrophe, which import takes off again, so export ->
import still round-trips, negative numbers and "-5%" included."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from bot.runtime import Runtime
from store import revisions as revision_repo
from store.models import Licence, Patent
from tests.bot.test_cli import ipbot

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

FACTS = """subject,metric,period,value,unit,qualifier,source
Huawei,formula metric,2021,"=HYPERLINK(""http://evil.example"",""click"")",,,=1+2
Huawei,plus metric,2021,+1 555 0100,,,+source
Huawei,share change,2021,-5%,,,-annual report
Huawei,net income,2021,"-1,234",,,@SUM(A1:A9)
Huawei,quoted metric,2021,'=already quoted,,,'plain apostrophe
Huawei,apostrophes metric,2021,''-2,,,'''@x
"""
LICENCES = """licensee,licensor,kind,technology,signed_on,expires_on,territory,status
@evil corp,Huawei,=cmd|' /C calc'!A0,-wifi,2021-01-01,,+worldwide,active
"""


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def _export(db_url: str, tmp_path: Path, kind: str, fmt: str = "csv") -> str:
    # to a file: a pipe read as text would turn a CR inside a cell into a line break
    out = tmp_path / f"export.{fmt}"
    res = ipbot(db_url, "export", "--kind", kind, "--format", fmt, "-o", str(out), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    return out.read_bytes().decode("utf-8")


def _assert_no_formula(text: str) -> None:
    risky = [c for c in _cells(text) if c.startswith(FORMULA_START)]
    assert risky == []


def _round_trip(db_url: str, tmp_path: Path, kind: str, count: int) -> None:
    before = json.loads(_export(db_url, tmp_path, kind, "json"))
    exported = _export(db_url, tmp_path, kind)
    _assert_no_formula(exported)
    path = tmp_path / f"exported-{kind}.csv"
    path.write_text(exported, encoding="utf-8", newline="")
    again = ipbot(db_url, "import", str(path), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"0 added, 0 updated, {count} unchanged" in again.stdout
    assert json.loads(_export(db_url, tmp_path, kind, "json")) == before


def test_exported_facts_and_licences_hold_no_formula_and_round_trip(db_url: str, tmp_path: Path) -> None:
    for name, text in (("facts.csv", FACTS), ("licences.csv", LICENCES)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        res = ipbot(db_url, "import", str(tmp_path / name), cwd=tmp_path)
        assert res.returncode == 0, res.stderr
    exported = _export(db_url, tmp_path, "facts")
    _assert_no_formula(exported)
    _assert_no_formula(_export(db_url, tmp_path, "licences"))
    assert "'=HYPERLINK(" in exported and "'-5%" in exported and "'@SUM(A1:A9)" in exported
    assert ",'plain apostrophe" in exported  # not a formula: left as it is
    facts = {(f["metric"]): f for f in json.loads(_export(db_url, tmp_path, "facts", "json"))}
    # what import stored is what the file said, apostrophes that precede no formula included
    assert facts["share change"]["value"] == "-5%" and facts["net income"]["value"] == "-1,234"
    assert facts["quoted metric"]["value"] == "=already quoted"  # an escaped cell, read back
    assert facts["quoted metric"]["source"] == "'plain apostrophe"
    assert facts["apostrophes metric"]["value"] == "'-2" and facts["apostrophes metric"]["source"] == "''@x"
    n_facts = len(facts)
    _round_trip(db_url, tmp_path, "facts", n_facts)
    _round_trip(db_url, tmp_path, "licences", _count(_export(db_url, tmp_path, "licences")))


def _count(csv_text: str) -> int:
    return len(list(csv.reader(io.StringIO(csv_text, newline="")))) - 1


async def test_stored_tabs_and_carriage_returns_are_escaped_and_round_trip(rt: Runtime, db_url: str,
                                                                            tmp_path: Path) -> None:
    """Import strips surrounding whitespace, so these can only be rows stored some
    other way (an older version, a direct database edit): they still export safely."""
    async with rt.deps.sessions() as session, session.begin():
        session.add(Patent(number="US 7000001 B2", number_key="US7000001B2", title="\t=cmd()", jurisdiction="US",
                           owner="\r@owner"))
        session.add(Licence(licensee="Tab Corp", licensor="Huawei", territory="\t+1", signed_on=date(2020, 1, 1)))
        await revision_repo.bump(session=session, kind="patents")
        await revision_repo.bump(session=session, kind="licences")
    patents = _export(db_url, tmp_path, "patents")
    assert "'\t=cmd()" in patents and "'\r@owner" in patents
    _round_trip(db_url, tmp_path, "patents", _count(patents))
    _round_trip(db_url, tmp_path, "licences", _count(_export(db_url, tmp_path, "licences")))
