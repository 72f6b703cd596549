"""Turning what people type into comparable tokens.

Everything here is pure and cheap: it runs on every question and on every
title when the index is built."""

from __future__ import annotations

import re
import unicodedata

from store.keys import number_key as number_key  # re-exported for the matcher

# British -> American and the typos people really make; applied per token before
# stemming so "licencees", "Licences" and "licenses" meet as "licensee"/"license".
SPELLINGS = {
    "licence": "license",
    "licences": "licenses",
    "licenced": "licensed",
    "licencing": "licensing",
    "licencee": "licensee",
    "licencees": "licensees",
    "licencor": "licensor",
    "licensees": "licensees",
    "lisence": "license",
    "lisences": "licenses",
    "lisensing": "licensing",
    "licensce": "license",
    "licsense": "license",
    "liscense": "license",
    "liscensing": "licensing",
    "licesing": "licensing",
    "licensin": "licensing",
    "licenses": "licenses",
    "authorised": "authorized",
    "authorisation": "authorization",
    "programme": "program",
    "programmes": "programs",
    "organisation": "organization",
    "patnet": "patent",
    "patnets": "patents",
    "pateents": "patents",
    "paten": "patent",
    "patens": "patents",
    "patetns": "patents",
    "reserch": "research",
    "reasearch": "research",
    "resarch": "research",
    "researh": "research",
    "revenu": "revenue",
    "revenues": "revenue",
    "rev": "revenue",
    "reveune": "revenue",
    "revnue": "revenue",
    "spendings": "spending",
    "spend": "spending",
    "spent": "spending",
    "invested": "investment",
    "invest": "investment",
    "expenditures": "expenditure",
    "royalites": "royalties",
    "royality": "royalty",
    "compnaies": "companies",
    "comapnies": "companies",
    "valied": "valid",
    "vaild": "valid",
    "granted": "granted",
    "cumulitive": "cumulative",
    "cummulative": "cumulative",
    "reserach": "research",
    "budjet": "budget",
    "nubmers": "numbers",
    "nubmer": "number",
    "terriory": "territory",
    "teritory": "territory",
    "waht": "what",
    "agian": "again",
    "trned": "trend",
    "whcih": "which",
    "expendture": "expenditure",
    # company short forms a licensing team types
    "vw": "volkswagen",
}

# words that mean the same thing to a finance or licensing reader (the domain primer)
SYNONYMS = {
    "research": "r&d",
    "rd": "r&d",
    "investment": "spending",
    "expenditure": "spending",
    "expense": "spending",
    "budget": "spending",
    "cost": "spending",
    "sale": "revenue",
    "turnover": "revenue",
    "topline": "revenue",
}

# "r and d", "r & d", "r&d", "rnd" all mean research and development
_RD = re.compile(r"\br\s*(?:&|and|n)\s*d\b|\brnd\b")
# "research and development", "reserch and developement": one word, R&D
_RESEARCH_AND_DEVELOPMENT = re.compile(r"\b(?:research|reserch|reserach|reasearch|resarch|researh)\s*(?:and|&|n)\s*"
                                       r"develop[a-z]*")
_TOKEN = re.compile(r"(?:[^\W_]|[&%$])+(?:[.,][0-9]+)*")
_WIFI = re.compile(r"\bwi[\s-]?fi\b")
_ANSI = re.compile(r"\x1b\[[0-9;]{0,20}[A-Za-z]")
_SCRIPT = re.compile(r"<(script|style)\b[^<>]{0,200}>[^<]{0,2000}</\1\s{0,5}>", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SLACK_MARKUP = re.compile(r"<[@#!][^<>]*>")
_SLACK_LINK = re.compile(r"<([^<>|]*)\|([^<>]*)>")

# words that carry no meaning for matching a metric
STOPWORDS = frozenset(
    """a an the of in on at for to by from with and or is are was were be been being do does did
    done what whats which who whom whose how many much tell me show give list please about
    our we us its it their they there this that those these year years yr fy as per
    get got has have had any some can could would should will shall you your i my
    number amount figure figures value current currently latest now so far up
    hi hello hey ipbot bot ok thanks thank just also too
    end hold holds held own owns owned""".split()
)


def clean(text: str) -> str:
    """Drop control characters and Slack markup, normalise unicode, lower-case."""
    text = unicodedata.normalize("NFKC", text)
    # a terminal colour code ("\x1b[31m") and a pasted <script> element say nothing
    # (each pattern is only tried when its first character is there: most questions
    # have neither, and this runs several times for each)
    if "\x1b" in text:
        text = _ANSI.sub(" ", text)
    if "<" in text:
        text = _SCRIPT.sub(" ", text)
    text = _CONTROL.sub(" ", text)
    if "<" in text:
        # Slack wraps mentions/links as <@U123>, <!channel>, <http://x|label>. Neither
        # pattern crosses a "<", so an attempt ends at the next "<" at the latest and a
        # run of "<" costs linear time ([^>]* made 40,000 of them take seconds).
        text = _SLACK_MARKUP.sub(" ", text)
        text = _SLACK_LINK.sub(r"\2", text)
    if "’" in text or "‘" in text:
        text = text.replace("’", "'").replace("‘", "'")
    return text.lower()


def stem(token: str) -> str:
    """A deliberately small stemmer: plurals only, so 'companies'/'company'
    and 'patents'/'patent' meet, without mangling names or numbers."""
    if len(token) <= 3 or not token.isalpha():
        return token
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith(("sses", "ss", "us", "is")):
        return token
    if token.endswith("s"):
        return token[:-1]
    return token


def normalise(tok: str) -> str:
    """One raw token as the matcher compares it: spelling folded, plural stemmed,
    synonym applied. Stopwords stay as written ("does" must not become "doe")."""
    if tok in STOPWORDS:
        return tok
    tok = stem(SPELLINGS.get(tok, tok))
    return SYNONYMS.get(tok, tok)


def prepare(cleaned: str) -> str:
    """Multi-word spellings that become one token: R&D, Wi-Fi."""
    text = _RD.sub(" r&d ", cleaned)
    if "develop" in text:
        text = _RESEARCH_AND_DEVELOPMENT.sub(" r&d ", text)
    return _WIFI.sub(" wifi ", text) if "wi" in text else text


def join_generations(toks: list[str]) -> list[str]:
    """"wifi", "6" -> "wifi6": the generation is what tells Wi-Fi 6 from Wi-Fi 7."""
    if "wifi" not in toks:
        return toks
    out: list[str] = []
    for t in toks:
        if out and out[-1] == "wifi" and t in ("4", "5", "6", "7", "8"):
            out[-1] = "wifi" + t
        else:
            out.append(t)
    return out


def tokens(text: str) -> list[str]:
    """Lower-cased, spelling-normalised, stemmed tokens (stopwords kept)."""
    out: list[str] = []
    for raw in _TOKEN.findall(prepare(clean(text))):
        tok = raw.strip(".,")
        if tok:
            out.append(normalise(tok))
    return join_generations(out)


def content_tokens(text: str) -> list[str]:
    return [t for t in tokens(text) if t not in STOPWORDS]


def key(text: str) -> str:
    """Canonical form of a metric name or alias, used as a dict key."""
    return " ".join(content_tokens(text))


_KIND_CODE = re.compile(r"^([A-Z]{2})(\d+)([A-Z]\d?)$")


def number_without_kind(nkey: str) -> str:
    """'US8818681B1' -> 'US8818681': people often leave the kind code off."""
    m = _KIND_CODE.match(nkey)
    return m.group(1) + m.group(2) if m else nkey
