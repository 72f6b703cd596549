"""CSV and JSON files read into rows keyed by our columns, each with its line."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from store.imports.columns import COLUMNS, REQUIRED
from store.imports.decode import decode
from store.imports.errors import ImportRejected, RowError
from store.imports.formulas import unescape_cell
from store.imports.mapping import ColumnMap, Mapping, guess_mapping


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
