"""Headline figures: the latest period on record of each numeric figure, against
its previous period; and the digest's chart, a key metric over its stored years."""

from __future__ import annotations

from handlers import charts
from handlers.deps import Deps
from handlers.digest_sections.base import DigestContext, DigestItem, DigestSection, section
from store.values import format_value

TITLE = "Headline figures"
# metrics the licensing team reads first; the rest follow alphabetically
LEAD_METRICS = ("licensing revenue", "companies licensed", "bilateral patent licences")


def _pct_change(new: float, old: float, unit: str) -> str | None:
    if unit == "%":
        diff = round(new - old, 2)
        if diff == 0:
            return "unchanged"
        return f"{'up' if diff > 0 else 'down'} {abs(diff):g} points"
    if old == 0:
        return None
    pct = round((new - old) / abs(old) * 100, 1)
    if pct == 0:
        return "unchanged"
    return f"{'up' if pct > 0 else 'down'} {abs(pct):g}%"


def headline_figures(deps: Deps) -> list[DigestItem]:
    """Figures of the latest period on record, each against its previous period
    when both are numeric in the same unit."""
    fidx = deps.index.facts
    series = {k: v for k, v in fidx.facts.items() if any(p and f.numeric is not None for p, f in v.items())}
    dated = [p for v in series.values() for p, f in v.items() if p and f.numeric is not None]
    if not dated:
        return []
    latest = max(dated)
    out: list[tuple[tuple[int, str], DigestItem]] = []
    for (_, metric), periods in series.items():
        f = periods.get(latest)
        if f is None or f.numeric is None:
            continue
        earlier = sorted((p for p in periods if p and p < latest), reverse=True)
        name = metric if f.subject == deps.home_subject else f"{f.subject} {metric}"
        text = f"{name} {latest}: {format_value(f.numeric, f.unit, f.qualifier, f.value)}"
        if earlier:
            prev = periods[earlier[0]]
            if prev.numeric is not None and prev.unit == f.unit:
                change = _pct_change(f.numeric, prev.numeric, f.unit)
                if change:
                    prev_text = format_value(prev.numeric, prev.unit, prev.qualifier, prev.value)
                    text += f", {change} from {prev_text} in {prev.period}"
        rank = LEAD_METRICS.index(metric) if metric in LEAD_METRICS else len(LEAD_METRICS)
        out.append(((rank, name), DigestItem(text)))
    return [item for _, item in sorted(out, key=lambda x: x[0])]


def key_chart(deps: Deps) -> charts.Chart | None:
    """The home subject's first lead metric that can be drawn (two or more years in
    one unit), else its first other metric that can; None if none can."""
    home = deps.home_subject.lower()
    metrics = sorted({m for (s, m) in deps.index.facts.facts if s == home},
                     key=lambda m: (LEAD_METRICS.index(m) if m in LEAD_METRICS else len(LEAD_METRICS), m))
    for metric in metrics:
        dated = [f for p, f in sorted(deps.index.facts.periods(home, metric).items()) if p]
        chart = charts.from_facts(dated)
        if chart is not None:
            return chart
    return None


async def build(ctx: DigestContext) -> DigestSection | None:
    figures = headline_figures(ctx.deps)
    return section(TITLE, figures)
