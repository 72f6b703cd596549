"""A plain ASCII patent row is checked by a fast path (store/imports/rows.py
PatentChecker._fast) that must stage exactly what the row model (PatentRow) stages:
the number as typed, its key, the dates — whatever the number's punctuation."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from store.imports.columns import COLUMNS
from store.imports.rows import PatentChecker

_PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
numbers = st.one_of(
    st.text(_PRINTABLE, max_size=24),
    st.tuples(st.sampled_from(["US", "ep", "Wo", "C N", "JP-", ""]), st.sampled_from([" ", "", "-", "/", ". "]),
              st.integers(0, 10**9).map(str), st.sampled_from([" ", "", ",", " - "]),
              st.sampled_from(["B1", "a", "A1 ", "", "U", "(B2)"])).map("".join),
)
dates = st.one_of(st.just(""), st.dates().map(lambda d: d.isoformat()), st.text(_PRINTABLE, max_size=12))


@given(number=numbers, filed=dates)
@example(number="US 8818681 B1", filed="2013-01-24")
@example(number="US-8,818,681 B1", filed="")
@example(number="us 88 18681 b1", filed="")
@example(number=" - ", filed="")
@example(number="", filed="")
def test_a_plain_row_is_staged_as_the_row_model_stages_it(number: str, filed: str) -> None:
    checker = PatentChecker(list(COLUMNS["patents"]), "Huawei")
    assert checker.fast
    row = [number, "A title", "US", "granted", filed, "", "2033-01-24", "F100", "", "Google LLC"]
    fast = checker._fast(7, row)
    # None: the row goes the model's way anyway (no number, a date that is not ISO)
    if fast is not None:
        assert fast == checker._slow(7, row)


def test_numbers_with_or_without_punctuation_take_the_fast_path() -> None:
    checker = PatentChecker(list(COLUMNS["patents"]), "Huawei")
    for number, key in (("US 8818681 B1", "US8818681B1"), ("US-8,818,681  b1", "US8818681B1"),
                        ("EP 3123456", "EP3123456")):
        row = [number, "A title", "US", "granted", "", "", "", "", "", ""]
        staged = checker._fast(2, row)
        assert staged is not None and staged[1:3] == (" ".join(number.split()), key)
        assert staged == checker._slow(2, row)
    assert checker._fast(2, [" - ", "A title", "US", "granted", "", "", "", "", "", ""]) is None
