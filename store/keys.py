"""Natural keys shared by the store and the matcher."""

from __future__ import annotations

import re
import unicodedata


def number_key(number: str) -> str:
    """'US 8818681 B1', 'us8818681b1', 'US-8,818,681-B1' -> 'US8818681B1'."""
    return re.sub(r"[^A-Z0-9]", "", unicodedata.normalize("NFKC", number).upper())
