"""The digest's sections, in the order a reader sees them.

Adding a section is one module here with an `async def build(ctx: DigestContext)
-> DigestSection | None` (None: nothing to say, left out) and one line in
`SECTIONS` below; `news=False` for a standing list that should not make an
otherwise empty digest worth posting. Adjacent sections with the same title are
shown as one (the questions asked here, then the count of those asked elsewhere)."""

from __future__ import annotations

from handlers.digest_sections import changes, due, headline, licences, patents, questions
from handlers.digest_sections.base import DigestContext, DigestItem, DigestSection, Section

SECTIONS: tuple[Section, ...] = (
    Section(headline.build, news=False),
    Section(licences.signed),
    Section(licences.expiring),
    Section(patents.expiring),
    Section(changes.build),
    Section(questions.here),
    Section(questions.elsewhere, news=False),
    Section(due.build, news=False),
)

__all__ = ["SECTIONS", "DigestContext", "DigestItem", "DigestSection", "Section"]
