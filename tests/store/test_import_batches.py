"""A patent file too large to hold is read, checked and written in batches (the
import service `ipbot import` and a DMed file both use), and an operator sees no
difference from a file taken in one go: the same counts, the same stored
patents in the same order, all or nothing with the bad line named however late
it comes, and another tool's export changing only the columns it has.

Each test runs with the store written through the staging table and, on
PostgreSQL, through the bulk load of an empty store (indexes rebuilt at the end),
which a file this small would not trigger on its own."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from bench import portfolio
from bot.runtime import Runtime
from handlers import imports
from handlers.imports import ImportReport
from store.imports import patent_load
from store.imports.columns import PATENT_COLUMNS
from store.models import Patent

ROWS = 3000
SMALL_BATCH = 400


@pytest.fixture(params=["staged", "bulk"])
def load_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "bulk":
        # the first import into an empty store, as a million-row file would load it
        monkeypatch.setattr(patent_load, "BULK_ROWS", 1000)
    yield str(request.param)


def _csv(rows: list[list[str]], header: tuple[str, ...] | list[str] = PATENT_COLUMNS) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue().encode()


async def _run(rt: Runtime, data: bytes, name: str = "patents.csv", batch: int = SMALL_BATCH) -> ImportReport:
    return await imports.run(rt.deps, data=data, filename=name, actor="UADMIN", batch_rows=batch)


async def _stored(rt: Runtime) -> list[tuple[Any, ...]]:
    """Every stored patent, in id order (the order titles are searched in), without ids."""
    cols = [getattr(Patent, c) for c in ("number", "number_key", *PATENT_COLUMNS[1:])]
    async with rt.deps.sessions() as s:
        return [tuple(r) for r in (await s.execute(select(*cols).order_by(Patent.id))).all()]


async def _clear(rt: Runtime) -> None:
    async with rt.deps.unit_of_work() as s:
        await s.execute(delete(Patent))


async def test_batches_give_what_one_batch_gives(rt: Runtime, load_mode: str) -> None:
    data = _csv(portfolio.patents(ROWS))
    many = await _run(rt, data)
    assert many.reply().headline == f"Imported patents.csv: patents: {ROWS} added, 0 updated, 0 unchanged, " \
                                    "0 rejected; read as UTF-8"
    in_batches = await _stored(rt)
    await _clear(rt)
    one = await _run(rt, data, batch=10 * ROWS)
    assert one.reply().headline == many.reply().headline
    assert await _stored(rt) == in_batches
    assert [r[0] for r in in_batches] == [r[0] for r in portfolio.patents(ROWS)]  # in file order


async def test_a_bad_line_in_a_late_batch_leaves_the_store_unchanged(rt: Runtime, load_mode: str) -> None:
    rows = portfolio.patents(ROWS)
    if load_mode == "staged":
        # a store that already holds patents: none of them may change either
        assert (await _run(rt, _csv(rows[:100]))).ok
    before = await _stored(rt)
    bad = [list(r) for r in rows]
    bad[2700][4] = "2019-02-30"  # line 2702 (line 1 is the header)
    bad[2950][0] = rows[10][0]  # line 2952 repeats the number on line 12
    report = await _run(rt, _csv(bad))
    reply = report.reply()
    assert reply.headline == "patents.csv was rejected; nothing was written. Fix these lines and send it again:"
    assert reply.lines == [
        "line 2702: “2019-02-30” is not a date (use YYYY-MM-DD)",
        f"line 2952: duplicate of line 12 ({rows[10][0].replace(' ', '')})",
    ]
    assert await _stored(rt) == before
    # and the store takes the file once it is fixed
    assert (await _run(rt, _csv(rows))).ok
    assert len(await _stored(rt)) == ROWS


async def test_reimport_in_batches_reports_unchanged(rt: Runtime, load_mode: str) -> None:
    data = _csv(portfolio.patents(ROWS))
    assert (await _run(rt, data)).ok
    stored = await _stored(rt)
    again = await _run(rt, data, batch=700)
    assert again.reply().headline == f"Imported patents.csv: patents: 0 added, 0 updated, {ROWS} unchanged, " \
                                     "0 rejected; read as UTF-8"
    assert await _stored(rt) == stored
    async with rt.deps.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Patent)) == ROWS


LENS = ["#", "Jurisdiction", "Kind", "Publication Number", "Lens ID", "Publication Date", "Application Date",
        "Title", "Applicants", "CPC Classifications"]
GOOGLE = ["id", "title", "assignee", "filing/creation date", "grant date"]


async def test_lens_then_google_export_update_only_their_columns_across_batches(rt: Runtime, load_mode: str) -> None:
    ours = [[f"US {9000000 + i} B2", f"Our title {i}", "US", "granted", "2010-01-02", "2012-03-04", "2030-01-02",
             f"F{i}", "Wi-Fi", "Huawei Technologies Co Ltd"] for i in range(1500)]
    assert (await _run(rt, _csv(ours))).ok
    # Lens: 1,200 of ours with new titles, owners and classes (and no family or expiry) …
    lens = [[str(i), "US", "B2", f"US {9000000 + i} B2", f"L-{i}", "3/4/12", "1/2/10", f"Lens title {i}",
             "HUAWEI TECH CO LTD", "H04W72/04;;H04L5/00"] for i in range(300, 1500)]
    report = await _run(rt, _csv(lens, LENS), "lens.csv", batch=250)
    assert report.reply().headline == "Imported lens.csv: patents: 0 added, 1200 updated, 0 unchanged, " \
                                      "0 rejected; read as UTF-8"
    # … and 200 more it adds
    lens_new = [[str(i), "US", "B2", f"US {9000000 + i} B2", f"L-{i}", "3/4/12", "1/2/10", f"Lens title {i}",
                 "HUAWEI TECH CO LTD", "H04W72/04"] for i in range(1500, 1700)]
    report = await _run(rt, _csv(lens_new, LENS), "lens2.csv", batch=60)
    assert report.reply().headline.startswith("Imported lens2.csv: patents: 200 added, 0 updated, 0 unchanged")
    # Google Patents: new owners for 800 of them; it has no classes, family or expiry
    google = [[f"US{9000000 + i}B2", f"Lens title {i}", "Huawei Technologies Co., Ltd.", "2010-01-02",
               "2012-03-04"] for i in range(700, 1500)]
    report = await _run(rt, _csv(google, GOOGLE), "google.csv", batch=300)
    assert report.reply().headline == "Imported google.csv: patents: 0 added, 800 updated, 0 unchanged, " \
                                      "0 rejected; read as UTF-8"
    stored = {r[0]: [v.isoformat() if hasattr(v, "isoformat") else v for v in r[2:]] for r in await _stored(rt)}
    assert len(stored) == 1700
    # title, jurisdiction, status, filed, granted, expires, family, technology, owner
    assert stored["US 9000005 B2"] == ours[5][1:]
    assert stored["US 9000400 B2"] == ["Lens title 400", "US", "granted", "2010-01-02", "2012-03-04", "2030-01-02",
                                       "F400", "H04W72/04; H04L5/00", "HUAWEI TECH CO LTD"]
    assert stored["US 9001000 B2"] == ["Lens title 1000", "US", "granted", "2010-01-02", "2012-03-04",
                                       "2030-01-02", "F1000", "H04W72/04; H04L5/00", "Huawei Technologies Co., Ltd."]
    assert stored["US 9001600 B2"] == ["Lens title 1600", "US", "granted", "2010-01-02", "2012-03-04", None, "",
                                       "H04W72/04", "HUAWEI TECH CO LTD"]
