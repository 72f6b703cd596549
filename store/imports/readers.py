"""CSV and JSON files read into rows of our columns, each with its line.

`open_records` reads the header (kind, mapping, warnings) at once and then streams
the rows, so a million-row file is never held as rows: the service validates and
writes it in batches. `read_records` collects a whole (small) file."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from store.imports.columns import COLUMNS, REQUIRED
from store.imports.decode import check_decodes, decode
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

@dataclass
class RecordSource:
    """A file whose header is read and whose rows are still to come."""

    kind: str
    # our column of each value of a row, in the order a row holds them (a column may
    # repeat; the last value wins, as a dict built from the row would keep it)
    order: list[str]
    rows: Iterator[tuple[int, list[str] | str]]
    warnings: list[str]
    columns: frozenset[str] | None = None
    encoding: str = "UTF-8"
    # about how many rows the file holds (for progress)
    expected: int = 0

    def as_dict(self, values: list[str]) -> dict[str, str]:
        return dict(zip(self.order, values, strict=True))

    def batches(self, size: int) -> Iterator[list[tuple[int, list[str] | str]]]:
        while batch := list(itertools.islice(self.rows, size)):
            yield batch


def _text_stream(data: bytes, codec: str) -> io.TextIOWrapper:
    # only \r and \n end a line (not \x85 and the other str.splitlines breaks)
    return io.TextIOWrapper(io.BytesIO(data), encoding=codec, newline="")


def _skip_line(stream: Iterator[str]) -> str:
    """Everything up to and including the next "\n" (a lone "\r" does not end it)."""
    parts: list[str] = []
    for piece in stream:
        parts.append(piece)
        if piece.endswith("\n"):
            break
    return "".join(parts)


Shape = Callable[[list[str]], list[str]]


def _csv_rows(text: io.TextIOWrapper, *,
              skip_lines: int = 0) -> tuple[list[str], Callable[[Shape], Iterator[tuple[int, list[str] | str]]]]:
    """The header, and what reads each row after it with the line it starts on
    (quoted fields may span lines, so csv's own line counter is used rather than
    enumerate), its values passed through `shape`."""
    lines: Iterator[str] = iter(text)
    first = next(lines, "")
    if first.lower().startswith("search url:"):
        # Google Patents puts the query URL on a line of its own before the header
        skip_lines = max(skip_lines, 1)
    skipped = 0
    if skip_lines:
        rest = first if first.endswith("\n") else first + _skip_line(lines)
        skipped = 1 if rest else 0
        for _ in range(skip_lines - 1):
            if _skip_line(lines):
                skipped += 1
        first = ""
    pending = itertools.chain([first] if first else [], lines)
    reader = csv.reader(pending)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportRejected([RowError(0, "the file is empty")]) from None
    except csv.Error as exc:
        raise ImportRejected([RowError(1 + skip_lines, f"unreadable CSV header: {exc}")]) from None
    header = [h.strip() for h in header]
    offset = skip_lines if skipped else 0
    width = len(header)

    def rows(shape: Shape) -> Iterator[tuple[int, list[str] | str]]:
        start = reader.line_num + 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                # the file cannot be read past here: rejected with this line alone
                raise ImportRejected([RowError(start + offset, f"unreadable CSV: {exc}")]) from None
            line = start + offset
            start = reader.line_num + 1
            if not "".join(values).strip():
                continue
            if len(values) != width:
                # too many fields, or too few (a file cut off mid-row must not be padded with
                # empty fields and stored): reported with the validation errors, so one run
                # names every bad line
                yield line, f"{len(values)} fields but the header has {width}"
                continue
            yield line, shape(values)

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


def _identity(v: str) -> str:
    return v


def open_records(data: bytes, *, filename: str = "", mapping: ColumnMap | Mapping | None = None,
                 skip_lines: int = 0, encoding: str | None = None) -> RecordSource:
    """Read a file's header and say what it holds; its rows are read as they are
    taken from `rows`. Raises ImportRejected for a file that cannot be read at all
    (bytes not in its encoding, no known header, not JSON)."""
    codec, used = check_decodes(data, encoding)
    head = data[:4096].decode(codec, errors="replace")
    is_json = filename.lower().endswith(".json") or head.lstrip()[:1] in ("[", "{")
    csv_rows: Callable[[Shape], Iterator[tuple[int, list[str] | str]]] | None = None
    json_rows: list[tuple[int, dict[str, str]]] = []
    if is_json:
        header, json_rows = read_json(decode(data, encoding)[0])
        expected = len(json_rows)
    else:
        header, csv_rows = _csv_rows(_text_stream(data, codec), skip_lines=skip_lines)
        expected = data.count(b"\n")
    warnings: list[str] = []
    if mapping is None and detect_kind(header) is None:
        mapping = guess_mapping(header)
    provides: frozenset[str] | None = None
    convert: Mapping | None = None
    file_header = header
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
        header = list(convert({}))
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
    # the header is normalised once, not once per row (a million rows)
    keep = [(k, k.strip().lower()) for k in header if k and k.strip().lower() in COLUMNS[kind]]
    given = frozenset(h.strip().lower() for h in header) & frozenset(COLUMNS[kind])
    columns = given if provides is None else provides & frozenset(COLUMNS[kind])
    # a CSV cell escaped against formula injection by export gets its value back
    unescape: Callable[[str], str] = _identity if is_json else unescape_cell
    keys = [k for k, _ in keep]

    def cleaned(values: list[str]) -> list[str]:
        out = [v.strip() for v in values]
        if "'" in "".join(out):
            out = [unescape(v) for v in out]
        return out

    def from_dict(r: dict[str, str]) -> list[str]:
        if convert is not None:
            r = convert(r)
        return cleaned([r.get(k) or "" for k in keys])

    # r.get(k) of a row's dict is the last of equally named columns
    idx = [] if convert is not None else [max(i for i, h in enumerate(file_header) if h == k) for k in keys]

    def from_csv(values: list[str]) -> list[str]:
        # a million times: one call, no dict
        out = [values[i].strip() for i in idx]
        if "'" in "".join(out):
            out = [unescape(v) for v in out]
        return out

    def from_mapped_csv(values: list[str]) -> list[str]:
        return from_dict(dict(zip(file_header, values, strict=True)))

    if csv_rows is None:
        rows: Iterator[tuple[int, list[str] | str]] = ((line, from_dict(r)) for line, r in json_rows)
    else:
        rows = csv_rows(from_csv if convert is None else from_mapped_csv)
    return RecordSource(kind, [ours for _, ours in keep], rows, warnings,
                        None if columns == frozenset(COLUMNS[kind]) else columns, used, expected)


def collect(src: RecordSource) -> RawRecords:
    """Every row of a (small) file at once."""
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[RowError] = []
    for line, values in src.rows:
        if isinstance(values, str):
            errors.append(RowError(line, values))
        else:
            rows.append((line, src.as_dict(values)))
    return RawRecords(src.kind, rows, src.warnings, src.columns, errors, src.encoding)


def read_records(data: bytes, *, filename: str = "", mapping: ColumnMap | Mapping | None = None,
                 skip_lines: int = 0, encoding: str | None = None) -> RawRecords:
    """A whole file read at once (small files, and tests)."""
    return collect(open_records(data, filename=filename, mapping=mapping, skip_lines=skip_lines, encoding=encoding))
