"""A metric over its stored years, as a chart would show it: the points, the unit,
a title and a text alternative that states every value. Slack-free and drawing-free
(bot/charts.py draws it); trend answers, the digest and `ipbot chart` share it."""

from __future__ import annotations

from dataclasses import dataclass

from handlers import wording
from handlers.deps import Deps
from handlers.errors import BadCommand
from handlers.metrics import resolve_metric
from store.records import FactRecord

# a line needs two points; more than this many years would not read at Slack's image width
MIN_POINTS = 2
MAX_POINTS = 30


@dataclass(frozen=True)
class Point:
    period: str
    numeric: float
    # the figure as stored and stated ("over 120,000"), for labels and the alt text
    label: str


@dataclass(frozen=True)
class Chart:
    subject: str
    metric: str
    unit: str
    points: tuple[Point, ...]

    @property
    def title(self) -> str:
        first, last = self.points[0].period, self.points[-1].period
        return f"{self.subject}'s {wording.metric_label(self.metric)}, {first}–{last}"

    @property
    def alt_text(self) -> str:
        """What the chart shows, in words: every value with its year."""
        values = "; ".join(f"{p.period}: {p.label}" for p in self.points)
        return f"Line chart of {self.title}. {values}."

    @property
    def filename(self) -> str:
        slug = "-".join("".join(c if c.isalnum() else " " for c in f"{self.subject} {self.metric}").lower().split())
        return f"{slug}-{self.points[0].period}-{self.points[-1].period}.png"


def from_facts(facts: list[FactRecord]) -> Chart | None:
    """The chart of these facts when they are one metric of one subject, dated,
    numeric and in one unit, with at least two years; else None (never a chart
    that mixes units or companies)."""
    dated = sorted((f for f in facts if f.period and f.numeric is not None), key=lambda f: f.period)
    if len(dated) < MIN_POINTS or len(dated) != len(facts):
        return None
    if len({(f.subject, f.metric, f.unit) for f in dated}) != 1 or len({f.period for f in dated}) != len(dated):
        return None
    dated = dated[-MAX_POINTS:]
    first = dated[0]
    return Chart(first.subject, first.metric, first.unit,
                 tuple(Point(f.period, float(f.numeric or 0.0), wording.value_of(f)) for f in dated))


def metric_chart(deps: Deps, typed_metric: str, subject: str | None = None) -> Chart:
    """Every stored year of a metric as typed (aliases and typos resolved), the home
    subject's unless another is named. Raises BadCommand saying why there is none."""
    metric, _ = resolve_metric(deps, " ".join(typed_metric.lower().split()), create=False)
    who = subject or deps.home_subject
    who = deps.index.facts.subjects.get(who.lower(), who)
    periods = deps.index.facts.periods(who, metric)
    if not periods:
        raise BadCommand(f"I have no figures for “{typed_metric}” of {who}.")
    dated = [f for p, f in sorted(periods.items()) if p]
    chart = from_facts(dated)
    if chart is None:
        held = ", ".join(f.period for f in dated) or "no year"
        raise BadCommand(f"{who}'s {metric} cannot be drawn: it needs at least {MIN_POINTS} years of numbers "
                         f"in one unit (stored: {held}).")
    return chart
