"""The domain's records, one typed shape each: a fact, a licence, a metric alias, a
patent, and a change to one of them. The store hands these out (never ORM rows), the
in-memory index and every answer hold them, and the audit log keeps a fact, licence
or alias as a JSON snapshot through `encode` / `decode` here. No SQL, no Slack."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from typing import Any, Self

# ---- which record ------------------------------------------------------------------


@dataclass(frozen=True)
class FactKey:
    subject: str
    metric: str
    period: str


@dataclass(frozen=True)
class LicenceKey:
    licensee: str
    licensor: str
    signed_on: date | None


@dataclass(frozen=True)
class AliasKey:
    alias: str


# which record a change is about; kept in columns of their own (migration 0006),
# never joined into one string a name could break
RecordKey = FactKey | LicenceKey | AliasKey


# ---- the records -------------------------------------------------------------------


def _text(v: object) -> str:
    return "" if v is None else str(v)


def _number(v: object) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _date(v: object) -> date | None:
    if isinstance(v, date):
        return v
    try:
        return date.fromisoformat(v) if isinstance(v, str) and v else None
    except ValueError:
        return None


# how a field of each declared type is read from a mapping (a snapshot, an import row)
_READ: dict[str, Callable[[object], object]] = {"str": _text, "float | None": _number, "date | None": _date}


@dataclass(frozen=True)
class _Record:
    @classmethod
    def from_mapping(cls, d: Mapping[str, object]) -> Self:
        """From a snapshot or an import row, forgiving what an old or hand-written
        audit row may hold: a missing or null text is "", a number is a float, a date
        that is not one is None."""
        read: dict[str, Any] = {f.name: _READ[str(f.type)](d.get(f.name)) for f in fields(cls)}
        return cls(**read)

    def plain(self) -> dict[str, object]:
        """Every field, dates as ISO text: what the audit snapshot holds."""
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(self).items()}

    def public(self) -> dict[str, object]:
        """The record in the JSON of `ipbot ask --json`."""
        return self.plain()


@dataclass(frozen=True)
class FactRecord(_Record):
    subject: str
    metric: str
    period: str
    value: str
    unit: str
    qualifier: str
    source: str
    numeric: float | None = None

    @property
    def key(self) -> FactKey:
        return FactKey(self.subject, self.metric, self.period)

    def public(self) -> dict[str, object]:
        # the number is in `value`
        return {k: v for k, v in self.plain().items() if k != "numeric"}


@dataclass(frozen=True)
class LicenceRecord(_Record):
    licensee: str
    licensor: str
    kind: str = ""
    technology: str = ""
    signed_on: date | None = None
    expires_on: date | None = None
    territory: str = ""
    status: str = ""

    @property
    def key(self) -> LicenceKey:
        return LicenceKey(self.licensee, self.licensor, self.signed_on)


@dataclass(frozen=True)
class AliasRecord(_Record):
    alias: str
    metric: str

    @property
    def key(self) -> AliasKey:
        return AliasKey(self.alias)


@dataclass(frozen=True)
class PatentRecord(_Record):
    number: str
    title: str
    jurisdiction: str = ""
    status: str = ""
    filing_date: date | None = None
    grant_date: date | None = None
    expiry_date: date | None = None
    family_id: str = ""
    technology: str = ""
    owner: str = ""


# what the audit log records a change to
Record = FactRecord | LicenceRecord | AliasRecord

# the audit log's `kind` column for each
KINDS: dict[str, type[Record]] = {"fact": FactRecord, "licence": LicenceRecord, "alias": AliasRecord}


def kind_of(key: RecordKey) -> str:
    return "fact" if isinstance(key, FactKey) else "licence" if isinstance(key, LicenceKey) else "alias"


# ---- the audit snapshot codec ------------------------------------------------------


def encode(record: Record | None) -> str | None:
    """The snapshot an audit row keeps (its format is that of every row ever written:
    the record's fields, dates as ISO text, keys sorted)."""
    return None if record is None else json.dumps(record.plain(), ensure_ascii=False, sort_keys=True)


def decode(kind: str, text: str | None) -> Record | None:
    """A stored snapshot of a `kind` record; None for none, and for text that is not
    one (an audit row written by hand or cut short is shown as "none", never a
    traceback)."""
    cls = KINDS.get(kind)
    if cls is None or not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return cls.from_mapping(data) if isinstance(data, dict) else None


# ---- a change --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeRecord:
    """An audit row (fact_changes), its snapshots decoded once by the store."""

    id: int
    at: datetime
    actor: str
    action: str
    kind: str
    key: RecordKey
    before: Record | None
    after: Record | None
    source: str
    undone_by: int | None
