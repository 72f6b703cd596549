"""How much user-supplied text ipbot reads: every text is cut or refused at these
lengths before any regular expression sees it (README: Safety limits)."""

from __future__ import annotations

# a question or command (/ip, a mention, a DM, a button, the console, the CLI)
MAX_MESSAGE = 4000


def too_long(what: str = "That message") -> str:
    return (f"{what} is longer than {MAX_MESSAGE:,} characters, more than I read; "
            "nothing was done. Please shorten it.")
