"""Answering questions: parse the slots, match against the in-memory index, reply.

The rules users rely on (see the domain primer):
- an answer states value, qualifier, unit, period and source;
- a year that was asked and is not stored is not answered with another year;
- a question about something the store does not hold gets "not known" and at
  most three suggestions of what it does hold."""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

from rapidfuzz import fuzz, process
from sqlalchemy.exc import SQLAlchemyError

from handlers import text as tx
from handlers.deps import Deps
from handlers.errors import StoreUnavailable
from handlers.replies import FactView, LicenceView, PatentView, Reply, ReplyKind
from store import patents as patent_repo
from store import questions as question_repo
from store.values import format_value

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 4000
SHOWN = 10
DEFAULT_SUBJECT = "Huawei"

_YEAR = re.compile(r"\b(?:fy\s*)?((?:19|20)\d\d)\b")
_RELATIVE_YEAR = re.compile(r"\b(last|previous|past|this|current|next)\s+(?:fiscal\s+|financial\s+)?year\b")
_JURISDICTIONS = (
    "US|EP|CN|WO|JP|KR|DE|GB|FR|CA|AU|IN|TW|RU|BR|ES|IT|NL|SE|FI|CH|AT|DK|MX|ZA|IL|SG|HK|NZ|BE|NO|PL|PT"
)
_PATENT_NUMBER = re.compile(
    rf"\b({_JURISDICTIONS})[\s\-]*((?:\d[\s,.\-/]?){{5,13}}\d)(?:[\s\-]*([A-Z]\d?))?(?![A-Z0-9])",
    re.IGNORECASE,
)
_LICENSING_WORDS = frozenset({"licensee", "license", "licensing", "licensed", "licensor", "signed", "sign"})
_COUNT_WORDS = re.compile(r"\bhow many\b|\bnumber of\b|\bcount\b|\bhow much\b")
_SUBJECT_MARKER = frozenset({"of", "for", "at", "by"})

LICENSING_METRICS = ("bilateral patent licences", "companies licensed", "licensing revenue")

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


@dataclass
class Parsed:
    raw: str
    tokens: list[str]
    content: list[str]
    years: list[str] = field(default_factory=list)
    patent_numbers: list[str] = field(default_factory=list)
    subject_words: list[str] = field(default_factory=list)


def fact_sentence(f: FactView) -> str:
    value = format_value(f.numeric, f.unit, f.qualifier, f.value)
    template = PHRASES.get(f.metric, "{subject}'s {metric}{in_period}: {value}")
    return template.format(
        subject=f.subject,
        metric=f.metric,
        value=value,
        period=f.period,
        in_period=f" in {f.period}" if f.period else "",
        at_period=f" at the end of {f.period}" if f.period else "",
    ) + f" (source: {f.source or 'not recorded'})"


def parse(question: str, now: datetime) -> Parsed:
    raw = question[:MAX_QUESTION_CHARS]
    cleaned = tx.clean(raw)
    numbers = []
    for m in _PATENT_NUMBER.finditer(cleaned):
        numbers.append(tx.number_key(m.group(0)))
    cleaned = _PATENT_NUMBER.sub(" ", cleaned)
    years = [m.group(1) for m in _YEAR.finditer(cleaned)]
    for m in _RELATIVE_YEAR.finditer(cleaned):
        word = m.group(1)
        offset = {"last": -1, "previous": -1, "past": -1, "next": 1}.get(word, 0)
        years.append(str(now.year + offset))
    cleaned = _RELATIVE_YEAR.sub(" ", _YEAR.sub(" ", cleaned))
    toks = tx.tokens(cleaned)
    content = [t for t in toks if t not in tx.STOPWORDS and not t.isdigit()]
    return Parsed(raw=raw, tokens=toks, content=content, years=list(dict.fromkeys(years)),
                  patent_numbers=list(dict.fromkeys(numbers)))


async def ask(deps: Deps, question: str, *, user: str = "", channel: str = "",
              topic: str | None = None) -> Reply:
    """Answer one question. `topic` is the metric of an earlier reply in the same
    thread, so "and 2021?" follows up on it."""
    parsed = parse(question, deps.now())
    if not parsed.content and not parsed.years and not parsed.patent_numbers:
        if parsed.raw.strip() and not parsed.tokens:
            reply = _not_known(deps, parsed, "I could not find a question in that.")
        else:
            return help_reply()
    elif parsed.content[:1] == ["help"] and len(parsed.content) <= 2:
        return help_reply()
    else:
        reply = await _route(deps, parsed, topic)
    if not reply.answered and reply.kind is ReplyKind.NOT_KNOWN:
        await _log_unanswered(deps, parsed.raw, user, channel)
    return reply


async def _route(deps: Deps, p: Parsed, topic: str | None) -> Reply:
    idx = deps.index
    if p.patent_numbers:
        return await patent_lookup(deps, p)
    vocabulary = _question_vocabulary(idx.facts.vocabulary, idx.licences.name_tokens)
    content = [idx.correct(t, vocabulary) for t in p.content]
    metric, used = _match_metric(deps, content)
    leftover = [t for t in content if t not in used]
    starts_with_patent = content[:1] == ["patent"] or p.tokens[:2] in (["find", "patent"], ["search", "patent"])
    asks_count = bool(_COUNT_WORDS.search(p.raw.lower()))
    if starts_with_patent and not asks_count and (metric is None or leftover):
        return await patent_search(deps, p, p.content)
    licensees = idx.find_licensees(p.tokens)
    if licensees and (metric is None or metric in LICENSING_METRICS):
        return licensee_lookup(deps, p, licensees)
    if _is_licensing_picture(p, content):
        return licensing_picture(deps, p)
    if metric is None and topic and p.years and not content:
        metric = topic
    if metric is None:
        return _not_known(deps, p, "I don't know that.")
    unknown_subject = _unknown_subject(deps, p, leftover)
    if unknown_subject:
        return _not_known(
            deps, p,
            f"I have no figures for {unknown_subject}; I only hold facts about "
            f"{', '.join(sorted(deps.index.facts.subjects.values())) or 'nothing yet'}.",
        )
    return metric_answer(deps, p, metric)


@functools.lru_cache(maxsize=4)
def _question_vocabulary(facts: frozenset[str], licensees: frozenset[str]) -> frozenset[str]:
    """The words a question's typos are corrected towards. Built once per index
    snapshot (the sets are swapped, not mutated, on refresh), not per question:
    with thousands of licensees the union alone cost ~0.35 ms."""
    return facts | licensees | _LICENSING_WORDS


def _match_metric(deps: Deps, content: list[str]) -> tuple[str | None, frozenset[str]]:
    """The metric whose name or alias is fully present in the question; the longest
    such phrase wins ("r&d share of revenue" over "r&d")."""
    fidx = deps.index.facts
    have = set(content)
    best: tuple[int, int, str] | None = None
    best_tokens: frozenset[str] = frozenset()
    for k, toks in fidx.phrase_tokens.items():
        if toks <= have:
            cand = (len(toks), -len(k), k)
            if best is None or cand > best:
                best, best_tokens = cand, toks
    if best is None:
        return None, frozenset()
    return fidx.phrases[best[2]], best_tokens


def _is_licensing_picture(p: Parsed, content: list[str]) -> bool:
    """`licensees 2022`, `licences 2023`, `who signed in 2023?`: the year's licensing
    picture rather than one count ("how many licensees" is a count)."""
    if _COUNT_WORDS.search(p.raw.lower()):
        return False
    rest = [t for t in content if t not in ("who", "list", "show", "new")]
    return bool(rest) and len(rest) <= 2 and all(t in _LICENSING_WORDS for t in rest)


def _unknown_subject(deps: Deps, p: Parsed, leftover: list[str]) -> str | None:
    """A company or person named in the question that the store holds nothing about
    ("licensing revenue of Apple"): answering with Huawei's figure would be wrong."""
    known = set(deps.index.facts.subjects) | deps.index.licences.name_tokens
    words = re.findall(r"[A-Za-z][\w&.-]*", p.raw)
    for i, w in enumerate(words):
        lw = tx.stem(w.lower())
        if lw not in leftover or lw in known:
            continue
        after_marker = i > 0 and words[i - 1].lower() in _SUBJECT_MARKER
        if after_marker or (i > 0 and w[0].isupper()) or w.lower().endswith("'s"):
            return w
    return None


def metric_answer(deps: Deps, p: Parsed, metric: str, subject: str = DEFAULT_SUBJECT) -> Reply:
    """A figure by name and year.
    e.g. what was R&D spending in 2022? · licensing revenue · how many valid patents? · chief legal officer"""
    periods = deps.index.facts.periods(subject, metric)
    if not periods:
        return _not_known(deps, p, f"I have no figure for {metric}.")
    if "" in periods and not p.years:
        f = periods[""]
        return Reply(ReplyKind.ANSWER, fact_sentence(f), facts=[f], topic=metric)
    dated = sorted((k for k in periods if k), reverse=True)
    if not p.years:
        f = periods[dated[0]]
        others = dated[1:]
        note = f"Also on record: {', '.join(others)}." if others else ""
        return Reply(ReplyKind.ANSWER, fact_sentence(f), note=note, facts=[f], topic=metric)
    found = [periods[y] for y in p.years if y in periods]
    missing = [y for y in p.years if y not in periods]
    have = ", ".join(dated) if dated else "no year"
    if not found:
        return Reply(
            ReplyKind.NOT_KNOWN,
            f"I have no figure for {metric} in {' or '.join(missing)}.",
            note=f"I have {metric} for: {have}.",
            suggestions=[f"{metric} {y}" for y in dated[:3]],
            topic=metric,
        )
    headline = fact_sentence(found[0]) if len(found) == 1 else f"{metric}:"
    lines = [fact_sentence(f) for f in found] if len(found) > 1 else []
    note = f"No figure for {' or '.join(missing)}; I have: {have}." if missing else ""
    return Reply(ReplyKind.ANSWER, headline, lines=lines, note=note, facts=found, topic=metric)


def licensing_picture(deps: Deps, p: Parsed, subject: str = DEFAULT_SUBJECT) -> Reply:
    """The licensing picture of a year: licence counts, revenue and who signed.
    e.g. licensees 2022 · licences 2023 · who signed in 2023?"""
    fidx = deps.index.facts
    years_with: set[str] = set()
    for m in LICENSING_METRICS:
        years_with |= {k for k in fidx.periods(subject, m) if k}
    signed_years = {str(lc.signed_on.year) for lc in deps.index.licences.licences if lc.signed_on}
    years_with |= signed_years
    have = ", ".join(sorted(years_with, reverse=True)) or "none"
    if not p.years:
        if not years_with:
            return _not_known(deps, p, "I hold no licensing figures or licences yet.")
        year = max(years_with)
    else:
        year = p.years[0]
    facts = [fidx.periods(subject, m)[year] for m in LICENSING_METRICS if year in fidx.periods(subject, m)]
    signed = [lc for lc in deps.index.licences.licences if lc.signed_on and lc.signed_on.year == int(year)]
    if not facts and not signed:
        return Reply(
            ReplyKind.NOT_KNOWN,
            f"I have no licensing figures or licences for {year}.",
            note=f"Years with licensing data: {have}.",
            suggestions=[f"licensees {y}" for y in sorted(years_with, reverse=True)[:3]],
        )
    lines = [fact_sentence(f) for f in facts]
    if signed:
        lines.append(f"Licences signed in {year}: " + ", ".join(_licence_short(lc) for lc in signed[:SHOWN]))
        if len(signed) > SHOWN:
            lines.append(f"and {len(signed) - SHOWN} more — narrow the question")
    elif facts:
        lines.append(f"No named licensees are stored for {year}.")
    return Reply(
        ReplyKind.ANSWER, f"Licensing in {year}:", lines=lines, facts=facts, licences=signed,
        topic="licensing revenue",
    )


def _licence_short(lc: LicenceView) -> str:
    bits = [b for b in (lc.kind, lc.technology) if b]
    return f"{lc.licensee} ({', '.join(bits)})" if bits else lc.licensee


def licensee_lookup(deps: Deps, p: Parsed, names: list[str]) -> Reply:
    """Licences with a named company.
    e.g. do we license Ericsson? · Nokia licence"""
    found = [lc for lc in deps.index.licences.licences if lc.licensee in names]
    if p.years:
        found = [lc for lc in found if lc.signed_on and str(lc.signed_on.year) in p.years]
        if not found:
            return Reply(
                ReplyKind.NOT_KNOWN,
                f"No licence with {', '.join(names)} signed in {' or '.join(p.years)}.",
                suggestions=names[:3],
            )
    lines = []
    for lc in found[:SHOWN]:
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
        lines.append(f"{lc.licensee}: " + ", ".join(parts))
    if len(found) > SHOWN:
        lines.append(f"and {len(found) - SHOWN} more — narrow the question")
    head = f"Yes — {len(found)} licence{'s' if len(found) != 1 else ''} on record:"
    return Reply(ReplyKind.ANSWER, head, lines=lines, licences=found)


async def patent_lookup(deps: Deps, p: Parsed) -> Reply:
    """One patent by number, in any spacing or case, with or without kind code.
    e.g. patent US 8818681 B1 · EP3123456A1"""
    pidx = deps.index.patents
    positions: list[int] = []
    missing: list[str] = []
    for nkey in p.patent_numbers:
        if nkey in pidx.by_number:
            positions.append(pidx.by_number[nkey])
        elif tx.number_without_kind(nkey) in pidx.by_number_nokind:
            positions.extend(pidx.by_number_nokind[tx.number_without_kind(nkey)])
        else:
            missing.append(nkey)
    if not positions:
        return Reply(
            ReplyKind.NOT_KNOWN,
            f"No patent {', '.join(missing)} is in the store.",
            note="Search by title words instead: patents <words>.",
        )
    patents = await _fetch_patents(deps, [pidx.ids[i] for i in positions[:SHOWN]])
    lines = [_patent_line(pt) for pt in patents]
    note = f"Not in the store: {', '.join(missing)}." if missing else ""
    head = lines[0] if len(lines) == 1 else f"{len(lines)} patents:"
    return Reply(ReplyKind.ANSWER, head, lines=lines if len(lines) > 1 else [], note=note, patents=patents)


async def patent_search(deps: Deps, p: Parsed, content: list[str]) -> Reply:
    """Patents whose titles contain the words.
    e.g. patents tailgaters · patents autonomous vehicle lidar"""
    words = [t for t in content if t != "patent"]
    res = deps.index.search_titles(words)
    shown_words = " ".join(words) or "(no words)"
    if not res.positions:
        if not words:
            return help_reply()
        why = f" (unknown words: {', '.join(res.unknown_words)})" if res.unknown_words else ""
        return Reply(ReplyKind.NOT_KNOWN, f"No patent titles match “{shown_words}”{why}.",
                     note="Try fewer or other title words, or a patent number like US 8818681 B1.")
    patents = await _fetch_patents(deps, [deps.index.patents.ids[i] for i in res.positions])
    count = f"{res.total:,}" if res.exact_total else f"over {res.total:,}"
    noun = "patent" if res.total == 1 and res.exact_total else "patents"
    # the matcher works rarest word first; the reader sees the words in their order
    in_order = sorted(res.words, key=lambda w: words.index(w) if w in words else len(words))
    head = f"{count} {noun} with “{' '.join(in_order)}” in the title"
    head += ":" if res.total <= len(patents) else f"; the {len(patents)} closest:"
    note = f"and {res.total - len(patents):,} more — narrow the question" if res.total > len(patents) else ""
    return Reply(ReplyKind.ANSWER, head, lines=[_patent_line(pt) for pt in patents], note=note,
                 patents=patents)


async def _fetch_patents(deps: Deps, ids: list[int]) -> list[PatentView]:
    try:
        async with deps.sessions() as session:
            rows = await patent_repo.get_many(session=session, ids=ids)
    except (SQLAlchemyError, OSError) as exc:
        raise StoreUnavailable() from exc
    return [
        PatentView(r.number, r.title, r.jurisdiction, r.status, r.filing_date, r.grant_date, r.expiry_date,
                   r.family_id, r.technology, r.owner)
        for r in rows
    ]


def _patent_line(pt: PatentView) -> str:
    bits = [b for b in (pt.jurisdiction, pt.status, pt.owner) if b]
    if pt.expiry_date:
        bits.append(f"expires {pt.expiry_date.isoformat()}")
    if pt.family_id:
        bits.append(f"family {pt.family_id}")
    extra = f" ({', '.join(bits)})" if bits else ""
    return f"{pt.number} — {pt.title}{extra}"


def suggestions_for(deps: Deps, p: Parsed, limit: int = 3) -> list[str]:
    """Up to three things the store does hold that look like the question."""
    fidx = deps.index.facts
    query = " ".join(p.content)
    if not query or not fidx.phrases:
        return []
    hits = process.extract(query, list(fidx.phrases), scorer=fuzz.WRatio, limit=10, score_cutoff=60)
    out: list[str] = []
    for phrase, _score, _ in hits:
        metric = fidx.phrases[phrase]
        periods = fidx.periods(DEFAULT_SUBJECT, metric)
        dated = sorted((k for k in periods if k), reverse=True)
        year = next((y for y in p.years if y in periods), dated[0] if dated else "")
        s = f"{metric} {year}".strip()
        if s not in out:
            out.append(s)
        if len(out) == limit:
            break
    return out


def _not_known(deps: Deps, p: Parsed, headline: str) -> Reply:
    return Reply(
        ReplyKind.NOT_KNOWN,
        headline,
        suggestions=suggestions_for(deps, p),
        note="Type `help` to see what I can answer.",
    )


async def _log_unanswered(deps: Deps, text: str, user: str, channel: str) -> None:
    # best effort: an answer must still go out when the log cannot be written
    try:
        async with deps.sessions() as session, session.begin():
            await question_repo.log_unanswered(session=session, text=text, user=user, channel=channel,
                                               at=deps.clock())
    except (SQLAlchemyError, OSError):
        log.warning("could not log an unanswered question: store unavailable")


HELP_EXAMPLES: list[tuple[str, str]] = []


def help_reply() -> Reply:
    """What can be asked, built from the docstrings of the answering functions (and
    any admin/digest handlers that register themselves), so help never drifts."""
    lines = []
    for fn in (metric_answer, licensing_picture, licensee_lookup, patent_search, patent_lookup):
        summary, examples = _doc_parts(fn.__doc__ or "")
        lines.append(f"{summary} — {examples}")
    lines += [f"{s} — {e}" for s, e in HELP_EXAMPLES]
    return Reply(
        ReplyKind.HELP,
        "Ask me about Huawei's IP figures, licences and patents. For example:",
        lines=lines,
        note="Answers state the qualifier (over, almost, about), unit, year and source.",
    )


def register_help(fn: object) -> None:
    summary, examples = _doc_parts(getattr(fn, "__doc__", "") or "")
    if (summary, examples) not in HELP_EXAMPLES:
        HELP_EXAMPLES.append((summary, examples))


def _doc_parts(doc: str) -> tuple[str, str]:
    lines = [ln.strip() for ln in doc.strip().splitlines() if ln.strip()]
    summary = lines[0].rstrip(".") if lines else ""
    examples = next((ln[len("e.g. "):] for ln in lines if ln.startswith("e.g. ")), "")
    return summary, examples
