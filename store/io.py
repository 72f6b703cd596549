"""Bulk import and export of facts, patents and licences (CSV or JSON).

Import is all-or-nothing: every row is validated first and one bad row rejects
the file with each offending line and its reason; only a clean file is written,
in one transaction, upserting by natural key so re-importing changes nothing."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store import revisions as revision_repo
from store.keys import number_key
from store.models import Fact, Licence, Patent
from store.values import BadValue, parse_value

FACT_COLUMNS = ("subject", "metric", "period", "value", "unit", "qualifier", "source")
PATENT_COLUMNS = (
    "number", "title", "jurisdiction", "status", "filing_date", "grant_date", "expiry_date",
    "family_id", "technology", "owner",
)
LICENCE_COLUMNS = ("licensee", "licensor", "kind", "technology", "signed_on", "expires_on", "territory", "status")
COLUMNS = {"facts": FACT_COLUMNS, "patents": PATENT_COLUMNS, "licences": LICENCE_COLUMNS}
REQUIRED = {"facts": ("metric", "value"), "patents": ("number",), "licences": ("licensee",)}
DATE_COLUMNS = {"filing_date", "grant_date", "expiry_date", "signed_on", "expires_on"}
QUALIFIERS = {"", "over", "almost", "about", "exact"}

# a bar is only worth drawing for files this large
PROGRESS_THRESHOLD = 5000


class ImportRejected(Exception):
    def __init__(self, errors: list[RowError], kind: str | None = None) -> None:
        self.errors = errors
        self.kind = kind
        super().__init__("; ".join(str(e) for e in errors[:5]))


@dataclass(frozen=True)
class RowError:
    line: int  # 1-based line in the file (0: the file as a whole)
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}" if self.line else self.reason


@dataclass
class ImportSummary:
    kind: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        head = f"{self.kind}: {self.added} added, {self.updated} updated, {self.unchanged} unchanged, " \
               f"{self.rejected} rejected"
        return f"{head} (dry run: nothing written)" if self.dry_run else head


# ---- reading ---------------------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then latin-1, which every byte string is."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


Mapping = Callable[[dict[str, str]], dict[str, str]]


@dataclass
class RawRecords:
    kind: str
    rows: list[tuple[int, dict[str, str]]]
    warnings: list[str]


def detect_kind(columns: Iterable[str]) -> str | None:
    cols = {c.strip().lower() for c in columns if c}
    for kind, wanted in COLUMNS.items():
        if set(REQUIRED[kind]) <= cols and len(cols & set(wanted)) >= max(2, len(wanted) // 2):
            return kind
    return None


def read_csv(text: str, *, skip_lines: int = 0) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Rows keyed by header with the line each row starts on (quoted fields may span
    lines, so csv's own line counter is used rather than enumerate)."""
    lines = text.splitlines(keepends=True)[skip_lines:]
    reader = csv.reader(io.StringIO("".join(lines)))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportRejected([RowError(0, "the file is empty")]) from None
    except csv.Error as exc:
        raise ImportRejected([RowError(1 + skip_lines, f"unreadable CSV header: {exc}")]) from None
    header = [h.strip() for h in header]
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[RowError] = []
    start = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(RowError(start + skip_lines, f"unreadable CSV: {exc}"))
            break
        line = start + skip_lines
        start = reader.line_num + 1
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            errors.append(RowError(line, f"{len(values)} fields but the header has {len(header)}"))
            continue
        rows.append((line, {h: (values[i] if i < len(values) else "") for i, h in enumerate(header)}))
    if errors:
        raise ImportRejected(errors)
    return header, rows


def read_json(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRejected([RowError(exc.lineno, f"not valid JSON: {exc.msg}")]) from None
    if isinstance(data, dict):
        # {"facts": [...]} or {"records": [...]}
        lists = [v for v in data.values() if isinstance(v, list)]
        data = lists[0] if len(lists) == 1 else None
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ImportRejected([RowError(0, "JSON must be a list of objects (one per record)")])
    header: list[str] = []
    for r in data:
        for k in r:
            if k not in header:
                header.append(k)
    # JSON records have no line of their own; number them as records 1..n
    rows = [(i + 1, {k: "" if v is None else str(v) for k, v in r.items()}) for i, r in enumerate(data)]
    return header, rows


def read_records(data: bytes, *, filename: str = "", mapping: Mapping | None = None,
                 skip_lines: int = 0) -> RawRecords:
    text = decode(data)
    is_json = filename.lower().endswith(".json") or text.lstrip()[:1] in ("[", "{")
    header, rows = read_json(text) if is_json else read_csv(text, skip_lines=skip_lines)
    warnings: list[str] = []
    if mapping is not None:
        rows = [(line, mapping(r)) for line, r in rows]
        header = list(rows[0][1]) if rows else []
    kind = detect_kind(header)
    if kind is None:
        raise ImportRejected([RowError(1 + skip_lines, (
            "the header does not match facts, patents or licences; expected one of: "
            + " | ".join(",".join(c) for c in COLUMNS.values())
        ))])
    extra = [h for h in header if h.strip().lower() not in COLUMNS[kind]]
    if extra:
        warnings.append(f"ignored columns: {', '.join(extra)}")
    norm_rows = [
        (line, {k.strip().lower(): (v or "").strip() for k, v in r.items() if k and k.strip().lower()
                in COLUMNS[kind]})
        for line, r in rows
    ]
    return RawRecords(kind, norm_rows, warnings)


# ---- validating ------------------------------------------------------------------


def parse_date(value: str) -> date | None:
    v = value.strip()
    if not v:
        return None
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y/%m/%d", "%m/%d/%Y", "%m/%d/%y", "%d.%m.%Y", "%Y%m%d"):
        try:
            return datetime.strptime(v, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"“{value}” is not a date (use YYYY-MM-DD)")


def parse_number(value: str) -> float | None:
    v = value.strip().replace(",", "")
    if not v:
        return None
    try:
        num = float(v)
    except ValueError:
        raise ValueError(f"“{value}” is not a number") from None
    if not math.isfinite(num):
        raise ValueError(f"“{value}” is not a finite number")
    return num


def _validate_fact(r: dict[str, str]) -> dict[str, Any]:
    from_value = _value_parser(r["value"]) if r.get("value") else None
    period = r.get("period", "")
    m = re.fullmatch(r"(?:fy\s*)?((?:19|20)\d\d)", period, re.I)
    if period and not m:
        raise ValueError(f"period “{period}” is not a year (use e.g. 2023, or leave it empty)")
    qualifier = r.get("qualifier", "").lower()
    if qualifier not in QUALIFIERS:
        raise ValueError(f"qualifier “{qualifier}” must be one of over, almost, about or empty")
    unit = r.get("unit", "") or (from_value[2] if from_value else "")
    numeric = from_value[1] if from_value else None
    return {
        "subject": r.get("subject") or "Huawei",
        "metric": " ".join(r["metric"].lower().split()),
        "period": m.group(1) if m else "",
        "value": r["value"],
        "numeric": numeric,
        "unit": unit,
        "qualifier": "" if qualifier == "exact" else (qualifier or (from_value[3] if from_value else "")),
        "source": r.get("source", ""),
    }


def _value_parser(value: str) -> tuple[str, float | None, str, str]:
    try:
        pv = parse_value(value)
    except BadValue as exc:
        raise ValueError(str(exc)) from None
    return pv.value, pv.numeric, pv.unit, pv.qualifier


def _validate_patent(r: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {c: r.get(c, "") for c in PATENT_COLUMNS}
    for c in ("filing_date", "grant_date", "expiry_date"):
        out[c] = parse_date(out[c])
    out["number"] = " ".join(out["number"].split())
    out["number_key"] = number_key(out["number"])
    if not out["number_key"]:
        raise ValueError("number is empty")
    return out


def _validate_licence(r: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {c: r.get(c, "") for c in LICENCE_COLUMNS}
    out["licensor"] = out["licensor"] or "Huawei"
    for c in ("signed_on", "expires_on"):
        out[c] = parse_date(out[c])
    if out["signed_on"] and out["expires_on"] and out["expires_on"] < out["signed_on"]:
        raise ValueError("expires_on is before signed_on")
    return out


_VALIDATORS = {"facts": _validate_fact, "patents": _validate_patent, "licences": _validate_licence}


def natural_key(kind: str, row: dict[str, Any]) -> tuple[Any, ...]:
    if kind == "facts":
        return (row["subject"], row["metric"], row["period"])
    if kind == "patents":
        return (row["number_key"],)
    return (row["licensee"], row["licensor"], row["signed_on"])


def validate(raw: RawRecords) -> list[dict[str, Any]]:
    errors: list[RowError] = []
    out: list[dict[str, Any]] = []
    seen: dict[tuple[Any, ...], int] = {}
    for line, r in raw.rows:
        missing = [c for c in REQUIRED[raw.kind] if not r.get(c)]
        if missing:
            errors.append(RowError(line, f"missing {', '.join(missing)}"))
            continue
        try:
            row = _VALIDATORS[raw.kind](r)
        except ValueError as exc:
            errors.append(RowError(line, str(exc)))
            continue
        k = natural_key(raw.kind, row)
        if k in seen:
            errors.append(RowError(line, f"duplicate of line {seen[k]} ({', '.join(str(x) for x in k)})"))
            continue
        seen[k] = line
        out.append(row)
    if errors:
        raise ImportRejected(errors, raw.kind)
    return out


# ---- writing ---------------------------------------------------------------------

_MODELS: dict[str, Any] = {"facts": Fact, "patents": Patent, "licences": Licence}


def _comparable(kind: str, obj: Any) -> dict[str, Any]:
    cols = COLUMNS[kind] + (("numeric",) if kind == "facts" else ())
    return {c: getattr(obj, c) if not isinstance(obj, dict) else obj.get(c) for c in cols}


async def apply(
    *,
    session: AsyncSession,
    kind: str,
    rows: list[dict[str, Any]],
    actor: str = "import",
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Upsert validated rows by natural key. The caller owns the transaction."""
    model = _MODELS[kind]
    summary = ImportSummary(kind, dry_run=dry_run)
    existing: dict[tuple[Any, ...], Any] = {}
    for obj in (await session.scalars(select(model))).all():
        existing[natural_key(kind, {**_comparable(kind, obj), "number_key": getattr(obj, "number_key", "")})] = obj
    to_insert: list[dict[str, Any]] = []
    to_update: list[dict[str, Any]] = []
    now = datetime.now().astimezone()
    for i, row in enumerate(rows):
        old = existing.get(natural_key(kind, row))
        if old is None:
            to_insert.append(row)
        elif _comparable(kind, old) != _comparable(kind, row):
            to_update.append({"id": old.id, **row})
        else:
            summary.unchanged += 1
        if progress and i % 1000 == 999:
            progress(1000)
    summary.added, summary.updated = len(to_insert), len(to_update)
    if dry_run or not (to_insert or to_update):
        return summary
    if kind == "facts":
        for r in to_insert + to_update:
            r.setdefault("updated_by", actor)
            r["updated_at"] = now
    for start in range(0, len(to_insert), 5000):
        await session.execute(insert(model), to_insert[start : start + 5000])
    if to_update:
        await session.execute(update(model), to_update)
    await revision_repo.bump(session=session, kind=kind)
    return summary


# ---- exporting -------------------------------------------------------------------


def _cell(v: Any) -> Any:
    if isinstance(v, date):
        return v.isoformat()
    return "" if v is None else v


async def export(*, session: AsyncSession, kind: str, fmt: str = "csv") -> str:
    model = _MODELS[kind]
    order = {"facts": (Fact.subject, Fact.metric, Fact.period), "patents": (Patent.number,),
             "licences": (Licence.licensee, Licence.signed_on)}[kind]
    objs = (await session.scalars(select(model).order_by(*order))).all()
    cols = COLUMNS[kind]
    records = [{c: _cell(getattr(o, c)) for c in cols} for o in objs]
    if fmt == "json":
        return json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(cols), lineterminator="\n")
    w.writeheader()
    w.writerows(records)
    return buf.getvalue()
