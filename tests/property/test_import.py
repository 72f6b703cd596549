"""Properties of CSV/JSON import through the real import service (`handlers/imports.py`,
which `ipbot import` and a file DMed to the bot both end in, and the DM handler
itself): generated files of facts, patents or licences — all rows valid, one bad
row inserted at a random place, or the file cut off at a random byte — are either
applied in full or rejected with the store unchanged, and a rejection names the
line of the bad row. Nothing but ImportRejected (or, for a DM, an error reply
listing lines) ever comes back."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from hypothesis import event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.runtime import Runtime
from handlers import imports
from handlers.dispatch import Request
from handlers.imports import import_bytes
from handlers.replies import ReplyKind
from store import facts as fact_repo
from store import licences as licence_repo
from store import revisions as revision_repo
from store import safe_text
from store.export import export
from store.imports.apply import ImportSummary
from store.imports.columns import COLUMNS, REQUIRED
from store.imports.errors import ImportRejected
from store.imports.readers import read_records
from store.keys import number_key
from store.models import FactChange, Patent
from tests.property.strategies import examples
from tests.property.timing import SlowestCall

# cell text a real file holds: any unicode a UTF-8 file can carry (NUL and other
# control characters apart, which are the "bad" cells below; and what store/safe_text.py
# refuses: invisible format characters, words mixing Latin/Cyrillic/Greek), quotes,
# commas and line breaks inside cells, Slack-looking markup, formulas, emoji, CJK
_CLEAN_CHARS = st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Cf"], exclude_characters="\u0130")
clean_text = st.one_of(
    st.text(_CLEAN_CHARS, max_size=30).filter(lambda t: not safe_text.problem(t, name=True)),
    st.sampled_from(["<!channel>", "&lt;b&gt;", "*bold* _it_", "=1+2", "-5%", "'=x", "@here", "a, b", 'say "hi"',
                     "two\nlines", "crlf\r\nline", "研发投入", "😀👍🏽", "R&D", "Annual Report (2023)"]),
)
nonblank = st.tuples(st.characters(codec="utf-8", categories=["L", "N"], exclude_characters="\u0130"),
                     clean_text).map("".join).filter(lambda t: not safe_text.problem(t, name=True))
dates = st.dates(date(1980, 1, 1), date(2060, 12, 31))
opt_date = st.one_of(st.just(""), dates.map(date.isoformat))
figure = st.one_of(
    st.sampled_from(["US$630 million", "over 120,000", "25.1%", "161.5 billion yuan", "~350", "almost 200", "CNY 1bn"]),
    st.integers(0, 10**9).map(str),
    st.text(st.characters(codec="utf-8", categories=["L", "Zs"]), min_size=1, max_size=20)
    .filter(lambda s: s.strip() != ""),  # a text fact
)


def _fact_row(d: st.DataObject) -> dict[str, str]:
    return {
        "subject": d.draw(st.sampled_from(["", "Huawei", "Qualcomm", "Ericsson"])),
        "metric": d.draw(nonblank),
        "period": d.draw(st.sampled_from(["", "2019", "2022", "FY2023", "2031"])),
        "value": d.draw(figure),
        "unit": "",
        "qualifier": d.draw(st.sampled_from(["", "over", "about", "almost", "exact"])),
        "source": d.draw(clean_text),
    }


def _patent_row(d: st.DataObject) -> dict[str, str]:
    juris = d.draw(st.sampled_from(["US", "EP", "CN", "WO", "JP"]))
    return {
        "number": f"{juris} {d.draw(st.integers(1_000_000, 99_999_999))} {d.draw(st.sampled_from(['A1', 'B1', 'B2']))}",
        "title": d.draw(clean_text),
        "jurisdiction": juris,
        "status": d.draw(st.sampled_from(["", "granted", "pending", "published"])),
        "filing_date": d.draw(opt_date),
        "grant_date": d.draw(opt_date),
        "expiry_date": d.draw(opt_date),
        "family_id": d.draw(st.sampled_from(["", "F100", "F200"])),
        "technology": d.draw(clean_text),
        "owner": d.draw(clean_text),
    }


def _licence_row(d: st.DataObject) -> dict[str, str]:
    signed = d.draw(st.one_of(st.none(), dates))
    expires = d.draw(st.one_of(st.none(), dates))
    if signed and expires and expires < signed:
        signed, expires = expires, signed
    return {
        "licensee": d.draw(nonblank),
        "licensor": d.draw(st.sampled_from(["", "Huawei", "Nokia"])),
        "kind": d.draw(st.sampled_from(["", "bilateral", "cross-licence", "outbound"])),
        "technology": d.draw(clean_text),
        "signed_on": signed.isoformat() if signed else "",
        "expires_on": expires.isoformat() if expires else "",
        "territory": d.draw(clean_text),
        "status": d.draw(st.sampled_from(["", "active", "expired"])),
    }


ROWS = {"facts": _fact_row, "patents": _patent_row, "licences": _licence_row}


def _key(kind: str, r: dict[str, str]) -> tuple[Any, ...]:
    """The natural key as the importer folds it (a second row with the same one is a duplicate)."""
    if kind == "facts":
        return (r["subject"].strip() or "Huawei", " ".join(r["metric"].strip().lower().split()),
                re.sub(r"(?i)^fy\s*", "", r["period"]))
    if kind == "patents":
        return (number_key(" ".join(r["number"].split())),)
    return (r["licensee"].strip(), r["licensor"].strip() or "Huawei", r["signed_on"])


# one bad row: what it breaks, per kind (None: not possible for that kind/format)
def _break(kind: str, how: str, row: dict[str, str], other: dict[str, str] | None) -> dict[str, str] | None:
    bad = dict(row)
    date_col = {"facts": None, "patents": "filing_date", "licences": "signed_on"}[kind]
    text_col = {"facts": "source", "patents": "title", "licences": "territory"}[kind]
    key_col = REQUIRED[kind][0]
    if how == "bad date" and date_col:
        bad[date_col] = "2023-13-45"
    elif how == "bad period" and kind == "facts":
        bad["period"] = "20x3"
    elif how == "bad qualifier" and kind == "facts":
        bad["qualifier"] = "maybe"
    elif how == "bad number" and kind == "facts":
        bad["value"] = "1,2,3 million"
    elif how == "missing key":
        # (a row of nothing but empty cells is a blank line, skipped as such)
        bad[key_col], bad[text_col] = "", bad[text_col] or "x"
    elif how == "duplicate" and other is not None:
        return dict(other)
    elif how == "too long":
        bad[text_col] = "x" * 4_001 if text_col in ("source", "title") else "x" * 201
    elif how == "NUL":
        bad[text_col] = "a\x00b"
    elif how == "longer once folded" and kind == "facts":
        bad["metric"] = "\u0130" * 150  # 150 characters typed, 300 once lower-cased (the stored form)
    elif how == "longer once folded" and kind == "patents":
        bad["number"] = "US " + "\ufb03" * 25  # 28 typed, a 77-character number key ("ﬃ" is FFI)
    elif how == "expires before signed" and kind == "licences":
        bad["signed_on"], bad["expires_on"] = "2024-01-01", "2023-01-01"
    else:
        return None
    return bad


BREAKS = ["missing key", "duplicate", "too long", "NUL"]
KIND_BREAKS = {"facts": ["bad period", "bad qualifier", "bad number", "longer once folded"],
               "patents": ["bad date", "longer once folded"],
               "licences": ["bad date", "expires before signed"]}
FORMAT_BREAKS = {"csv": ["too many fields", "too few fields"], "json": ["not an object"]}


@dataclass
class File:
    kind: str
    fmt: str  # csv | json
    data: bytes
    rows: int  # data rows written (before any cut)
    bad_line: int | None  # line (CSV) or record number (JSON) of the one bad row
    how: str  # "valid", a BREAKS entry, or "cut at N"

    def __repr__(self) -> str:
        return f"File({self.kind} {self.fmt}, {self.rows} rows, {self.how}, bad line {self.bad_line}: {self.data!r})"


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _csv(kind: str, rows: list[list[str]]) -> tuple[str, list[int]]:
    """The file, and the line each data row starts on (a line break inside a quoted
    cell counts, as in any editor)."""
    cols = COLUMNS[kind]
    out, starts, line = [",".join(cols) + "\n"], [], 2
    for r in rows:
        buf = io.StringIO()
        csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow(r)
        starts.append(line)
        out.append(buf.getvalue())
        line += len(_LINE_BREAK.findall(buf.getvalue()))
    return "".join(out), starts


@st.composite
def files(draw: st.DrawFn) -> File:
    d = draw(st.data())
    kind = draw(st.sampled_from(list(ROWS)))
    fmt = draw(st.sampled_from(["csv", "json"]))
    n = draw(st.integers(0, 8))
    rows: list[dict[str, str]] = []
    seen: set[tuple[Any, ...]] = set()
    for _ in range(n):
        r = ROWS[kind](d)
        if _key(kind, r) not in seen:
            seen.add(_key(kind, r))
            rows.append(r)
    shape = draw(st.sampled_from(["valid", "bad row", "cut"]))
    how, bad_at = "valid", -1  # -1: no bad row
    cols = list(COLUMNS[kind])
    if shape == "bad row":
        how = draw(st.sampled_from(BREAKS + KIND_BREAKS[kind] + FORMAT_BREAKS[fmt]))
        bad_at = draw(st.integers(0, len(rows)))
        base = ROWS[kind](d)
        if how not in ("too many fields", "too few fields", "not an object"):
            broken = _break(kind, how, base, rows[0] if rows and bad_at > 0 else None)
            if broken is None:
                how, broken = "missing key", _break(kind, "missing key", base, None)
            assert broken is not None
            rows.insert(bad_at, broken)
    cells = [[r[c] for c in cols] for r in rows]
    if fmt == "csv":
        if how == "too many fields":
            cells.insert(bad_at, [*(ROWS[kind](d)[c] for c in cols), "extra"])
        elif how == "too few fields":
            cells.insert(bad_at, [ROWS[kind](d)[c] for c in cols][:-1])
        text, starts = _csv(kind, cells)
        bad_line = starts[bad_at] if bad_at >= 0 else None
    else:
        records: list[Any] = [dict(zip(cols, c, strict=True)) for c in cells]
        if how == "not an object":
            records.insert(bad_at, draw(st.sampled_from([[1, 2], "row", 5, None])))
        text = json.dumps(draw(st.sampled_from([records, {kind: records}])), ensure_ascii=draw(st.booleans()))
        bad_line = bad_at + 1 if bad_at >= 0 else None
    data = text.encode("utf-8")
    if shape == "cut" and data:
        at = draw(st.integers(0, len(data) - 1))
        data, how = data[:at], f"cut at {at}"
    return File(kind, fmt, data, len(cells), bad_line, how)


async def _snapshot(rt: Runtime) -> tuple[Any, ...]:
    """Everything an import may change, read through the store's own functions."""
    async with rt.deps.sessions() as s:
        return (
            [await export(session=s, kind=k, fmt="json") for k in ("facts", "patents", "licences")],
            len(await fact_repo.list_facts(session=s)),
            await s.scalar(select(func.count()).select_from(Patent)),
            len(await licence_repo.list_licences(session=s)),
            await s.scalar(select(func.count()).select_from(FactChange)),
            await revision_repo.current(session=s),
        )


def _counts(snap: tuple[Any, ...]) -> dict[str, int]:
    return {"facts": snap[1], "patents": snap[2], "licences": snap[3]}


IMPORT_TIMES = SlowestCall("import (service and DM handler)")
LINE_OF = re.compile(r"^line (\d+): ")


@settings(max_examples=examples(0.6))
@given(f=files(), via=st.sampled_from(["service", "dm"]))
# found by this property: a NUL was stored on SQLite and failed the whole write on PostgreSQL
# (a DBAPIError, "store unavailable" in a DM) instead of naming its line
@example(f=File("patents", "csv", b"number,title\nUS 1000001 B1,a\x00b\n", 1, 2, "NUL"), via="service")
@example(f=File("facts", "json", b'[{"metric": "0", "value": "1", "source": "a\\u0000b"}]', 1, 1, "NUL"), via="dm")
# found by this property on PostgreSQL: a name that only passed the length check as typed
# (lower-cased metric, normalised number key) failed the whole write with a DBAPIError
@example(f=File("facts", "csv", ("metric,value\n" + "\u0130" * 150 + ",1\n").encode(), 1, 2, "longer once folded"),
         via="dm")
@example(f=File("patents", "csv", ("number,title\nUS " + "\ufb03" * 25 + ",t\n").encode(), 1, 2, "longer once folded"),
         via="service")
# found by this property: a JSON record that is not an object was reported for the whole file (line 0)
@example(f=File("patents", "json", b'[{"number": "US 1000002 B1", "title": "t"}, [1, 2]]', 2, 2, "not an object"),
         via="service")
async def test_import_applies_every_row_or_none(rt: Runtime, f: File, via: str) -> None:
    event(f"{f.fmt} {f.how.split(' at ')[0]}")
    before = await _snapshot(rt)
    filename = f"gen.{f.fmt}"
    error_lines: list[int] | None = None
    start = time.perf_counter()
    if via == "service":
        try:
            summary = await import_bytes(rt.deps, data=f.data, filename=filename,
                                                  home_subject=rt.deps.home_subject, actor="UADMIN")
        except ImportRejected as exc:
            assert exc.errors and all(str(e) for e in exc.errors)
            error_lines = [e.line for e in exc.errors]
        else:
            accepted = summary.added + summary.updated + summary.unchanged
    else:
        reply = await imports.import_file(rt.deps, Request("", user="UADMIN", is_dm=True), f.data, filename)
        assert reply.kind in (ReplyKind.DONE, ReplyKind.ERROR), reply.text  # never "store unavailable"
        if reply.kind is ReplyKind.ERROR:
            assert "nothing was written" in reply.headline and reply.lines, reply.text
            error_lines = [int(m.group(1)) if (m := LINE_OF.match(x)) else 0 for x in reply.lines]
        else:
            m = re.search(r"(\d+) added, (\d+) updated, (\d+) unchanged", reply.headline)
            assert m, reply.headline
            accepted = sum(int(x) for x in m.groups())
            summary = ImportSummary(f.kind, added=int(m.group(1)))
    IMPORT_TIMES.time(time.perf_counter() - start, f.how)
    after = await _snapshot(rt)

    if error_lines is not None:
        # none: the store is exactly as it was
        assert after == before, f"a rejected import changed the store ({f.how})"
        if f.bad_line is not None and not f.how.startswith("cut"):
            assert f.bad_line in error_lines, (f.how, f.bad_line, error_lines)
        if f.how == "valid" and not (f.fmt == "json" and f.rows == 0):  # "[]" names no kind
            raise AssertionError(f"a valid file was rejected: lines {error_lines}")
        return
    # every row: each row the file holds is accounted for, the new ones are in the store
    assert f.how == "valid" or f.how.startswith("cut"), f"a file with a bad row was accepted ({f.how})"
    read = read_records(f.data, filename=filename)
    assert accepted == len(read.rows) == (f.rows if f.how == "valid" else len(read.rows)), (accepted, f.rows)
    assert _counts(after)[read.kind] == _counts(before)[read.kind] + summary.added

