"""Reading admin commands into typed commands. Each error message shows the
expected form and an example, so the person can retype it at once."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from handlers.errors import BadCommand
from store.safe_text import problem
from store.values import BadValue, ParsedValue, parse_period, parse_value

SET_USAGE = ("set <metric> [year] = <value> [source: <where>] — e.g. "
             "set licensing revenue 2023 = US$630 million source: Annual Report 2023")
REMOVE_USAGE = "remove <metric> [year] — e.g. remove licensing revenue 2023"
ALIAS_USAGE = "alias <new name> = <existing metric> — e.g. alias royalty income = licensing revenue"
LICENSEE_USAGE = ("licensee add <name> [signed:YYYY-MM] [kind:…] [technology:…] [expires:YYYY-MM] "
                  "[territory:…] [status:…] — e.g. licensee add Ericsson signed:2023-08 kind:cross-licence "
                  "technology:cellular; or licensee remove <name> [signed:YYYY-MM]")
HISTORY_USAGE = "history <metric> (or history licensee <name>) — e.g. history licensing revenue"
ADMINS_USAGE = "admins, admins add @user, admins remove @user"

# "source:"; the spaces and "(" before it are dropped by hand (see _source_start):
# a leading [\s(]* let every one of 40,000 "(" start a scan to the end
_SOURCE = re.compile(r"\bsource\s*:\s*", re.I)
_FIELD = re.compile(r"(?:^|\s)([a-z_]+):", re.I)
# [^<>]*, not [^>]*: an unclosed "<@U|" must not scan to the end from every "<"
_USER = re.compile(r"<@([A-Z0-9]+)(?:\|[^<>]*)?>|^@?([A-Z0-9]{5,})$")

LICENCE_FIELDS = {
    "signed": "signed_on", "signed_on": "signed_on", "date": "signed_on",
    "expires": "expires_on", "expires_on": "expires_on", "expiry": "expires_on",
    "kind": "kind", "type": "kind",
    "technology": "technology", "tech": "technology",
    "territory": "territory",
    "status": "status",
    "licensor": "licensor",
}


# column limits (store/models.py): longer text gets a message, not a database error
MAX_METRIC = 200
MAX_LICENCE = {"licensee": 300, "licensor": 300, "kind": 60, "technology": 200, "territory": 200, "status": 40}


def bad(usage: str, why: str = "") -> BadCommand:
    lead = f"I couldn't read that{': ' + why if why else ''}."
    return BadCommand(f"{lead} Use: {usage}")


def check_text(usage: str, field_name: str, text: str, *, name: bool = True) -> None:
    """Refuse control characters, text-direction characters and (in names)
    look-alike mixes of scripts, naming the field: store/safe_text.py."""
    why = problem(text, name=name)
    if why:
        raise bad(usage, f"the {field_name} {why}")


def normalise_metric(text: str) -> str:
    return " ".join(text.lower().split())


@dataclass(frozen=True)
class SetCmd:
    metric: str  # as typed, normalised (lower case, single spaces)
    period: str  # "2023" or "" (timeless)
    value: ParsedValue
    source: str


@dataclass(frozen=True)
class RemoveCmd:
    metric: str
    period: str


@dataclass(frozen=True)
class AliasCmd:
    alias: str
    metric: str


@dataclass(frozen=True)
class LicenseeCmd:
    op: str  # "add" | "remove"
    licensee: str
    fields: dict[str, object] = field(default_factory=dict)


def split_period(words: str) -> tuple[str, str]:
    """'licensing revenue 2023' -> ('licensing revenue', '2023'); 'FY2023' works too."""
    toks = words.split()
    year = parse_period(toks[-1]) if toks else None
    if year:
        return " ".join(toks[:-1]), year
    if len(toks) >= 2 and toks[-2].lower() == "fy" and parse_period(toks[-1]):
        return " ".join(toks[:-2]), toks[-1]
    return " ".join(toks), ""


def _source_start(text: str, at: int) -> int:
    """Where "source:" really starts: with the spaces and "(" just before it."""
    while at > 0 and (text[at - 1].isspace() or text[at - 1] == "("):
        at -= 1
    return at


def parse_set(rest: str) -> SetCmd:
    if "=" not in rest:
        raise bad(SET_USAGE)
    left, right = rest.split("=", 1)
    # before any whitespace is normalised: str.split() takes some control characters for spaces
    check_text(SET_USAGE, "metric name", left)
    metric, period = split_period(left)
    if not metric:
        raise bad(SET_USAGE, "the metric name is missing")
    source = ""
    m = _SOURCE.search(right)
    if m:
        source = right[m.end():].strip()
        # "(source: X)": the ")" closing that bracket is not part of the source;
        # "source: Annual Report (2023)" keeps its own
        if source.endswith(")") and source.count(")") > source.count("("):
            source = source[:-1].strip()
        right = right[: _source_start(right, m.start())]
        check_text(SET_USAGE, "source", source, name=False)
    check_text(SET_USAGE, "value", right, name=False)
    try:
        value = parse_value(right)
    except BadValue as exc:
        raise bad(SET_USAGE, str(exc)) from None
    if len(normalise_metric(metric)) > MAX_METRIC:
        raise bad(SET_USAGE, f"the metric name is longer than {MAX_METRIC} characters")
    return SetCmd(normalise_metric(metric), period, value, " ".join(source.split()))


def parse_remove(rest: str) -> RemoveCmd:
    check_text(REMOVE_USAGE, "metric name", rest)
    metric, period = split_period(rest)
    if not metric or "=" in rest:
        raise bad(REMOVE_USAGE)
    return RemoveCmd(normalise_metric(metric), period)


def parse_alias(rest: str) -> AliasCmd:
    if "=" not in rest:
        raise bad(ALIAS_USAGE)
    typed_alias, typed_metric = rest.split("=", 1)
    check_text(ALIAS_USAGE, "alias", typed_alias)
    check_text(ALIAS_USAGE, "metric name", typed_metric)
    alias, metric = (normalise_metric(p) for p in (typed_alias, typed_metric))
    if not alias or not metric:
        raise bad(ALIAS_USAGE)
    if len(alias) > MAX_METRIC:
        raise bad(ALIAS_USAGE, f"the alias is longer than {MAX_METRIC} characters")
    return AliasCmd(alias, metric)


def month_date(text: str) -> date | None:
    """'2023-08' -> 2023-08-01; '2023-08-15'; '2023' -> 2023-01-01; else None."""
    t = text.strip()
    forms: tuple[tuple[str, Callable[[tuple[str | Any, ...]], date]], ...] = (
        (r"(\d{4})-(\d{1,2})-(\d{1,2})", lambda g: date(int(g[0]), int(g[1]), int(g[2]))),
        (r"(\d{4})-(\d{1,2})", lambda g: date(int(g[0]), int(g[1]), 1)),
        (r"(\d{4})", lambda g: date(int(g[0]), 1, 1)),
    )
    for pat, build in forms:
        m = re.fullmatch(pat, t)
        if m:
            try:
                return build(m.groups())
            except ValueError:
                break
    return None


def parse_month_date(text: str, name: str) -> date:
    found = month_date(text)
    if found is None:
        raise bad(LICENSEE_USAGE, f"{name}:{text.strip()} is not a date (use YYYY-MM or YYYY-MM-DD)")
    return found


def parse_licensee(rest: str) -> LicenseeCmd:
    words = rest.split(None, 1)
    op = words[0].lower() if words else ""
    if op in ("delete", "del", "rm"):
        op = "remove"
    if op not in ("add", "remove") or len(words) < 2:
        raise bad(LICENSEE_USAGE)
    body = words[1]
    marks = list(_FIELD.finditer(body))
    first = marks[0].start() if marks else len(body)
    check_text(LICENSEE_USAGE, "licensee name", body[:first])
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(body)
        check_text(LICENSEE_USAGE, f"{mark.group(1).lower()}:", body[mark.end(): end])
    name = body[: marks[0].start()] if marks else body
    name = " ".join(name.split())
    if not name:
        raise bad(LICENSEE_USAGE, "the licensee name is missing")
    fields: dict[str, object] = {}
    for i, m in enumerate(marks):
        label = m.group(1).lower()
        end = marks[i + 1].start() if i + 1 < len(marks) else len(body)
        value = " ".join(body[m.end(): end].split())
        col = LICENCE_FIELDS.get(label)
        if col is None:
            raise bad(LICENSEE_USAGE, f"“{label}:” is not a licence field (use signed, kind, technology, "
                                      "expires, territory, status, licensor)")
        if not value:
            raise bad(LICENSEE_USAGE, f"{label}: has no value")
        if col in ("signed_on", "expires_on"):
            fields[col] = parse_month_date(value, label)
        else:
            fields[col] = value
    checks: list[tuple[str, object]] = [("licensee", name), *fields.items()]
    for col, given in checks:
        limit = MAX_LICENCE.get(col)
        if limit and isinstance(given, str) and len(given) > limit:
            raise bad(LICENSEE_USAGE, f"{col} is longer than {limit} characters")
    if op == "remove" and set(fields) - {"signed_on", "licensor"}:
        raise bad(LICENSEE_USAGE, "licensee remove takes only a name and optionally signed:")
    if isinstance(fields.get("signed_on"), date) and isinstance(fields.get("expires_on"), date) \
            and fields["expires_on"] < fields["signed_on"]:  # type: ignore[operator]
        raise bad(LICENSEE_USAGE, "expires: is before signed:")
    return LicenseeCmd(op, name, fields)


def parse_user(text: str) -> str:
    """A Slack user id from what a command carries: '<@U123|name>', '<@U123>', 'U123', '@U123'."""
    t = text.strip()
    m = _USER.search(t)
    if not m:
        raise BadCommand(f"I couldn't read a user in “{t}”. Use: {ADMINS_USAGE} (mention the person, e.g. "
                         "admins add @maria)")
    return m.group(1) or m.group(2)
