"""Validated import rows: one pydantic model per kind of record.

A model's fields carry the limits the database enforces (read from the ORM
columns: PostgreSQL enforces them, so a too-long cell must be a line-numbered
error rather than a failed transaction), and its `from_cells` holds the kind's
rules (dates, periods, values and their units, natural keys). `validate` checks a
whole file and names every bad line; nothing here touches the database."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from store import safe_text
from store.imports.columns import COLUMNS, DATE_COLUMNS, NAME_COLUMNS, REQUIRED, STAGED_PATENT_COLUMNS
from store.imports.errors import ImportRejected, RowError
from store.imports.readers import RawRecords
from store.keys import number_key
from store.models import Fact, Licence, Patent
from store.values import QUALIFIERS as VALUE_QUALIFIERS
from store.values import BadValue, parse_period, parse_value

QUALIFIERS = {"", *VALUE_QUALIFIERS, "exact"}
# free-text columns (a fact's value and source, a patent's title) have no database
# limit; this one keeps a 60 KB title out of every index rebuild (README: Safety limits)
MAX_FREE_TEXT = 4000
MAX_DATE = 40


def _limit(model: Any, column: str) -> int:
    return getattr(model.__table__.c[column].type, "length", None) or MAX_FREE_TEXT


def _max(model: Any, column: str) -> Any:
    """A text field's limit: its database column's."""
    return Field(max_length=_limit(model, column))


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


class ImportRow(BaseModel):
    """One validated record, ready to be compared with the store and written."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    # a field whose value is derived from a cell can outgrow it (lower-casing, key
    # folding): its too-long error is worded for the cell the person typed
    DERIVED: ClassVar[dict[str, str]] = {}

    @classmethod
    def from_cells(cls, cells: dict[str, str], home: str) -> Self:
        """The row a file's cells (by our column) describe; ValueError says why not."""
        raise NotImplementedError

    def key(self) -> tuple[Any, ...]:
        raise NotImplementedError


class FactRow(ImportRow):
    subject: Annotated[str, _max(Fact, "subject")]
    metric: Annotated[str, _max(Fact, "metric")]
    period: Annotated[str, _max(Fact, "period")]
    value: Annotated[str, _max(Fact, "value")]
    numeric: float | None
    unit: Annotated[str, _max(Fact, "unit")]
    qualifier: Annotated[str, _max(Fact, "qualifier")]
    source: Annotated[str, _max(Fact, "source")]

    # lower-casing can lengthen a name ("İ" is two characters in lower case)
    DERIVED: ClassVar[dict[str, str]] = {"metric": "metric is longer than {n} characters once lower-cased"}

    @classmethod
    def from_cells(cls, r: dict[str, str], home: str) -> Self:
        from_value = _parse_value(r["value"]) if r.get("value") else None
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
        return cls(
            subject=r.get("subject") or home,
            metric=" ".join(r["metric"].lower().split()),
            period=year,
            value=r["value"],
            numeric=numeric,
            unit=unit,
            qualifier="" if qualifier == "exact" else (qualifier or (from_value[3] if from_value else "")),
            source=r.get("source", ""),
        )

    def key(self) -> tuple[Any, ...]:
        return (self.subject, self.metric, self.period)


def _parse_value(value: str) -> tuple[str, float | None, str, str]:
    try:
        pv = parse_value(value)
    except BadValue as exc:
        raise ValueError(str(exc)) from None
    return pv.value, pv.numeric, pv.unit, pv.qualifier


class PatentRow(ImportRow):
    number: Annotated[str, _max(Patent, "number")]
    title: Annotated[str, _max(Patent, "title")]
    jurisdiction: Annotated[str, _max(Patent, "jurisdiction")]
    status: Annotated[str, _max(Patent, "status")]
    filing_date: date | None
    grant_date: date | None
    expiry_date: date | None
    family_id: Annotated[str, _max(Patent, "family_id")]
    technology: Annotated[str, _max(Patent, "technology")]
    owner: Annotated[str, _max(Patent, "owner")]
    number_key: Annotated[str, _max(Patent, "number_key")]

    # the key folds look-alikes, and can lengthen the number ("ﬃ" is FFI)
    DERIVED: ClassVar[dict[str, str]] = {"number_key": "number is longer than {n} characters once normalised"}

    @classmethod
    def from_cells(cls, r: dict[str, str], home: str) -> Self:
        out: dict[str, Any] = {c: r.get(c, "") for c in COLUMNS["patents"]}
        for c in ("filing_date", "grant_date", "expiry_date"):
            out[c] = parse_date(out[c])
        out["number"] = " ".join(out["number"].split())
        out["number_key"] = number_key(out["number"])
        if not out["number_key"]:
            raise ValueError("number is empty")
        return cls(**out)

    def key(self) -> tuple[Any, ...]:
        return (self.number_key,)


class LicenceRow(ImportRow):
    licensee: Annotated[str, _max(Licence, "licensee")]
    licensor: Annotated[str, _max(Licence, "licensor")]
    kind: Annotated[str, _max(Licence, "kind")]
    technology: Annotated[str, _max(Licence, "technology")]
    signed_on: date | None
    expires_on: date | None
    territory: Annotated[str, _max(Licence, "territory")]
    status: Annotated[str, _max(Licence, "status")]

    @classmethod
    def from_cells(cls, r: dict[str, str], home: str) -> Self:
        out: dict[str, Any] = {c: r.get(c, "") for c in COLUMNS["licences"]}
        out["licensor"] = out["licensor"] or home
        for c in ("signed_on", "expires_on"):
            out[c] = parse_date(out[c])
        if out["signed_on"] and out["expires_on"] and out["expires_on"] < out["signed_on"]:
            raise ValueError("expires_on is before signed_on")
        return cls(**out)

    def key(self) -> tuple[Any, ...]:
        return (self.licensee, self.licensor, self.signed_on)


ROW_MODELS: dict[str, type[ImportRow]] = {"facts": FactRow, "patents": PatentRow, "licences": LicenceRow}


@functools.cache
def cell_limits(kind: str) -> dict[str, int]:
    """How long each of the kind's cells may be, from its row model; checked before
    any value is parsed."""
    fields = ROW_MODELS[kind].model_fields
    return {c: MAX_DATE if c in DATE_COLUMNS else next(int(m.max_length) for m in fields[c].metadata
                                                         if getattr(m, "max_length", None))
            for c in COLUMNS[kind]}


def _reason(model: type[ImportRow], exc: ValueError) -> str:
    """A rule's own message, or the model's limit worded as the other checks word it."""
    if not isinstance(exc, ValidationError):
        return str(exc)
    err = exc.errors(include_url=False)[0]
    field = str(err["loc"][0]) if err["loc"] else ""
    if err["type"] == "string_too_long":
        n = err.get("ctx", {}).get("max_length")
        return model.DERIVED.get(field, "{f} is longer than {n} characters").format(f=field, n=n)
    return f"{field}: {err['msg']}" if field else str(err["msg"])


def _check(model: type[ImportRow], r: dict[str, str], home_subject: str, limits: dict[str, int],
           names: frozenset[str], required: tuple[str, ...]) -> ImportRow | str:
    """One row's cells as a validated row, or why not."""
    too_long = [f"{c} is longer than {n} characters" for c, n in limits.items() if len(r.get(c) or "") > n]
    if too_long:
        return "; ".join(too_long)
    unsafe = [f"{c} {why}" for c, v in r.items() if v and (why := safe_text.problem(v, name=c in names))]
    if unsafe:
        return "; ".join(unsafe)
    missing = [c for c in required if not r.get(c)]
    if missing:
        return f"missing {', '.join(missing)}"
    try:
        return model.from_cells(r, home_subject)
    except ValueError as exc:
        return _reason(model, exc)


def validate(raw: RawRecords, *, home_subject: str,
             progress: Callable[[int], None] | None = None) -> list[ImportRow]:
    """Check every row; a fact without a subject and a licence without a licensor
    belong to `home_subject` (IPBOT_HOME_SUBJECT). Raises ImportRejected with every
    bad line."""
    errors: list[RowError] = list(raw.errors)
    out: list[ImportRow] = []
    seen: dict[tuple[Any, ...], int] = {}
    model = ROW_MODELS[raw.kind]
    limits = cell_limits(raw.kind)
    names = NAME_COLUMNS[raw.kind]
    required = REQUIRED[raw.kind]
    for i, (line, r) in enumerate(raw.rows):
        if progress and i % 1000 == 999:
            progress(1000)
        row = _check(model, r, home_subject, limits, names, required)
        if isinstance(row, str):
            errors.append(RowError(line, row))
            continue
        k = row.key()
        if k in seen:
            errors.append(RowError(line, duplicate(seen[k], k)))
            continue
        seen[k] = line
        out.append(row)
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.line), raw.kind)
    return out


def duplicate(first: int, key: tuple[Any, ...]) -> str:
    return f"duplicate of line {first} ({', '.join(str(x) for x in key)})"


# a patent as staged for writing: its line, then columns.STAGED_PATENT_COLUMNS
StagedPatent = tuple[Any, ...]
# number_key of an ASCII number: upper case, only A-Z and 0-9 (NFKC changes no ASCII)
_KEY_DROP = {c: None for c in range(128) if not ("A" <= chr(c) <= "Z" or "0" <= chr(c) <= "9")}
_iso = date.fromisoformat


def _not_iso() -> date:
    raise ValueError("not an ISO date")


def staged_patent(line: int, row: ImportRow) -> StagedPatent:
    d = row.model_dump()
    return (line, *(d[c] for c in STAGED_PATENT_COLUMNS))


class PatentChecker:
    """Validates a patent file batch by batch, as `validate` would row by row (same
    rows, same reasons), without a row model per row: a plain ASCII row is checked
    and converted directly, anything else goes through PatentRow. Repeated numbers
    are only suspected here (by hash, so a million keys cost little memory); the
    staged rows confirm them (`duplicates`)."""

    def __init__(self, order: list[str], home_subject: str) -> None:
        self.order = order
        self.home = home_subject
        self.limits = cell_limits("patents")
        self.names = NAME_COLUMNS["patents"]
        # where each of our columns is in a row (the last of equally named ones), -1: absent
        pos = {c: i for i, c in enumerate(order)}
        self.index = [pos.get(c, -1) for c in COLUMNS["patents"]]
        self.fast = all(i >= 0 for i in self.index) and len(pos) == len(order)
        self.in_order = self.index == list(range(len(order)))
        self.limits_in_order = [self.limits[c] for c in order] if self.fast else []
        self.seen: set[int] = set()
        # number keys seen more than once (or sharing a hash with another)
        self.suspects: set[str] = set()

    def _slow(self, line: int, values: list[str]) -> StagedPatent | str:
        row = _check(PatentRow, dict(zip(self.order, values, strict=True)), self.home, self.limits, self.names,
                     REQUIRED["patents"])
        return row if isinstance(row, str) else staged_patent(line, row)

    def _fast(self, line: int, values: list[str]) -> StagedPatent | None:
        """The record of a plain row (ASCII, printable, within limits, ISO dates),
        exactly as PatentRow would make it; None for anything else."""
        joined = "".join(values)
        if not (joined.isascii() and joined.isprintable()
                and all(map(operator.le, map(len, values), self.limits_in_order))):
            return None
        number, title, jurisdiction, status, filed, granted, expires, family, technology, owner = (
            values if self.in_order else [values[i] for i in self.index])
        number = " ".join(number.split())
        upper = number.upper()
        key = upper.replace(" ", "")
        if not key.isalnum():
            # punctuation to drop ("US-8,818,681 B1"), or no number at all; the common
            # case above is letters and digits between spaces, a third of the cost
            key = upper.translate(_KEY_DROP)
            if not key:
                return None
        try:
            return (line, number, key, title, jurisdiction, status,
                    (_iso(filed) if len(filed) == 10 and filed[4] == "-" else _not_iso()) if filed else None,
                    (_iso(granted) if len(granted) == 10 and granted[4] == "-" else _not_iso()) if granted else None,
                    (_iso(expires) if len(expires) == 10 and expires[4] == "-" else _not_iso()) if expires else None,
                    family, technology, owner)
        except ValueError:
            return None

    def check(self, batch: list[tuple[int, list[str] | str]]) -> tuple[list[StagedPatent], list[RowError]]:
        """The batch's valid rows, ready to stage, and its bad lines."""
        good: list[StagedPatent] = []
        bad: list[RowError] = []
        seen, suspects = self.seen, self.suspects
        for line, values in batch:
            if isinstance(values, str):
                bad.append(RowError(line, values))
                continue
            rec = self._fast(line, values) if self.fast else None
            if rec is None:
                got = self._slow(line, values)
                if isinstance(got, str):
                    bad.append(RowError(line, got))
                    continue
                rec = got
            h = hash(rec[2])
            if h in seen:
                suspects.add(rec[2])
            else:
                seen.add(h)
            good.append(rec)
        return good, bad
