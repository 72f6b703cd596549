"""Our columns for each kind of record an import file holds (and an export writes)."""

from __future__ import annotations

FACT_COLUMNS = ("subject", "metric", "period", "value", "unit", "qualifier", "source")
PATENT_COLUMNS = (
    "number", "title", "jurisdiction", "status", "filing_date", "grant_date", "expiry_date",
    "family_id", "technology", "owner",
)
# a patent as validated and staged for writing, after the line it was read from
STAGED_PATENT_COLUMNS = ("number", "number_key", *PATENT_COLUMNS[1:])
LICENCE_COLUMNS = ("licensee", "licensor", "kind", "technology", "signed_on", "expires_on", "territory", "status")
COLUMNS = {"facts": FACT_COLUMNS, "patents": PATENT_COLUMNS, "licences": LICENCE_COLUMNS}
REQUIRED = {"facts": ("metric", "value"), "patents": ("number",), "licences": ("licensee",)}
# held to store/safe_text.py's look-alike rule as well (no Latin+Cyrillic in a word)
NAME_COLUMNS = {"facts": frozenset({"subject", "metric", "unit"}),
                "patents": frozenset({"owner", "jurisdiction", "status"}),
                "licences": frozenset({"licensee", "licensor", "kind", "technology", "territory", "status"})}
DATE_COLUMNS = {"filing_date", "grant_date", "expiry_date", "signed_on", "expires_on"}
