"""What text may be stored: no control characters (NUL, ANSI escapes …), no
invisible text-direction characters (U+202E turns "txt.exe" into "exe.txt"), and,
in names, no words that mix Latin, Cyrillic or Greek letters ("Ericsson" with a
Cyrillic "і" looks the same and is another company). Admin commands and imports
refuse such text with a message naming the field (`problem`); nothing is cleaned
silently, so what is stored is what was meant."""

from __future__ import annotations

import unicodedata

# explicit embeddings, overrides, isolates and marks (Unicode bidi controls)
BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# invisible characters that make two names look alike
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
# scripts with letters that look like each other
LOOKALIKE_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")
# line breaks and tabs are layout, not control: a quoted CSV cell may hold them,
# and export -> import must give back what is stored
LAYOUT = frozenset("\t\n\r")


def _script(ch: str) -> str | None:
    name = unicodedata.name(ch, "")
    first = name.split(" ", 1)[0]
    return first if first in LOOKALIKE_SCRIPTS else None


def _mixed_word(text: str) -> tuple[str, list[str]] | None:
    word: list[str] = []
    scripts: set[str] = set()
    for ch in text + " ":
        if ch.isalpha():
            word.append(ch)
            s = _script(ch)
            if s:
                scripts.add(s)
            continue
        if len(scripts) > 1:
            return "".join(word), [s for s in LOOKALIKE_SCRIPTS if s in scripts]
        word, scripts = [], set()
    return None


def problem(text: str, *, name: bool = False) -> str:
    """Why `text` may not be stored ('' when it may). `name`: a metric, alias,
    subject, licensee, licensor or owner, held to the look-alike rule too."""
    if text.isascii() and text.isprintable():
        # nearly every cell of a large import: two C-speed checks and done
        return ""
    for ch in text:
        cp = ord(ch)
        if ch in LAYOUT:
            continue
        if unicodedata.category(ch) == "Cc":
            what = " (an ANSI escape)" if ch == "\x1b" else ""
            return f"contains a control character (U+{cp:04X}){what}"
        if ch in BIDI:
            return f"contains an invisible text-direction character (U+{cp:04X})"
        if name and ch in INVISIBLE:
            return f"contains an invisible character (U+{cp:04X})"
    if name:
        mixed = _mixed_word(text)
        if mixed:
            word, scripts = mixed
            return (f"mixes {' and '.join(s.title() for s in scripts)} letters in “{word}”, "
                    "which makes it look like another name")
    return ""
