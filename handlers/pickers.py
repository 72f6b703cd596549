"""The choices a form's type-ahead fields offer while an admin types: metrics (the
same matching `/ip set` and questions use: names, aliases, spelling), stored
licences, time zones. Each choice's value is what the form gets back; a value is
read back here too, so a forged or stale one is refused rather than trusted.

Slack's limits: at most 100 choices, 75 characters of label, 150 of value; what was
typed is cut to MAX_QUERY characters before anything matches it."""

from __future__ import annotations

import hashlib
import zoneinfo
from dataclasses import dataclass
from datetime import date
from functools import cache

from rapidfuzz import fuzz, process

from handlers import admin_parse as ap
from handlers import text as tx
from handlers.deps import Deps
from handlers.dispatch import Request
from handlers.metrics import resolve_metric
from handlers.replies import Choice
from store.records import LicenceRecord
from store.safe_text import problem

MAX_CHOICES = 100
LABEL_CHARS = 75
VALUE_CHARS = 150
MAX_QUERY = 100
# below this rapidfuzz score a metric name is not offered for what was typed
FUZZY_CUTOFF = 60

METRIC, NEW_METRIC, HASHED = "m:", "n:", "h:"
LICENCE, ALL_LICENCES = "l:", "a:"


def _query(typed: str) -> str:
    return " ".join(typed[:MAX_QUERY].split())


def _label(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:40]


# ---- metrics -----------------------------------------------------------------------


def metric_value(metric: str) -> str:
    """A stored metric as a choice's value: its name, or (a name too long for Slack's
    150 characters) a digest of it that metric_of finds again."""
    return METRIC + metric if len(METRIC + metric) <= VALUE_CHARS else HASHED + _digest(metric)


def metric_choice(metric: str) -> Choice:
    return Choice(_label(metric), metric_value(metric))


def metric_choices(deps: Deps, typed: str) -> list[Choice]:
    """Stored metrics for what was typed, best first: the metric `/ip set` would take
    it for (name, alias, corrected spelling), then names and aliases by rapidfuzz
    likeness. A name nothing matches is offered as a new metric, as `/ip set` makes one."""
    fidx = deps.index.facts
    query = _query(typed)
    if not query:
        return [metric_choice(m) for m in sorted(fidx.metrics)[:MAX_CHOICES]]
    score: dict[str, float] = {}
    meant, _ = resolve_metric(deps, ap.normalise_metric(query), create=False)
    if meant in fidx.metrics:
        score[meant] = 1000.0
    low = query.lower()
    for m in fidx.metrics:
        if low in m.lower():
            score[m] = max(score.get(m, 0.0), 500.0 - len(m))
    if fidx.phrases:
        for phrase, s, _ in process.extract(tx.key(query) or low, list(fidx.phrases), scorer=fuzz.WRatio,
                                            limit=MAX_CHOICES, score_cutoff=FUZZY_CUTOFF):
            metric = fidx.phrases[phrase]
            score[metric] = max(score.get(metric, 0.0), float(s))
    ranked = sorted(score, key=lambda m: (-score[m], m))[: MAX_CHOICES - 1]
    out = [metric_choice(m) for m in ranked]
    new = ap.normalise_metric(query)
    if meant not in fidx.metrics and new not in fidx.metrics and not problem(new, name=True):
        out.append(Choice(_label(f"New metric: {new}"), NEW_METRIC + new))
    return out


def metric_of(deps: Deps, value: str) -> str | None:
    """The metric a chosen value names; None for a value no choice could have had."""
    metrics = deps.index.facts.metrics
    if value.startswith(METRIC):
        name = value[len(METRIC):]
        # a metric removed since the form opened is set anew, as `/ip set` would
        return name if name in metrics else (ap.normalise_metric(name) or None)
    if value.startswith(NEW_METRIC):
        return ap.normalise_metric(value[len(NEW_METRIC):]) or None
    if value.startswith(HASHED):
        return next((m for m in metrics if _digest(m) == value[len(HASHED):]), None)
    return None


# ---- licences ----------------------------------------------------------------------


@dataclass(frozen=True)
class LicencePick:
    """What a licence choice removes: the licences of `licensee` signed on `signed_on`,
    or (signed_on None) all of them, as `licensee remove` can."""

    licensee: str
    signed_on: date | None
    count: int

    @property
    def command(self) -> str:
        signed = f" signed:{self.signed_on.isoformat()}" if self.signed_on else ""
        return f"remove {self.licensee}{signed}"


def _picks(licences: list[LicenceRecord]) -> dict[str, tuple[LicencePick, str]]:
    """value -> (what it removes, its label)."""
    by_name: dict[str, list[LicenceRecord]] = {}
    for lc in licences:
        by_name.setdefault(lc.licensee.lower(), []).append(lc)
    out: dict[str, tuple[LicencePick, str]] = {}
    for low, group in by_name.items():
        name = group[0].licensee
        if any(lc.signed_on is None for lc in group):
            # `licensee remove` names an undated licence only with all of its licensee's
            label = f"{name}: all {len(group)} licences" if len(group) > 1 else f"{name}: no signing date"
            out[ALL_LICENCES + _digest(low)] = (LicencePick(name, None, len(group)), label)
            continue
        dates: dict[date, list[LicenceRecord]] = {}
        for lc in group:
            assert lc.signed_on is not None
            dates.setdefault(lc.signed_on, []).append(lc)
        for signed, same in sorted(dates.items()):
            what = ", ".join(x for x in (same[0].kind, same[0].technology) if x)
            label = f"{name}, signed {signed.isoformat()}" + (f" ({what})" if what else "") + \
                (f", {len(same)} licences" if len(same) > 1 else "")
            out[LICENCE + _digest(low, signed.isoformat())] = (LicencePick(name, signed, len(same)), label)
    return out


def licence_choices(deps: Deps, typed: str) -> list[Choice]:
    """Stored licences whose licensee looks like what was typed, alphabetically."""
    query = _query(typed).lower()
    picks = _picks(list(deps.index.licences.licences))
    scored: list[tuple[float, str, str]] = []
    for value, (pick, label) in picks.items():
        name = pick.licensee.lower()
        s = 100.0 if not query or query in name else fuzz.partial_ratio(query, name)
        if s >= 80:
            scored.append((-s, label.lower(), value))
    return [Choice(_label(picks[v][1]), v) for _, _, v in sorted(scored)[:MAX_CHOICES]]


def licence_of(deps: Deps, value: str) -> LicencePick | None:
    found = _picks(list(deps.index.licences.licences)).get(value)
    return found[0] if found else None


# ---- time zones --------------------------------------------------------------------


@cache
def _zones() -> tuple[str, ...]:
    # read once (the tz database's file list), then served from memory
    return tuple(sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC"))


def timezone_choices(deps: Deps, typed: str) -> list[Choice]:
    query = _query(typed).lower().replace(" ", "_")
    zones = [z for z in _zones() if query in z.lower()] if query else [deps.tz.key, "UTC", *_zones()]
    return [Choice(z, z) for z in list(dict.fromkeys(zones))[:MAX_CHOICES]]


async def metric_options(deps: Deps, _req: Request, typed: str) -> list[Choice]:
    return metric_choices(deps, typed)


async def licence_options(deps: Deps, _req: Request, typed: str) -> list[Choice]:
    return licence_choices(deps, typed)


async def timezone_options(deps: Deps, _req: Request, typed: str) -> list[Choice]:
    return timezone_choices(deps, typed)
