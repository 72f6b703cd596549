"""The domain's records, one typed shape each: a fact, a licence, a metric alias, a
patent. The store hands these out (never ORM rows), and the in-memory index and every
answer hold them. No SQL, no Slack."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

# ---- the records -------------------------------------------------------------------


@dataclass(frozen=True)
class _Record:
    def plain(self) -> dict[str, object]:
        """Every field, dates as ISO text."""
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


@dataclass(frozen=True)
class AliasRecord(_Record):
    alias: str
    metric: str


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
