"""Hostile text for the properties: what a user, a paste from a PDF, Slack's own
escaping or an attacker may send. Mixes arbitrary unicode (control characters,
NUL, emoji, CJK, bidi overrides) with the pieces each parser reacts to, so the
examples reach deep into the grammars instead of stopping at the first word."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st

from handlers.limits import MAX_MESSAGE

# runs that once made a pattern quadratic, and Slack's escaping of < > &
MARKUP = ["<", "&lt;", "&gt;", "&amp;", "<@", "<#", "<!", "|", ">", "<@U123|maria>", "<!channel>", "<#C1|x>",
          "<http://x.example|label>", "<mailto:a@b.c|a>", "*", "_", "~", "`", "```", ":tada:", ":", "::"]
# "\udcff": a byte that is not UTF-8, as Python hands `ipbot ask` arguments over (surrogateescape)
WEIRD = ["\x00", "\x07", "\x1b[31m", "\r", "\n", "\t", "\x0b", "\x85", "\u2028", "\u202e", "\u200b", "\ufeff",
         "\ufffd", "\udcff", "😀", "👍🏽", "👨‍👩‍👧", "🇨🇳", "中文", "研发投入", "有效专利", "年", "２０２２", "٢٠٢٢",
         "²", "½", "Ⅻ", "ﬁ", "İ", "ß", "é", "e\u0301", "Ω", "∞", "−", "–", "—", "’", "“", "\\", '"', "'",
         "%", "$", "¥", "€", "£"]
QUESTION = ["what", "was", "is", "how", "many", "R&D", "r and d", "revenue", "licensing", "licence", "licensees",
            "patents", "valid", "granted", "royalty", "cap", "5G", "Wi-Fi 6", "share", "growth", "change", "highest",
            "total", "trend", "expiring", "next 90 days", "this quarter", "last year", "last 3 years", "since 2020",
            "from 2019 to 2023", "2019-2023", "2022", "FY22", "'22", "1)", "2)", "(a)", "and what", ";", "?", "-",
            " + ", "US 8818681 B1", "EP3123456A1", "CN104123456B", "Huawei", "Qualcomm", "Ericsson", "Ford", "help",
            "/ip", "payload", "it", "and who owns it", "2022年研发投入是多少", "in USD", "yuan", "%"]
COMMAND = ["set", "remove", "alias", "licensee", "add", "delete", "history", "undo", "admins", "=", "==",
           "source:", "source :", "(source:", "signed:", "expires:", "kind:", "technology:", "territory:",
           "status:", "licensor:", "foo:", "2023", "FY2023", "fy 2023", "2023-08", "2023-13", "2023-02-30",
           "0000-01", "9999-12-31", "licensing revenue", "US$630 million", "over 140,000", "@maria", "<@U0MARIA>",
           "<@U1|", "U0MARIA", ")", "(", "((", "Annual Report (2023)"]
VALUE = ["US$", "US$ ", "$", "USD", "CNY", "RMB", "yuan", "¥", "€", "£", "EUR", "GBP", "JPY", "(CNY)", "(USD)",
         "over", "more than", "in excess of", "almost", "nearly", "about", "approx.", "ca.", "~", ">", "exactly",
         "560", "630", "161.5", ".5", "120,000", "1,2,3", "1,000,000,000", "−5", "-5", "0", "9" * 40, "9" * 400,
         "million", "billion", "bn", "M", "k", "trillion", "tn", "%", "percent", "companies", "per cent", " "]
SCHEDULE = ["daily", "weekly", "monthly", "Weekly", "mon", "monday", "Mon", "tues", "thursday", "sun", "sunday",
            "1", "28", "29", "0", "31", "²", "٣", "09:00", "9:00", "9.30", "9h30", "23:59", "24:00", "08:60",
            "٠٩:٣٠", "Europe/Berlin", "europe/berlin", "Asia/Shanghai", "America/Argentina/Buenos_Aires", "UTC",
            "utc", "GMT", "Z", "Etc/GMT+5", "Europe", "Europe/", "/", "..", "../etc/passwd", "Mars/Olympus",
            "skip-empty", "--skip-empty", "skip_empty"]

_SEPARATORS = st.sampled_from([" ", "", "  ", "\n", ",", ", ", "\t"])


def _phrase(pieces: list[str]) -> st.SearchStrategy[str]:
    piece = st.one_of(st.sampled_from(pieces), st.sampled_from(MARKUP + WEIRD), st.text(max_size=8))
    return st.tuples(st.lists(st.tuples(piece, _SEPARATORS), max_size=12)).map(
        lambda t: "".join(p + s for p, s in t[0]))


def _repeated() -> st.SearchStrategy[str]:
    """One hostile piece many times over: '<' * 4,000, '&lt;' * 1,000, '(' * 3,000 …"""
    unit = st.sampled_from(MARKUP + WEIRD + ["(", "<@U|<x|", "source:", "a ", "1,", "9", "=", "<a|", "and what "])
    return st.tuples(unit, st.integers(1, MAX_MESSAGE + 200), st.text(max_size=20)).map(
        lambda t: t[2] + t[0] * max(1, t[1] // max(1, len(t[0]))))


def hostile(pieces: list[str]) -> st.SearchStrategy[str]:
    """Text a parser must survive: arbitrary unicode, grammar pieces with markup in
    between, very long runs of one piece."""
    return st.one_of(
        st.text(max_size=200),
        st.text(st.characters(codec="utf-8"), max_size=60),
        _phrase(pieces),
        _repeated(),
    )


def capped(text: str, limit: int = MAX_MESSAGE) -> str:
    """What the callers let through to a parser (handlers/limits.py, store/imports/rows.py MAX_FREE_TEXT)."""
    return text[:limit]


def examples(fraction: float) -> int:
    """A share of the profile's max_examples, for the properties that drive the store
    (each example is a real answer or import), so `thorough` scales them too."""
    return max(10, int(settings().max_examples * fraction))
