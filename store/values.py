"""Values with their qualifier and unit: parsing what people type and saying it back.

A figure is never shown without its qualifier: "over 120,000" must not become
"120,000" (see the domain primer)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

QUALIFIERS = ("over", "almost", "about")
# a fact's period: a year, optionally written as a fiscal year ("FY2023"); the one
# definition used by questions, admin commands and imports
YEAR_PATTERN = r"(?:fy\s*)?((?:19|20)\d\d)"
_PERIOD = re.compile(YEAR_PATTERN, re.I)


def parse_period(text: str) -> str | None:
    """'2023' or 'FY 2023' -> '2023'; anything else -> None."""
    m = _PERIOD.fullmatch(text.strip())
    return m.group(1) if m else None

_QUALIFIER_WORDS = {
    "over": "over",
    "more than": "over",
    "above": "over",
    "exceeds": "over",
    "exceeding": "over",
    "in excess of": "over",
    ">": "over",
    "almost": "almost",
    "nearly": "almost",
    "close to": "almost",
    "just under": "almost",
    "about": "about",
    "around": "about",
    "approximately": "about",
    "approx": "about",
    "approx.": "about",
    "roughly": "about",
    "circa": "about",
    "ca.": "about",
    "~": "about",
    "exactly": "",
}

_SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "mio": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
}

_CURRENCY_WORDS = {
    "us$": "USD",
    "usd": "USD",
    "$": "USD",
    "dollars": "USD",
    "dollar": "USD",
    "us dollars": "USD",
    "cny": "CNY",
    "rmb": "CNY",
    "yuan": "CNY",
    "¥": "CNY",
    "eur": "EUR",
    "€": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "gbp": "GBP",
    "£": "GBP",
    "jpy": "JPY",
}

_UNIT_RE = "|".join(sorted((re.escape(w) for w in _CURRENCY_WORDS), key=len, reverse=True))
_SCALE_RE = "|".join(sorted(_SCALES, key=len, reverse=True))
_QUAL_RE = "|".join(sorted((re.escape(w) for w in _QUALIFIER_WORDS), key=len, reverse=True))

_VALUE = re.compile(
    rf"""^\s*(?P<qual>{_QUAL_RE})?\s*
    (?P<pre>{_UNIT_RE})?\s*
    (?P<num>[-−]?(?:\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+))\s*
    (?P<scale>{_SCALE_RE})?\b\s*
    (?P<post>%|percent|{_UNIT_RE}|[a-z][a-z ]*)?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)


class BadValue(ValueError):
    """A value that could not be read; the message says what to type instead."""


@dataclass(frozen=True)
class ParsedValue:
    value: str  # as written
    numeric: float | None
    unit: str
    qualifier: str


def parse_value(text: str) -> ParsedValue:
    """Read `$560M`, `US$ 560 million`, `560,000,000 USD`, `161.5 billion yuan`,
    `CNY 161.5bn`, `25.1%`, `over 120,000`, `almost 200`, `~350`. Anything that
    is not a number is kept as a text fact ("Song Liuping")."""
    typed = " ".join(text.split())
    # the way answers print CNY ("161.5 billion yuan (CNY)") must read back the same
    raw = re.sub(r"\s*\((?:cny|usd|eur|gbp|jpy)\)$", "", typed, flags=re.I)
    if not raw:
        raise BadValue("the value is empty; type e.g. `= US$630 million` or `= over 140,000`")
    m = _VALUE.match(raw)
    if not m:
        if re.search(r"\d", raw) and re.match(rf"^\s*({_QUAL_RE})?\s*({_UNIT_RE})?\s*[\d.,]+", raw, re.I):
            raise BadValue(
                f"could not read the number in “{raw}”; type it like `US$630 million`, "
                "`161.5 billion yuan`, `25.1%` or `over 140,000`"
            )
        return ParsedValue(value=typed, numeric=None, unit="text", qualifier="")
    qual = _QUALIFIER_WORDS.get((m.group("qual") or "").lower(), "")
    num = float(m.group("num").replace(",", "").replace("−", "-"))
    scale = m.group("scale")
    if scale:
        num *= _SCALES[scale.lower()]
    if not math.isfinite(num):
        # 400 digits read as float('inf'), which no answer could print
        raise BadValue(f"the number in “{raw[:40]}…” is too large to store")
    pre = (m.group("pre") or "").lower()
    post = (m.group("post") or "").strip().lower()
    unit = ""
    if pre:
        unit = _CURRENCY_WORDS[pre]
    if post in ("%", "percent"):
        unit = "%"
    elif post in _CURRENCY_WORDS:
        if unit and unit != _CURRENCY_WORDS[post]:
            raise BadValue(f"“{raw}” names two currencies; keep one")
        unit = _CURRENCY_WORDS[post]
    elif post:
        # "over 350 companies": the noun is the thing counted
        unit = "count"
    if not unit:
        unit = "count"
    return ParsedValue(value=typed, numeric=num, unit=unit, qualifier=qual)


def _plain(num: float) -> str:
    if num == int(num):
        return f"{int(num):,}"
    return f"{num:,.2f}".rstrip("0").rstrip(".")


def _scaled(num: float) -> str:
    for word, factor in (("trillion", 1e12), ("billion", 1e9), ("million", 1e6)):
        if abs(num) >= factor:
            return f"{_plain(round(num / factor, 3))} {word}"
    return _plain(num)


def format_amount(numeric: float | None, unit: str, value: str = "") -> str:
    """The number with its unit, no qualifier: 'US$560 million', '161.5 billion yuan'."""
    if numeric is None:
        return value
    if unit == "USD":
        return f"US${_scaled(numeric)}"
    if unit == "CNY":
        return f"{_scaled(numeric)} yuan (CNY)"
    if unit in ("EUR", "GBP", "JPY"):
        return f"{_scaled(numeric)} {unit}"
    if unit == "%":
        return f"{_plain(numeric)}%"
    if unit in ("count", ""):
        return _plain(numeric)
    return f"{_plain(numeric)} {unit}"


def format_value(numeric: float | None, unit: str, qualifier: str, value: str = "") -> str:
    """The figure as an answer states it: 'about US$560 million', 'over 120,000'."""
    amount = format_amount(numeric, unit, value)
    if numeric is None:
        return amount
    return f"{qualifier} {amount}" if qualifier else amount
