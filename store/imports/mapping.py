"""Other tools' exports (Lens.org, Google Patents, a user's own JSON mapping)
turned into our columns."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from store.imports.columns import COLUMNS, PATENT_COLUMNS
from store.imports.errors import ImportRejected, RowError

Mapping = Callable[[dict[str, str]], dict[str, str]]


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
