"""Bulk import and export of facts, patents and licences (CSV or JSON).

Import is all-or-nothing: every row is validated first and one bad row rejects
the file with each offending line and its reason; only a clean file is written,
in one transaction, upserting by natural key so re-importing changes nothing."""

from __future__ import annotations

import asyncio
import codecs
import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store import audit, safe_text
from store import events as event_repo
from store import revisions as revision_repo
from store.keys import number_key
from store.models import Fact, FactChange, Licence, Patent
from store.values import QUALIFIERS as VALUE_QUALIFIERS
from store.values import BadValue, parse_period, parse_value

FACT_COLUMNS = ("subject", "metric", "period", "value", "unit", "qualifier", "source")
PATENT_COLUMNS = (
    "number", "title", "jurisdiction", "status", "filing_date", "grant_date", "expiry_date",
    "family_id", "technology", "owner",
)
LICENCE_COLUMNS = ("licensee", "licensor", "kind", "technology", "signed_on", "expires_on", "territory", "status")
COLUMNS = {"facts": FACT_COLUMNS, "patents": PATENT_COLUMNS, "licences": LICENCE_COLUMNS}
REQUIRED = {"facts": ("metric", "value"), "patents": ("number",), "licences": ("licensee",)}
# held to store/safe_text.py's look-alike rule as well (no Latin+Cyrillic in a word)
NAME_COLUMNS = {"facts": frozenset({"subject", "metric", "unit"}),
                "patents": frozenset({"owner", "jurisdiction", "status"}),
                "licences": frozenset({"licensee", "licensor", "kind", "technology", "territory", "status"})}
DATE_COLUMNS = {"filing_date", "grant_date", "expiry_date", "signed_on", "expires_on"}
QUALIFIERS = {"", *VALUE_QUALIFIERS, "exact"}

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
    # what the file was read as ('' when it was not read)
    encoding: str = ""

    def __str__(self) -> str:
        head = f"{self.kind}: {self.added} added, {self.updated} updated, {self.unchanged} unchanged, " \
               f"{self.rejected} rejected"
        if self.encoding:
            head += f"; read as {self.encoding}"
        return f"{head} (dry run: nothing written)" if self.dry_run else head


# ---- reading ---------------------------------------------------------------------


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The file's text and the name of the encoding it was read with: UTF-8 (with
    or without BOM) unless `encoding` is given. Bytes that are not valid in that
    encoding reject the file with their line: nothing is guessed (latin-1 would
    read any bytes at all, turning a UTF-8 file cut mid-character into wrong names)."""
    if encoding is None:
        codec, label = "utf-8-sig", "UTF-8"
    else:
        try:
            codec, label = codecs.lookup(encoding).name, encoding
        except LookupError:
            raise ImportRejected([RowError(0, f"--encoding {encoding}: not an encoding Python knows "
                                              "(e.g. utf-8, latin-1, cp1252, gb18030)")]) from None
    try:
        return data.decode(codec), label
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start:exc.end][:4].hex(" ").upper()
        hint = ("save the file as UTF-8, or name the encoding it is in: ipbot import --encoding latin-1 FILE"
                if encoding is None else "check the file's encoding")
        raise ImportRejected([RowError(line, f"the file is not {label}: bytes {bad} cannot be read as {label}; "
                                             f"{hint}")]) from None


Mapping = Callable[[dict[str, str]], dict[str, str]]


@dataclass
class RawRecords:
    kind: str
    rows: list[tuple[int, dict[str, str]]]
    warnings: list[str]
    # our columns the file actually provides; an update leaves the others as stored,
    # so a Google Patents export (no CPC classes) does not blank what Lens filled in
    columns: frozenset[str] | None = None
    # lines already known to be bad when read (too many or too few fields)
    errors: list[RowError] = field(default_factory=list)
    encoding: str = "UTF-8"


def detect_kind(columns: Iterable[str]) -> str | None:
    cols = {c.strip().lower() for c in columns if c}
    for kind, wanted in COLUMNS.items():
        if set(REQUIRED[kind]) <= cols and len(cols & set(wanted)) >= max(2, len(wanted) // 2):
            return kind
    # a partial file ("number,title,filing_date" from a user's mapping): the one kind
    # whose key it has (other columns are ignored with a warning)
    fits = [k for k, wanted in COLUMNS.items() if set(REQUIRED[k]) <= cols and len(cols & set(wanted)) >= 2]
    return fits[0] if len(fits) == 1 else None


_BAD_SHAPE = "\x00wrong number of fields"


def read_csv(text: str, *, skip_lines: int = 0) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Rows keyed by header with the line each row starts on (quoted fields may span
    lines, so csv's own line counter is used rather than enumerate)."""
    if text.lower().startswith("search url:"):
        # Google Patents puts the query URL on a line of its own before the header
        skip_lines = max(skip_lines, 1)
    pos = 0
    for _ in range(skip_lines):
        nl = text.find("\n", pos)
        pos = len(text) if nl < 0 else nl + 1
    # only "\n" ends a line here: latin-1 text may hold \x85, which str.splitlines treats as a break
    reader = csv.reader(io.StringIO(text[pos:], newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportRejected([RowError(0, "the file is empty")]) from None
    except csv.Error as exc:
        raise ImportRejected([RowError(1 + skip_lines, f"unreadable CSV header: {exc}")]) from None
    header = [h.strip() for h in header]
    skip_lines = skip_lines if pos else 0
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
        if len(values) != len(header):
            # too many fields, or too few (a file cut off mid-row must not be padded with
            # empty fields and stored): reported with the validation errors, so one run
            # names every bad line
            rows.append((line, {_BAD_SHAPE: f"{len(values)} fields but the header has {len(header)}"}))
            continue
        rows.append((line, dict(zip(header, values, strict=True))))
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
    if not isinstance(data, list):
        raise ImportRejected([RowError(0, "JSON must be a list of objects (one per record)")])
    # a record that is not an object is named by its number, like any other bad record
    not_objects = [RowError(i + 1, "not an object; JSON must be a list of objects (one per record)")
                   for i, r in enumerate(data) if not isinstance(r, dict)]
    if not_objects:
        raise ImportRejected(not_objects)
    header: list[str] = []
    for r in data:
        for k in r:
            if k not in header:
                header.append(k)
    # JSON records have no line of their own; number them as records 1..n
    rows = [(i + 1, {k: "" if v is None else str(v) for k, v in r.items()}) for i, r in enumerate(data)]
    return header, rows


# ---- column mappings for other tools' exports --------------------------------------


@dataclass(frozen=True)
class ColumnMap:
    """How another tool's export becomes our patent/fact/licence columns."""

    name: str
    convert: Mapping
    used: frozenset[str]  # their columns the conversion reads (the rest are reported as ignored)
    provides: frozenset[str] | None = None  # our columns it fills (None: every column)


def _split_list(value: str, sep: str = ";;", limit: int | None = None) -> list[str]:
    items = [x.strip() for x in value.split(sep) if x.strip()]
    return items[:limit] if limit else items


def _fit(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


GRANT_KINDS = re.compile(r"^[BC]\d?$")


def _lens(r: dict[str, str]) -> dict[str, str]:
    """Lens.org: no family id; dates m/d/yy; Kind B*/C* is a grant, A* a publication."""
    kind = r.get("Kind", "").strip().upper()
    # cells are length-checked only later (validate): no pattern sees an uncut one
    granted = len(kind) <= 2 and bool(GRANT_KINDS.match(kind))
    status = "granted" if granted else "published" if kind.startswith("A") else ""
    return {
        "number": r.get("Publication Number", ""),
        "title": r.get("Title", ""),
        "jurisdiction": r.get("Jurisdiction", ""),
        "status": status,
        "filing_date": r.get("Application Date", ""),
        "grant_date": r.get("Publication Date", "") if granted else "",
        "expiry_date": "",
        "family_id": "",
        "technology": _fit("; ".join(_split_list(r.get("CPC Classifications", ""), limit=3)), 200),
        "owner": _fit("; ".join(_split_list(r.get("Applicants", ""))), 300),
    }


_PUB_NUMBER = re.compile(r"^([A-Z]{2})(\d+)([A-Z]\d?)$")


def _google(r: dict[str, str]) -> dict[str, str]:
    """Google Patents: 'US5686888A' -> 'US 5686888 A'; priority date not used."""
    pid = r.get("id", "").strip()
    m = _PUB_NUMBER.match(pid.replace("-", "")) if len(pid) <= 60 else None
    number = f"{m.group(1)} {m.group(2)} {m.group(3)}" if m else pid
    grant = r.get("grant date", "").strip()
    return {
        "number": number,
        "title": r.get("title", "").strip(),
        "jurisdiction": m.group(1) if m else pid[:2],
        "status": "granted" if grant else "published",
        "filing_date": r.get("filing/creation date", ""),
        "grant_date": grant,
        "expiry_date": "",
        "family_id": "",
        "technology": "",
        "owner": _fit(r.get("assignee", "").strip(), 300),
    }


MAPPINGS: dict[str, ColumnMap] = {
    "lens": ColumnMap("lens", _lens, frozenset((
        "Publication Number", "Title", "Jurisdiction", "Applicants", "Application Date", "Publication Date",
        "Kind", "CPC Classifications")),
        frozenset(PATENT_COLUMNS) - {"expiry_date", "family_id"}),
    "google-patents": ColumnMap("google-patents", _google, frozenset((
        "id", "title", "assignee", "filing/creation date", "grant date")),
        frozenset(PATENT_COLUMNS) - {"expiry_date", "family_id", "technology"}),
}


def mapping_from_json(spec: dict[str, Any], name: str = "mapping") -> ColumnMap:
    """A user's own mapping: {"their column": "our column", …}."""
    if not spec or not all(isinstance(k, str) and isinstance(v, str) for k, v in spec.items()):
        raise ImportRejected([RowError(0, f"{name}: a mapping file is a JSON object "
                                          '{"their column": "our column", …}')])
    ours = {c for cols in COLUMNS.values() for c in cols}
    unknown = sorted(v for v in spec.values() if v.strip().lower() not in ours)
    if unknown:
        raise ImportRejected([RowError(0, f"{name}: {', '.join(unknown)} is not one of our columns: "
                                          + ", ".join(sorted(ours)))])
    pairs = [(k, v.strip().lower()) for k, v in spec.items()]
    return ColumnMap(name, lambda r: {ours_: r.get(theirs, "") for theirs, ours_ in pairs}, frozenset(spec),
                     frozenset(v for _, v in pairs))


def load_mapping(name_or_path: str) -> ColumnMap:
    """`lens`, `google-patents`, or the path of a JSON mapping file."""
    if name_or_path.lower() in MAPPINGS:
        return MAPPINGS[name_or_path.lower()]
    path = Path(name_or_path)
    try:
        spec = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ImportRejected([RowError(0, f"--map {name_or_path}: not lens, google-patents or a readable "
                                          f"JSON file ({exc.strerror})")]) from None
    except json.JSONDecodeError as exc:
        raise ImportRejected([RowError(0, f"--map {name_or_path}: not valid JSON ({exc.msg})")]) from None
    return mapping_from_json(spec, path.name)


def guess_mapping(header: Iterable[str]) -> ColumnMap | None:
    """Recognise a Lens or Google Patents export by its header, so a file DMed to
    the bot needs no option."""
    cols = {h.strip() for h in header}
    if {"Lens ID", "Publication Number", "Kind"} <= cols:
        return MAPPINGS["lens"]
    if {"id", "assignee", "grant date", "filing/creation date"} <= cols:
        return MAPPINGS["google-patents"]
    return None


def read_records(data: bytes, *, filename: str = "", mapping: ColumnMap | Mapping | None = None,
                 skip_lines: int = 0, encoding: str | None = None) -> RawRecords:
    text, used = decode(data, encoding)
    is_json = filename.lower().endswith(".json") or text.lstrip()[:1] in ("[", "{")
    header, rows = read_json(text) if is_json else read_csv(text, skip_lines=skip_lines)
    warnings: list[str] = []
    read_errors = [RowError(line, r[_BAD_SHAPE]) for line, r in rows if _BAD_SHAPE in r]
    if read_errors:
        rows = [(line, r) for line, r in rows if _BAD_SHAPE not in r]
    if mapping is None and detect_kind(header) is None:
        mapping = guess_mapping(header)
    provides: frozenset[str] | None = None
    if mapping is not None:
        convert = mapping.convert if isinstance(mapping, ColumnMap) else mapping
        if isinstance(mapping, ColumnMap):
            missing = sorted(mapping.used - set(header))
            if missing and len(missing) == len(mapping.used):
                raise ImportRejected([RowError(1 + skip_lines, (
                    f"this file has none of the columns the {mapping.name} mapping reads "
                    f"({', '.join(sorted(mapping.used))})"))])
            if missing:
                warnings.append(f"{mapping.name} mapping: columns not in the file: {', '.join(missing)}")
            ignored = [h for h in header if h and h not in mapping.used]
            if ignored:
                warnings.append(f"ignored columns: {', '.join(ignored)}")
            provides = mapping.provides
        rows = [(line, convert(r)) for line, r in rows]
        header = list(rows[0][1]) if rows else list(convert({}))
    kind = detect_kind(header)
    if kind is None:
        raise ImportRejected([RowError(1 + skip_lines, (
            "the header does not match facts, patents or licences; expected one of: "
            + " | ".join(",".join(c) for c in COLUMNS.values())
            + " (for a Lens or Google Patents export use --map lens or --map google-patents)"
        ))])
    extra = [h for h in header if h.strip().lower() not in COLUMNS[kind]]
    if extra:
        warnings.append(f"ignored columns: {', '.join(extra)}")
    # the header is normalised once, not once per row (120k rows)
    keep = [(k, k.strip().lower()) for k in header if k and k.strip().lower() in COLUMNS[kind]]
    # a CSV cell escaped against formula injection by export gets its value back
    unescape = (lambda v: v) if is_json else unescape_cell
    norm_rows = [(line, {ours: unescape((r.get(k) or "").strip()) for k, ours in keep}) for line, r in rows]
    given = frozenset(h.strip().lower() for h in header) & frozenset(COLUMNS[kind])
    columns = given if provides is None else provides & frozenset(COLUMNS[kind])
    return RawRecords(kind, norm_rows, warnings, None if columns == frozenset(COLUMNS[kind]) else columns,
                      read_errors, used)


# ---- validating ------------------------------------------------------------------


def parse_date(value: str) -> date | None:
    v = value.strip()
    if not v:
        return None
    if len(v) == 10 and v[4] == "-":
        # the export format, and most of a large file: skip the strptime attempts
        try:
            return date.fromisoformat(v)
        except ValueError:
            pass
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y/%m/%d", "%m/%d/%Y", "%m/%d/%y", "%d.%m.%Y", "%Y%m%d"):
        try:
            return datetime.strptime(v, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"“{value}” is not a date (use YYYY-MM-DD)")


def _validate_fact(r: dict[str, str], home: str) -> dict[str, Any]:
    from_value = _value_parser(r["value"]) if r.get("value") else None
    period = r.get("period", "")
    year = parse_period(period) if period else ""
    if year is None:
        raise ValueError(f"period “{period}” is not a year (use e.g. 2023, or leave it empty)")
    qualifier = r.get("qualifier", "").lower()
    if qualifier not in QUALIFIERS:
        raise ValueError(f"qualifier “{qualifier}” must be one of over, almost, about or empty")
    unit = r.get("unit", "") or (from_value[2] if from_value else "")
    numeric = from_value[1] if from_value else None
    if numeric is None and unit not in ("", "text"):
        raise ValueError(f"value “{r['value']}” is not a number but unit is {unit}")
    metric = " ".join(r["metric"].lower().split())
    if len(metric) > (limit := _max_lengths("facts")["metric"]):
        # lower-casing can lengthen a name ("İ" is two characters in lower case)
        raise ValueError(f"metric is longer than {limit} characters once lower-cased")
    return {
        "subject": r.get("subject") or home,
        "metric": metric,
        "period": year,
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


def _validate_patent(r: dict[str, str], home: str) -> dict[str, Any]:
    out: dict[str, Any] = {c: r.get(c, "") for c in PATENT_COLUMNS}
    for c in ("filing_date", "grant_date", "expiry_date"):
        out[c] = parse_date(out[c])
    out["number"] = " ".join(out["number"].split())
    out["number_key"] = number_key(out["number"])
    if not out["number_key"]:
        raise ValueError("number is empty")
    if len(out["number_key"]) > (limit := _max_lengths("patents")["number"]):
        # the key folds look-alikes, and can lengthen the number ("ﬃ" is FFI)
        raise ValueError(f"number is longer than {limit} characters once normalised")
    return out


def _validate_licence(r: dict[str, str], home: str) -> dict[str, Any]:
    out: dict[str, Any] = {c: r.get(c, "") for c in LICENCE_COLUMNS}
    out["licensor"] = out["licensor"] or home
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


_MAX_LENGTHS: dict[str, dict[str, int]] = {}
# free-text columns (a fact's value and source, a patent's title) have no database
# limit; this one keeps a 60 KB title out of every index rebuild (README: Safety limits)
MAX_FREE_TEXT = 4000
MAX_DATE = 40


def _max_lengths(kind: str) -> dict[str, int]:
    """Column limits from the models: PostgreSQL enforces them, so a too-long cell
    must be a line-numbered error rather than a failed transaction. Checked before
    any value is parsed."""
    if kind not in _MAX_LENGTHS:
        table = _MODELS[kind].__table__
        _MAX_LENGTHS[kind] = {
            c.name: getattr(c.type, "length", None) or (MAX_DATE if c.name in DATE_COLUMNS else MAX_FREE_TEXT)
            for c in table.columns if c.name in COLUMNS[kind]
        }
    return _MAX_LENGTHS[kind]


def validate(raw: RawRecords, *, home_subject: str,
             progress: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """Check every row; a fact without a subject and a licence without a licensor
    belong to `home_subject` (IPBOT_HOME_SUBJECT). Raises ImportRejected with every
    bad line."""
    errors: list[RowError] = list(raw.errors)
    out: list[dict[str, Any]] = []
    seen: dict[tuple[Any, ...], int] = {}
    limits = _max_lengths(raw.kind)
    names = NAME_COLUMNS[raw.kind]
    for i, (line, r) in enumerate(raw.rows):
        if progress and i % 1000 == 999:
            progress(1000)
        too_long = [f"{c} is longer than {n} characters" for c, n in limits.items() if len(r.get(c) or "") > n]
        if too_long:
            errors.append(RowError(line, "; ".join(too_long)))
            continue
        unsafe = [f"{c} {why}" for c, v in r.items() if v and (why := safe_text.problem(v, name=c in names))]
        if unsafe:
            errors.append(RowError(line, "; ".join(unsafe)))
            continue
        missing = [c for c in REQUIRED[raw.kind] if not r.get(c)]
        if missing:
            errors.append(RowError(line, f"missing {', '.join(missing)}"))
            continue
        try:
            row = _VALIDATORS[raw.kind](r, home_subject)
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
        raise ImportRejected(sorted(errors, key=lambda e: e.line), raw.kind)
    return out


# ---- writing ---------------------------------------------------------------------

_MODELS: dict[str, Any] = {"facts": Fact, "patents": Patent, "licences": Licence}
_AUDIT_KIND = {"facts": "fact", "licences": "licence"}
_AUDIT_TABLE = cast(Table, FactChange.__table__)
BATCH = 5000


def _comparable(kind: str, obj: Any, columns: frozenset[str] | None = None) -> dict[str, Any]:
    cols = COLUMNS[kind] + (("numeric",) if kind == "facts" else ())
    if columns is not None:
        # a fact's unit and qualifier come from its value when the file has no such columns
        derived = {"numeric", "unit", "qualifier"} if "value" in columns else set()
        cols = tuple(c for c in cols if c in columns or c in derived)
    return {c: getattr(obj, c) if not isinstance(obj, dict) else obj.get(c) for c in cols}


def _audit_key(kind: str, row: dict[str, Any]) -> audit.RecordKey:
    if kind == "facts":
        return audit.FactKey(row["subject"], row["metric"], row["period"])
    return audit.LicenceKey(row["licensee"], row["licensor"], row["signed_on"])


def _snapshot(kind: str, row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return audit.fact_snapshot(row) if kind == "facts" else audit.licence_snapshot(row)


_Change = tuple[audit.RecordKey, dict[str, Any] | None, dict[str, Any] | None, str]


def _diff(kind: str, cols: list[str], records: Sequence[Any], rows: list[dict[str, Any]],
          columns: frozenset[str] | None, progress: Callable[[int], None] | None,
          ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[_Change], int]:
    """Rows to insert, rows to update (with their ids), audit entries, and how many
    are unchanged, against the stored records (id first, then `cols`)."""
    existing: dict[tuple[Any, ...], dict[str, Any]] = {}
    for rec in records:
        d = dict(zip(["id", *cols], rec, strict=True))
        existing[natural_key(kind, d)] = d
    to_insert: list[dict[str, Any]] = []
    to_update: list[dict[str, Any]] = []
    changes: list[_Change] = []
    unchanged = 0
    for i, row in enumerate(rows):
        old = existing.get(natural_key(kind, row))
        if old is None:
            to_insert.append(row)
        elif _comparable(kind, old, columns) != _comparable(kind, row, columns):
            if columns is not None:
                row = {**old, **_comparable(kind, row, columns)}
            to_update.append({**row, "id": old["id"]})
        else:
            unchanged += 1
            old = row  # marks "no audit row"
        if kind in _AUDIT_KIND and old is not row:
            changes.append((_audit_key(kind, row), _snapshot(kind, old), _snapshot(kind, row),
                            row.get("source", "") if kind == "facts" else ""))
        if progress and i % 1000 == 999:
            progress(1000)
    if progress:
        progress(len(rows) % 1000)
    return to_insert, to_update, changes, unchanged


async def apply(
    *,
    session: AsyncSession,
    kind: str,
    rows: list[dict[str, Any]],
    actor: str = "import",
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    at: datetime | None = None,
    columns: frozenset[str] | None = None,
) -> ImportSummary:
    """Upsert validated rows by natural key. The caller owns the transaction.
    `columns` (RawRecords.columns): update only these, keep the rest as stored.

    Facts and licences bump their revision first (the same lock admin changes take,
    so an import and a `set` never interleave) and get one audit row ("import")
    per added or updated record; patents are bulk data and are not audited."""
    model = _MODELS[kind]
    summary = ImportSummary(kind, dry_run=dry_run)
    at = at or datetime.now(UTC)
    if kind in _AUDIT_KIND and not dry_run:
        await revision_repo.bump(session=session, kind=kind)
    cols = list(COLUMNS[kind]) + (["numeric"] if kind == "facts" else []) + (
        ["number_key"] if kind == "patents" else [])
    # plain tuples, not ORM objects: loading 120k patents as objects costs seconds
    records = (await session.execute(select(model.id, *(getattr(model, c) for c in cols)))).all()
    # comparing up to a million rows is seconds of CPU: a worker thread, so a bot that
    # imports a file keeps answering meanwhile
    to_insert, to_update, changes, summary.unchanged = await asyncio.to_thread(
        _diff, kind, cols, records, rows, columns, progress)
    summary.added, summary.updated = len(to_insert), len(to_update)
    if dry_run or not (to_insert or to_update):
        return summary
    if kind == "facts":
        for r in to_insert + to_update:
            r["updated_by"] = actor
            r["updated_at"] = at
    # Core executemany, not the ORM bulk path: 120k rows insert in a fraction of the time
    table = model.__table__
    for start in range(0, len(to_insert), BATCH):
        await session.execute(table.insert(), to_insert[start : start + BATCH])
    if to_update:
        upd_cols = [c for c in to_update[0] if c != "id"]
        stmt = table.update().where(table.c.id == bindparam("_id")).values(
            {c: bindparam(c) for c in upd_cols})
        for start in range(0, len(to_update), BATCH):
            part = [{**{c: r[c] for c in upd_cols}, "_id": r["id"]} for r in to_update[start : start + BATCH]]
            await session.execute(stmt, part)
    if changes:
        audit_rows = audit.record_rows(at=at, actor=actor, action="import", kind=_AUDIT_KIND[kind],
                                       changes=changes)
        for start in range(0, len(audit_rows), BATCH):
            await session.execute(_AUDIT_TABLE.insert(), audit_rows[start : start + BATCH])
    if kind not in _AUDIT_KIND:
        await revision_repo.bump(session=session, kind=kind)
    return summary


async def import_bytes(
    *,
    sessions: async_sessionmaker[AsyncSession],
    data: bytes,
    home_subject: str,
    filename: str = "",
    mapping: ColumnMap | None = None,
    actor: str = "import",
    at: datetime | None = None,
    dry_run: bool = False,
    claim: str | None = None,
    encoding: str | None = None,
) -> ImportSummary:
    """Read, validate and write a whole file, all or nothing. Parsing runs in a
    worker thread so a bot importing a large file keeps answering meanwhile.
    Raises ImportRejected with every bad line; the store is then unchanged.

    `claim`: the delivery this import carries out (a Slack event), recorded as
    processed in the same transaction as the rows: a process killed part-way leaves
    neither, so the delivery's retry imports the file. Raises
    store.events.AlreadyClaimed, writing nothing, when it was recorded already."""

    def _read() -> tuple[RawRecords, list[dict[str, Any]]]:
        raw = read_records(data, filename=filename, mapping=mapping, encoding=encoding)
        return raw, validate(raw, home_subject=home_subject)

    raw, rows = await asyncio.to_thread(_read)
    async with sessions() as session, session.begin():
        if claim is not None:
            await event_repo.claim_in(session=session, key=claim, at=at or datetime.now(UTC))
        summary = await apply(session=session, kind=raw.kind, rows=rows, actor=actor, dry_run=dry_run, at=at,
                              columns=raw.columns)
    summary.warnings = raw.warnings
    summary.encoding = raw.encoding
    return summary


# ---- exporting -------------------------------------------------------------------


def _cell(v: Any) -> Any:
    if isinstance(v, date):
        return v.isoformat()
    return "" if v is None else v


# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV
# injection"). CSV export writes such a cell with a leading apostrophe, and so a
# cell that already starts with apostrophes followed by one of these; CSV import
# takes one apostrophe off exactly those cells. Every value survives export ->
# import ("-5%" is written '-5% and read back as -5%); other apostrophes stay.
FORMULA_START = frozenset("=+-@\t\r")


def _formula_like(v: str) -> bool:
    rest = v.lstrip("'")
    return bool(rest) and rest[0] in FORMULA_START


def escape_cell(v: str) -> str:
    return "'" + v if _formula_like(v) else v


def unescape_cell(v: str) -> str:
    return v[1:] if v.startswith("'") and _formula_like(v) else v


def _csv_cell(v: Any) -> str:
    text = escape_cell(str(_cell(v)))
    # csv's writer leaves a lone CR unquoted when lines end in LF, and a reader then
    # splits the row there: quote every cell holding a separator, quote or line break
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


async def export(*, session: AsyncSession, kind: str, fmt: str = "csv") -> str:
    model = _MODELS[kind]
    order = {"facts": (Fact.subject, Fact.metric, Fact.period), "patents": (Patent.number,),
             "licences": (Licence.licensee, Licence.signed_on)}[kind]
    objs = (await session.scalars(select(model).order_by(*order))).all()
    cols = COLUMNS[kind]
    if fmt == "json":
        # JSON is not opened as a spreadsheet: values as stored
        records = [{c: _cell(getattr(o, c)) for c in cols} for o in objs]
        return json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    lines = [",".join(cols)]
    lines += [",".join(_csv_cell(getattr(o, c)) for c in cols) for o in objs]
    return "\n".join(lines) + "\n"
