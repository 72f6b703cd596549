"""The mixed question set the benchmark times, by category.

`quality` marks questions whose target record is present at every size (fixture
and planted records, seeded facts, fixture licensees): their reply must read the
same at 1k, 120k and 1M."""

from __future__ import annotations

from typing import NamedTuple


class Q(NamedTuple):
    category: str
    text: str
    quality: bool = False


QUESTIONS: list[Q] = [
    # metric questions, several with typos
    Q("metric", "what was R&D spend in 2022?", True),
    Q("metric", "licencing revenu 2023", True),
    Q("metric", "how many valid patnets", True),
    Q("metric", "reserch expenditure fy2022", True),
    Q("metric", "cumulative r and d", True),
    Q("metric", "patent families 2019", True),
    Q("metric", "revenue in 2015", True),
    Q("metric", "how many standard essential patents in 2024", True),
    Q("metric", "licensees 2023", False),
    # title searches: rare words (one right answer) and common ones (bounded work)
    Q("title", "patents tailgaters", True),
    Q("title", "patents memristor neuromorphic", True),
    Q("title", "patents holographic birefringent combiner", True),
    Q("title", "patents ldpc sidelink", True),
    Q("title", "patents thermographic silhouettes", True),
    Q("title", "patents adaptive loop filtering", False),
    Q("title", "patents beam", False),
    Q("title", "patents adaptive beam channel feedback", False),
    Q("title", "patents signl", False),
    Q("title", "find patent method", False),
    Q("title", "patents video coding", False),
    Q("title", "patents wireless scheduling vehicle", False),
    # numbers in the forms people type
    Q("number", "patent US 8818681 B1", True),
    Q("number", "EP3123456A1", True),
    Q("number", "cn 104123456", True),
    Q("number", "US 9876543", True),
    Q("number", "WO 2019123456 A1", True),
    Q("number", "US 1111111 B1", True),
    # licensee names
    Q("licensee", "do we license Ericsson?", True),
    Q("licensee", "Nokia licence", True),
    Q("licensee", "Sharp licence 2023", True),
    Q("licensee", "Amazon", True),
    # unanswerable
    Q("unanswerable", "what is the weather in Shenzhen", True),
    Q("unanswerable", "licensing revenue of Apple", True),
    Q("unanswerable", "patents zyxwvut", True),
    Q("unanswerable", "r&d spending 1999", True),
]
