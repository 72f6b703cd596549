"""A question read into words and time slots, before any meaning is chosen.

`read()` cuts the text, strips Slack markup, segments Chinese, pulls out patent
numbers, years, ranges and time windows, and turns the rest into `Word`s: each
keeps what was typed (to name it when it is not understood) and the normalised
token the planner compares. Nothing here looks at the store."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from handlers import lexicon as lx
from handlers import text as tx
from store.values import YEAR_PATTERN

MAX_QUESTION_CHARS = 4000

_JURISDICTIONS = (
    "US|EP|CN|WO|JP|KR|DE|GB|FR|CA|AU|IN|TW|RU|BR|ES|IT|NL|SE|FI|CH|AT|DK|MX|ZA|IL|SG|HK|NZ|BE|NO|PL|PT"
)
PATENT_NUMBER = re.compile(
    rf"\b({_JURISDICTIONS})[\s\-]*((?:\d[\s,.\-/]?){{5,13}}\d)(?:[\s\-]*([A-Z]\d?))?(?![A-Z0-9])",
    re.IGNORECASE,
)
_YEAR = YEAR_PATTERN
_SHORT_YEAR = re.compile(r"(?:\bfy\s?|(?<![\w'])')(\d\d)\b")
YEAR = re.compile(rf"\b{_YEAR}\b")
_RANGE = re.compile(
    rf"\b(?:(from|between)\s+)?{_YEAR}\s*(?:-|–|—|\.\.|to|until|till|through|thru|and)\s*{_YEAR}\b"
)
_SINCE = re.compile(rf"\b(since|after|from)\s+{_YEAR}\b")
_RELATIVE_YEAR = re.compile(
    r"\b(last|previous|past|prior|this|current|next|coming)\s+(?:fiscal\s+|financial\s+)?(?:year|yr)\b"
)
# "don't", "we've": the contraction's own word, so "not" is read (and refused) as such
_CONTRACTIONS = {"n't": " not", "'ve": " have", "'re": " are", "'ll": " will", "'m": " am"}
_CONTRACTION = re.compile(r"(?<=[a-z])(n't|'ve|'re|'ll|'m)\b")
# "/ip help" typed as text
_SLASH = re.compile(r"^\s*/ip\b")
# "2019 vs the year before": the previous year, counted from the year named
_YEAR_BEFORE = re.compile(r"\bthe\s+year\s+before\b")
# "3 yrs ago", "two years ago": a calendar year counted back from this one
_YEARS_AGO = re.compile(r"\b(\d{1,2}|one|two|three|four|five|six|ten|a)\s+(?:years|yrs|year|yr)\s+ago\b")
_LAST_N_YEARS = re.compile(r"\b(?:last|past|previous)\s+(\d{1,2}|two|three|four|five|six|ten)\s+(?:years|yrs)\b")
_WINDOW = re.compile(
    r"\b(?:(?:in|within|over|during)?\s*(?:the\s+)?(?:next|coming|upcoming|following)|within)\s+(\d{1,4}\s+)?"
    r"(days?|weeks?|months?|quarter)\b"
)
_THIS_WINDOW = re.compile(r"\b(this|current)\s+(quarter|month)\b")
# Slack emoji shortcodes (":tada:") and formatting marks around words
EMOJI = re.compile(r":[a-z0-9_+\-]{1,40}:")
_FORMAT = re.compile(r"[*_~`]+")
# list markers that split a multi-part question: "1)", "2.", "(3)", "a)". "\s{1,20}and", not "\s+and":
# the pattern is tried from every character of a run of whitespace, and 4,000 spaces took 80 ms
_PART_SPLIT = re.compile(
    r"(?:^|\s)(?:\(?\d{1,2}[).]|\(?[a-c]\))\s+|[?;\n？；]+|\s{1,20}(?:and|also|plus)\s+(?=(?:who|what|when|which|how|where|"
    r"is|are|does|do|did|list|show|tell)\b)|(?<!\d)\s\+\s|\s\+\s(?!\d)|\s[—–-]\s"
)
_ENUMERATOR = re.compile(r"^\s*\(?\d{1,2}[).]\s+")
_YEAR_MARK = "yearmark"
YEAR_NORM, YEAR_TAG = "<year>", "year"
_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


@dataclass
class Word:
    norm: str  # as the matcher compares it
    surface: str  # as typed, to name it when not understood
    tag: str = ""  # what explained it; "" = nothing yet
    # norm is a typo correction of what was typed ("signl" -> "sign"): a guess, so it
    # may not be the only word that turns a patent question into another kind
    corrected: bool = False
    # lexicon kinds, worked out once (handlers.plan.Context.kinds)
    kinds: frozenset[str] | None = field(default=None, compare=False, repr=False)


@dataclass
class Question:
    raw: str
    words: list[Word] = field(default_factory=list)
    years: list[str] = field(default_factory=list)
    year_range: tuple[str, str] | None = None  # both ends stated
    since: str | None = None  # open range up to the latest stored
    since_text: str = ""  # as typed ("after 2022" is since 2023)
    last_n_years: int | None = None
    window_days: int | None = None  # "in the next 90 days", "this quarter"
    patent_numbers: list[str] = field(default_factory=list)
    capitalised: frozenset[str] = frozenset()  # surfaces typed with a capital letter mid-sentence
    acronyms: frozenset[str] = frozenset()  # surfaces typed in capitals ("US" is not "us")

    def norms(self, *, free_only: bool = False) -> list[str]:
        return [w.norm for w in self.words if not (free_only and w.tag)]

    def has(self, *norms: str) -> bool:
        have = {w.norm for w in self.words}
        return any(n in have for n in norms)

    def tag(self, norms: set[str] | frozenset[str], tag: str) -> bool:
        hit = False
        for w in self.words:
            if not w.tag and w.norm in norms:
                w.tag = tag
                hit = True
        return hit

    def untagged(self) -> list[Word]:
        return [w for w in self.words if not w.tag]


def split_parts(text: str) -> list[str]:
    """"1) R&D 2022 2) licensing revenue", "who is the CLO and what does he say about
    patent fees", "Two quick ones. First, …. Second, …": each part is planned on its
    own. Text is capped by the caller."""
    # "…?\n2. licensing revenue": the enumerator after a split is not part of the question
    parts = [_ENUMERATOR.sub("", p).strip(" ,.") for s in sentences(text) for p in _PART_SPLIT.split(s)]
    return [p for p in parts if p and tx.tokens(p)]


# "Hi team! … Thanks." and "…cap. Second, the 5G one": a full stop or "!" before a space ends a
# sentence, unless it closes an abbreviation ("Co. Ltd", "U.S. patents", "e.g. 5G") or a number
_SENTENCE_END = re.compile(r"[.!]+(?:\s+|$)|[。！]+")
_ABBREVIATIONS = frozenset("us uk eu prc inc co ltd corp llc plc ag gmbh no nr vs v etc eg ie approx ca mr ms mrs "
                           "dr st fig jan feb mar apr jun jul aug sep sept oct nov dec".split())


def sentences(text: str) -> list[str]:
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        fragment = text[start : m.start()].split()
        before = re.split(r"[\s(]", text[start : m.start()])[-1].lower().replace(".", "")
        after = text[m.end() : m.end() + 1]
        # "lic. revenue FY22": one word before a lower-case word is an abbreviation, not a sentence
        sentence = after.isupper() or after.isdigit() or len(fragment) >= 2
        if not set(m.group(0)) & set("!。！") and (not sentence or len(before) < 2 or before in _ABBREVIATIONS
                                      or before.isdigit()):
            continue
        out.append(text[start : m.start()])
        start = m.end()
    out.append(text[start:])
    return [s for s in out if s.strip()]


def segment_chinese(text: str) -> str:
    """Forward maximum matching against the Chinese lexicon: each known word becomes
    its English form; an unknown run of characters stays as one word, so it is
    reported as not understood rather than dropped."""

    def run(m: re.Match[str]) -> str:
        s, out, i, unknown = m.group(0), [], 0, ""
        while i < len(s):
            for n in range(min(lx.CHINESE_MAX, len(s) - i), 0, -1):
                if s[i : i + n] in lx.CHINESE:
                    if unknown:
                        out.append(unknown)
                        unknown = ""
                    out.append(lx.CHINESE[s[i : i + n]])
                    i += n
                    break
            else:
                unknown += s[i]
                i += 1
        if unknown:
            out.append(unknown)
        return " " + " ".join(o for o in out if o) + " "

    return _CJK.sub(run, text)


def _capitalised(raw: str) -> frozenset[str]:
    """Words typed in title case: names, or the first word of a sentence (the
    planner only treats one as a name when nothing else explains it)."""
    words = re.findall(r"[A-Za-z][\w&.\-]{0,40}", raw[:MAX_QUESTION_CHARS])
    # Title case only: "TABLE" or "CEO" in capitals is shouting or an acronym, not a name
    return frozenset(w.lower().rstrip(".") for w in words if w[0].isupper() and not w.isupper())


def read(text: str, now: datetime) -> Question:
    raw = text[:MAX_QUESTION_CHARS]
    q = Question(raw=raw, capitalised=_capitalised(raw),
                 acronyms=frozenset(w.lower() for w in re.findall(r"\b[A-Z]{2,5}\b", raw)))
    cleaned = tx.clean(_SLASH.sub(" ", raw))
    if "'" in cleaned:
        # "we've" -> "we have"; a quote mark before a word ("'vehicle'") is not a contraction
        cleaned = _CONTRACTION.sub(lambda m: _CONTRACTIONS[m.group(1)], cleaned)
    cleaned = _FORMAT.sub(" ", EMOJI.sub(" ", cleaned))
    if _CJK.search(cleaned):
        cleaned = re.sub(r"((?:19|20)\d\d)\s*年", r" \1 ", cleaned)
        cleaned = segment_chinese(cleaned)
    for m in PATENT_NUMBER.finditer(cleaned):
        q.patent_numbers.append(tx.number_key(m.group(0)))
    cleaned = PATENT_NUMBER.sub(" ", cleaned)

    # '22 and FY22 are 2022
    cleaned = _read_years(q, _SHORT_YEAR.sub(lambda m: f" 20{m.group(1)} ", cleaned), now)
    cleaned = _read_windows(q, cleaned)
    # a year stays in the word list as a marker, so "R&D 2023, revenue 2024" pairs
    # each figure with its year and "patents 2023 licensing" are not one phrase
    cleaned = YEAR.sub(lambda m: f" {_YEAR_MARK}{m.group(1)} ", cleaned)

    surfaces = [t.strip(".,") for t in tx._TOKEN.findall(tx.prepare(cleaned))]
    words = [Word(YEAR_NORM, s[len(_YEAR_MARK):], YEAR_TAG) if s.startswith(_YEAR_MARK)
             else Word(tx.normalise(s), s) for s in surfaces if s]
    words = [Word("percent", w.surface) if w.norm == "%" else w for w in words]
    q.words = _rewrite_phrases(_join_generations(words))
    return q


def _read_years(q: Question, cleaned: str, now: datetime) -> str:
    """Years, ranges ("2019-2023", "from 2019 to 2023"), "since 2020", "last year",
    "last 3 years" into q; returns the text without the ranges and relative years."""
    rng = _RANGE.search(cleaned)
    if rng and rng.group(2) != rng.group(3) and (rng.group(1) or not re.search(r"\band\b", rng.group(0))):
        a, b = sorted((rng.group(2), rng.group(3)))
        q.year_range = (a, b)
    since = _SINCE.search(cleaned)
    if since and not q.year_range:
        # "after 2022" starts in 2023; "since/from 2022" in 2022
        q.since = str(int(since.group(2)) + 1) if since.group(1) == "after" else since.group(2)
        q.since_text = since.group(0)
        cleaned = _SINCE.sub(" ", cleaned)
    cleaned = _YEAR_BEFORE.sub(" previous year ", cleaned)
    q.years = list(dict.fromkeys(m.group(1) for m in YEAR.finditer(cleaned)))
    for m in _RELATIVE_YEAR.finditer(cleaned):
        offset = {"last": -1, "previous": -1, "past": -1, "prior": -1, "next": 1, "coming": 1}.get(m.group(1), 0)
        before = [y.group(1) for y in YEAR.finditer(cleaned, 0, m.start())]
        # "2023 vs the previous year" is 2022; "last year" is always the calendar year before this one
        base = int(before[-1]) if before and m.group(1) in ("previous", "prior") else now.year
        q.years.append(str(base + offset))
    cleaned = _RELATIVE_YEAR.sub(" ", cleaned)
    for m in _YEARS_AGO.finditer(cleaned):
        n = m.group(1)
        back = int(n) if n.isdigit() else 1 if n in ("a", "one") else _NUMBER_WORDS[n]
        q.years.append(str(now.year - back))
    cleaned = _YEARS_AGO.sub(" ", cleaned)
    last_n = _LAST_N_YEARS.search(cleaned)
    if last_n and not q.year_range:
        # the last N calendar years before this one, not the last N on record: a
        # figure missing for a recent year must show as missing
        n = last_n.group(1)
        q.last_n_years = int(n) if n.isdigit() else _NUMBER_WORDS[n]
        q.year_range = (str(now.year - q.last_n_years), str(now.year - 1))
        cleaned = _LAST_N_YEARS.sub(" ", cleaned)
    return _RANGE.sub(" ", cleaned) if q.year_range else cleaned


def _read_windows(q: Question, cleaned: str) -> str:
    """"in the next 90 days", "this quarter": a window from today, in days."""
    window = _WINDOW.search(cleaned)
    if window:
        q.window_days = int(window.group(1) or 1) * lx.WINDOW_UNITS[window.group(2).rstrip("s")]
        return _WINDOW.sub(" ", cleaned)
    this = _THIS_WINDOW.search(cleaned)
    if this:
        q.window_days = lx.WINDOW_UNITS[this.group(2)]
        return _THIS_WINDOW.sub(" ", cleaned)
    return cleaned


def _join_generations(words: list[Word]) -> list[Word]:
    out: list[Word] = []
    for w in words:
        if out and out[-1].norm == "wifi" and w.norm in ("4", "5", "6", "7", "8"):
            out[-1] = Word("wifi" + w.norm, f"{out[-1].surface} {w.surface}")
        else:
            out.append(w)
    return out


def _rewrite_phrases(words: list[Word]) -> list[Word]:
    """Apply lexicon.PHRASES left to right, again over the result until nothing changes
    ("ipr licensing" -> "ip licensing" -> "licensing")."""
    for _ in range(3):
        out = _rewrite_once(words)
        if [w.norm for w in out] == [w.norm for w in words]:
            return out
        words = out
    return words


# lexicon.PHRASES by first word, in their order: a word is compared only with the
# phrases it can start (all 56 for each of 2,000 words took ~60 ms on a 4,000-character question)
_PHRASES_BY_FIRST: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
for _src, _dst in lx.PHRASES:
    _PHRASES_BY_FIRST.setdefault(_src[0], []).append((_src, _dst))


def _rewrite_once(words: list[Word]) -> list[Word]:
    out: list[Word] = []
    i = 0
    norms = [w.norm for w in words]
    while i < len(words):
        for src, dst in _PHRASES_BY_FIRST.get(norms[i], ()):
            n = len(src)
            if tuple(norms[i : i + n]) == src:
                surface = " ".join(w.surface for w in words[i : i + n])
                out.extend(Word(d, surface) for d in dst)
                i += n
                break
        else:
            out.append(words[i])
            i += 1
    return out
