"""Bulk import/export as an operator sees it: all or nothing with every bad line
named, idempotent re-import, round trips, and real exports (Lens, Google Patents)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from bot.runtime import Runtime, running
from handlers.imports import import_bytes
from store import audit
from store.export import export
from store.imports.apply import ImportSummary
from store.imports.errors import ImportRejected
from store.imports.mapping import load_mapping
from store.models import Fact, FactChange, Licence, Patent
from store.records import FactKey, FactRecord
from tests.conftest import FIXTURES


async def _import(rt: Runtime, data: bytes, filename: str = "x.csv", **kw: object) -> ImportSummary:
    return await import_bytes(rt.deps, data=data, filename=filename,
                                       home_subject=rt.deps.home_subject, actor="UADMIN", **kw)  # type: ignore[arg-type]


async def _count(rt: Runtime, model: type) -> int:
    async with rt.deps.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def _dump(rt: Runtime, kind: str) -> str:
    async with rt.deps.sessions() as s:
        return await export(session=s, kind=kind)


async def test_one_bad_row_rejects_the_file_with_every_line_and_reason(rt: Runtime) -> None:
    csv = (
        b"number,title,jurisdiction,status,filing_date,grant_date,expiry_date,family_id,technology,owner\n"
        b"US 1000001 B1,Good one,US,granted,2014-01-02,2015-01-02,,,,A\n"
        b"US 1000002 B1,Bad date,US,granted,2014-13-45,,,,,A\n"
        b"US 1000003 B1,\"A title, with a comma\nand a second line\",US,granted,2014-01-02,,,,,A\n"
        b"US 1000004 B1,Too many,US,granted,,,,,,A,extra\n"
        b"us1000001b1,Same number spelt differently,US,,,,,,,\n"
        b",No number,US,,,,,,,\n"
    )
    before = await _count(rt, Patent)
    with pytest.raises(ImportRejected) as err:
        await _import(rt, csv)
    found = {e.line: e.reason for e in err.value.errors}
    assert set(found) == {3, 6, 7, 8}
    assert "2014-13-45" in found[3] and "not a date" in found[3]
    assert "fields" in found[6]
    assert "duplicate of line 2" in found[7]
    assert "number" in found[8]
    assert await _count(rt, Patent) == before


async def test_bad_fact_values_and_wrong_header_are_refused(rt: Runtime) -> None:
    facts = (
        b"subject,metric,period,value,unit,qualifier,source\n"
        b"Huawei,licensing revenue,2031,US$700 million,,,AR\n"
        b"Huawei,r&d spending,20x3,1 billion yuan,,,AR\n"
        b"Huawei,valid patents,2031,lots,count,,AR\n"
        b"Huawei,companies licensed,2031,over 400,,maybe,AR\n"
    )
    with pytest.raises(ImportRejected) as err:
        await _import(rt, facts)
    lines = {e.line: e.reason for e in err.value.errors}
    assert set(lines) == {3, 4, 5}
    assert "not a year" in lines[3] and "not a number" in lines[4] and "qualifier" in lines[5]
    with pytest.raises(ImportRejected) as err:
        await _import(rt, b"name,colour\nx,y\n")
    assert "expected one of" in str(err.value.errors[0])
    assert await _count(rt, FactChange) == 0


async def test_reimport_changes_nothing_and_export_round_trips(rt: Runtime, settings: object) -> None:
    for name in ("facts.csv", "licences.csv", "patents.csv"):
        first = await _import(rt, (FIXTURES / name).read_bytes(), name)
        assert first.added > 0 and first.rejected == 0
        again = await _import(rt, (FIXTURES / name).read_bytes(), name)
        assert (again.added, again.updated, again.unchanged) == (0, 0, first.added + first.updated + first.unchanged)
    exported = {k: await _dump(rt, k) for k in ("facts", "licences", "patents")}
    # the exports re-imported into the same store change nothing …
    for kind, text in exported.items():
        s = await _import(rt, text.encode(), f"{kind}.csv")
        assert s.added == s.updated == 0, kind
    # … and into an empty one give an identical store (JSON as well as CSV)
    async with rt.deps.sessions() as session, session.begin():
        for model in (Fact, Licence, Patent):
            await session.execute(delete(model))
    await _import(rt, exported["facts"].encode(), "facts.csv")
    await _import(rt, exported["licences"].encode(), "licences.csv")
    await _import(rt, json.dumps(list(_csv_records(exported["patents"]))).encode(), "patents.json")
    for kind, text in exported.items():
        assert await _dump(rt, kind) == text, kind


def _csv_records(text: str) -> list[dict[str, str]]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(text)))


async def test_imported_facts_are_in_the_audit_log(rt: Runtime) -> None:
    await _import(rt, (FIXTURES / "facts.csv").read_bytes(), "facts.csv")
    async with rt.deps.sessions() as s:
        rows = await audit.history(session=s, kind="fact", metric="licensing revenue")
    assert [(r.action, r.actor, r.key) for r in rows] == [
        ("import", "UADMIN", FactKey("Huawei", "licensing revenue", "2023"))]
    assert rows[0].before is None
    assert isinstance(rows[0].after, FactRecord) and rows[0].after.numeric == 630e6


async def test_dry_run_reports_and_writes_nothing(rt: Runtime) -> None:
    s = await _import(rt, (FIXTURES / "patents.csv").read_bytes(), "patents.csv", dry_run=True)
    assert s.added == 10 and "dry run" in str(s)
    assert await _count(rt, Patent) == 0


async def test_latin1_when_named_bom_and_extra_columns(rt: Runtime) -> None:
    text = ("licensee,licensor,kind,technology,signed_on,expires_on,territory,status,comment\n"
            "Télécom Sàrl,Huawei,licence,Wi-Fi,2023-02-01,,Europe,active,ours\n")
    latin = await _import(rt, text.encode("latin-1"), encoding="latin-1")
    assert latin.added == 1 and latin.warnings == ["ignored columns: comment"]
    assert str(latin).endswith("; read as latin-1")
    bom = await _import(rt, b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert (bom.added, bom.unchanged) == (0, 1)  # the same licensee, read the same way
    async with rt.deps.sessions() as s:
        assert (await s.scalar(select(Licence.licensee))) == "Télécom Sàrl"


async def test_lens_export_maps_onto_patents(rt: Runtime) -> None:
    data = (FIXTURES / "lens_sample.csv").read_bytes()
    s = await _import(rt, data, "lens_sample.csv", mapping=load_mapping("lens"))
    assert (s.added, s.rejected) == (4, 0)
    assert any("Lens ID" in w for w in s.warnings)
    async with rt.deps.sessions() as session:
        pats = {p.number: p for p in (await session.scalars(select(Patent))).all()}
    us = pats["US 9999001 B2"]
    assert (us.status, us.filing_date.isoformat(), us.grant_date.isoformat()) == (  # type: ignore[union-attr]
        "granted", "2014-05-12", "2016-03-08")
    assert us.owner == "EXAMPLE MOTORS INC; EXAMPLE LABS LLC"
    assert us.technology == "B60W30/12; B62D15/025; G05D1/0088"
    de = pats["DE 102015000002 A1"]
    assert (de.status, de.grant_date, de.title) == ("published", None, "Spurhalteassistent für autonome Fahrzeuge")
    assert pats["CN 100000003 C"].status == "granted"
    assert pats["WO 2017/000004 A1"].title == "Parking a vehicle\nwithout a driver"
    # a file DMed to the bot has no --map: the Lens header is recognised
    again = await _import(rt, data, "lens_sample.csv")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)


async def test_google_export_after_lens_keeps_what_google_lacks(rt: Runtime) -> None:
    await _import(rt, (FIXTURES / "lens_sample.csv").read_bytes(), mapping=load_mapping("lens"))
    g = await _import(rt, (FIXTURES / "google_sample.csv").read_bytes(),
                      mapping=load_mapping("google-patents"))
    assert (g.added, g.updated) == (2, 1)
    async with rt.deps.sessions() as session:
        pats = {p.number: p for p in (await session.scalars(select(Patent))).all()}
    us = pats["US 9999001 B2"]
    assert us.owner == "Example Motors Inc."  # Google's assignee
    assert us.technology.startswith("B60W30/12")  # Lens's CPC classes survive
    assert pats["US 20170000005 A1"].status == "published"
    assert pats["EP 3000006 B1"].grant_date.isoformat() == "2018-09-12"  # type: ignore[union-attr]


async def test_a_users_mapping_file(rt: Runtime, tmp_path: Path) -> None:
    m = tmp_path / "map.json"
    m.write_text(json.dumps({"Patent no": "number", "Name": "title", "Filed": "filing_date"}))
    data = b"Patent no,Name,Filed,Notes\nUS 1234567 B1,Widget,2012-03-04,x\n"
    s = await _import(rt, data, mapping=load_mapping(str(m)))
    assert s.added == 1 and any("Notes" in w for w in s.warnings)
    m.write_text(json.dumps({"Patent no": "numbr"}))
    with pytest.raises(ImportRejected) as err:
        load_mapping(str(m))
    assert "numbr" in str(err.value)


async def test_import_is_visible_to_another_replica(rt: Runtime, settings: object) -> None:
    async with running(settings) as other:  # type: ignore[arg-type]
        await _import(rt, (FIXTURES / "licences.csv").read_bytes(), "licences.csv")
        assert await other.deps.index.refresh(other.deps.sessions)
        assert {lc.licensee for lc in other.deps.index.licences.licences} >= {"Nokia", "Ericsson"}


async def test_a_partial_facts_file_updates_value_unit_and_keeps_the_source(rt: Runtime) -> None:
    s = await _import(rt, b"metric,period,value,note\nlicensing revenue,2022,4 billion yuan,typo fixed\n")
    assert (s.added, s.updated) == (0, 1) and s.warnings == ["ignored columns: note"]
    async with rt.deps.sessions() as session:
        f = await session.scalar(select(Fact).where(Fact.metric == "licensing revenue", Fact.period == "2022"))
    assert f is not None
    assert (f.value, f.unit, f.qualifier, f.source) == ("4 billion yuan", "CNY", "", "Huawei 2022 annual report")
