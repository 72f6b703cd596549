"""Properties of the value parser (store/values.py `parse_value`, behind `set … =`
and every imported fact): any text is a typed figure, a text fact or BadValue,
within 50 ms on what the callers let through (4,000 characters); a figure is
finite and says its unit and qualifier the way answers print them back."""

from __future__ import annotations

import math

from hypothesis import example, given
from hypothesis import strategies as st

from store.values import QUALIFIERS, BadValue, ParsedValue, format_value, parse_value
from tests.property.strategies import VALUE, capped, hostile
from tests.property.timing import call_within_bound

UNITS = {"USD", "CNY", "EUR", "GBP", "JPY", "%", "count", "text"}

# how people write figures: qualifier, currency, number, scale, unit
figures = st.tuples(
    st.sampled_from(["", "over ", "more than ", "almost ", "about ", "~", "approx. ", "> "]),
    st.sampled_from(["", "US$", "US$ ", "$", "CNY ", "€", "¥"]),
    st.one_of(st.integers(0, 10**15).map(lambda n: f"{n:,}"), st.integers(0, 10**6).map(str),
              st.decimals(0, 10**6, places=2, allow_nan=False).map(str)),
    st.sampled_from(["", " million", "M", " billion", "bn", "k", " trillion"]),
    st.sampled_from(["", " yuan", " USD", "%", " percent", " companies"]),
).map("".join)


def _parse(text: str) -> ParsedValue | None:
    try:
        return call_within_bound(lambda: parse_value(capped(text)), allowed=(BadValue,), what="parse_value()")
    except BadValue as exc:
        assert str(exc)
        return None


@given(st.one_of(hostile(VALUE), figures))
@example("US$630 million")
@example("over 120,000")
@example("25.1%")
@example("9" * 400)  # was float('inf'): an answer or reply showing it raised OverflowError
@example("1" + "0" * 300 + " trillion")
@example("$ " * 2_000 + "5")
@example("1," * 2_000)
def test_any_value_is_a_figure_a_text_or_bad_value(text: str) -> None:
    pv = _parse(text)
    if pv is None:
        return
    assert pv.unit in UNITS
    assert pv.qualifier in ("", *QUALIFIERS)
    assert (pv.numeric is None) == (pv.unit == "text")
    if pv.numeric is not None:
        assert math.isfinite(pv.numeric)
    assert format_value(pv.numeric, pv.unit, pv.qualifier, pv.value)  # as answers say it


@given(figures)
def test_a_figure_reads_back_as_answers_print_it(text: str) -> None:
    """What an answer prints ('about US$560 million', '161.5 billion yuan (CNY)') is
    read back as the same figure, so a copied answer can be pasted into `set`."""
    pv = _parse(text)
    if pv is None or pv.numeric is None:
        return
    again = _parse(format_value(pv.numeric, pv.unit, pv.qualifier, pv.value))
    assert again is not None and again.numeric is not None
    assert (again.unit, again.qualifier) == (pv.unit, pv.qualifier)
    assert math.isclose(again.numeric, pv.numeric, rel_tol=1e-2, abs_tol=0.01)
