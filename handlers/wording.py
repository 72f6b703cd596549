"""How answers word facts, licences, patents, computed figures and changes. One place,
so an answer, a derived figure, a list, an admin reply, history and the digest all say
a fact the same way."""

from __future__ import annotations

from store.records import AliasRecord, FactRecord, LicenceRecord, PatentRecord, Record
from store.values import format_amount, format_value

# How the seed metrics read best in a sentence; other metrics use the generic form.
PHRASES = {
    "companies licensed": "{subject} had licences with {value} companies{in_period}",
    "bilateral patent licences": "{subject} signed {value} bilateral patent licences{in_period}",
    "valid patents": "{subject} held {value} valid patents{at_period}",
    "licensing revenue": "{subject}'s licensing revenue{in_period}: {value}",
    "r&d spending": "{subject}'s R&D spending{in_period}: {value}",
    "r&d share of revenue": "{subject}'s R&D spending{in_period} was {value} of its revenue",
    "cumulative r&d spending": "{subject}'s cumulative R&D spending (as of {period}): {value}",
    "chief legal officer": "{subject}'s chief legal officer: {value}",
    "patent fee stance": "{subject}'s position on patent fees: {value}",
    "ip strategy": "{subject}'s IP strategy: {value}",
}


_CASED = {"r&d": "R&D", "wi-fi": "Wi-Fi", "ip": "IP", "2g": "2G", "3g": "3G", "4g": "4G", "5g": "5G", "6g": "6G"}


def metric_label(metric: str) -> str:
    """A metric as a sentence shows it: "r&d spending" -> "R&D spending"."""
    return " ".join(_CASED.get(w, w) for w in metric.split())


def value_of(f: FactRecord) -> str:
    return format_value(f.numeric, f.unit, f.qualifier, f.value)


def fact_sentence(f: FactRecord, *, source: bool = True) -> str:
    template = PHRASES.get(f.metric, "{subject}'s {metric}{in_period}: {value}")
    text = template.format(
        subject=f.subject,
        metric=metric_label(f.metric),
        value=value_of(f),
        period=f.period,
        in_period=f" in {f.period}" if f.period else "",
        at_period=f" at the end of {f.period}" if f.period else "",
    )
    return text + (f" (source: {f.source or 'not recorded'})" if source else "")


def sources(facts: list[FactRecord]) -> str:
    names = list(dict.fromkeys(f.source or "not recorded" for f in facts))
    return "Sources: " + "; ".join(names) + "."


def amount(numeric: float, unit: str, qualifier: str = "") -> str:
    """A computed amount: signs and qualifiers carried, "about +10,000"."""
    sign = "+" if numeric > 0 else "−" if numeric < 0 else "±"
    text = f"{sign}{format_amount(abs(numeric), unit)}"
    return f"{qualifier} {text}" if qualifier else text


def carried_qualifier(*facts: FactRecord) -> str:
    """A figure computed from an "over"/"about" figure is itself only "about"."""
    return "about" if any(f.qualifier for f in facts) else ""


def licence_short(lc: LicenceRecord) -> str:
    bits = [b for b in (lc.kind, lc.technology) if b]
    return f"{lc.licensee} ({', '.join(bits)})" if bits else lc.licensee


def licence_line(lc: LicenceRecord) -> str:
    parts = [lc.kind or "licence", f"licensor {lc.licensor}"]
    if lc.technology:
        parts.append(lc.technology)
    if lc.territory:
        parts.append(lc.territory)
    if lc.signed_on:
        parts.append(f"signed {lc.signed_on.isoformat()}")
    if lc.expires_on:
        parts.append(f"expires {lc.expires_on.isoformat()}")
    if lc.status:
        parts.append(lc.status)
    return f"{lc.licensee}: " + ", ".join(parts)


def patent_line(pt: PatentRecord) -> str:
    bits = [b for b in (pt.jurisdiction, pt.status, pt.owner) if b]
    if pt.expiry_date:
        bits.append(f"expires {pt.expiry_date.isoformat()}")
    if pt.family_id:
        bits.append(f"family {pt.family_id}")
    extra = f" ({', '.join(bits)})" if bits else ""
    return f"{pt.number} — {' '.join(pt.title.split())}{extra}"


def plural(n: int, noun: str, many: str | None = None) -> str:
    return f"{n:,} {noun if n == 1 else (many or noun + 's')}"


def change_text(record: Record | None, *, parties: bool = True) -> str:
    """A fact, licence or alias as a change shows it, for history, undo, admin replies
    and the digest. `parties=False` where the label already names the licensee and
    licensor (the digest)."""
    if record is None:
        return "none"
    if isinstance(record, FactRecord):
        return value_of(record)
    if isinstance(record, AliasRecord):
        return record.metric
    bits = [f"{record.licensor} → {record.licensee}"] if parties else []
    bits += [b for b in (record.kind, record.technology, record.territory, record.status) if b]
    if parties and record.signed_on:
        bits.append(f"signed {record.signed_on.isoformat()}")
    if record.expires_on:
        bits.append(f"expires {record.expires_on.isoformat()}")
    return ", ".join(bits) or "on record"
