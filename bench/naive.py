"""The baseline the matcher is measured against: what a bot without an index
would do — score every title in the portfolio with rapidfuzz for each question.

Its cost grows linearly with the number of patents; bench/run.py times it on the
same title questions in the same run and reports the ratio."""

from __future__ import annotations

from rapidfuzz import fuzz, process

from handlers import text as tx


class NaiveMatcher:
    def __init__(self, titles: list[str]) -> None:
        # lower-cased once, as a fair baseline would; the scan per question is the point
        self.titles = [t.lower() for t in titles]

    def search(self, question: str, limit: int = 10) -> list[tuple[str, float, int]]:
        words = [t for t in tx.content_tokens(question) if t not in ("patent", "find", "search")]
        query = " ".join(words)
        if not query:
            return []
        hits = process.extract(query, self.titles, scorer=fuzz.token_set_ratio, limit=limit, score_cutoff=60)
        return [(str(choice), float(score), int(pos)) for choice, score, pos in hits]
