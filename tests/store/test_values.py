"""Every value form an admin may type reads into number, unit and qualifier, and
is said back the way answers say it."""

from __future__ import annotations

import pytest

from store.values import BadValue, format_value, parse_value


@pytest.mark.parametrize(
    ("typed", "numeric", "unit", "qualifier", "said"),
    [
        ("$560M", 560e6, "USD", "", "US$560 million"),
        ("US$ 560 million", 560e6, "USD", "", "US$560 million"),
        ("560,000,000 USD", 560e6, "USD", "", "US$560 million"),
        ("161.5 billion yuan", 161.5e9, "CNY", "", "161.5 billion yuan (CNY)"),
        ("CNY 161.5bn", 161.5e9, "CNY", "", "161.5 billion yuan (CNY)"),
        ("25.1%", 25.1, "%", "", "25.1%"),
        ("over 120,000", 120000, "count", "over", "over 120,000"),
        ("almost 200", 200, "count", "almost", "almost 200"),
        ("~350", 350, "count", "about", "about 350"),
        ("about US$630 million", 630e6, "USD", "about", "about US$630 million"),
        ("US$630 million", 630e6, "USD", "", "US$630 million"),
        ("164.7 billion yuan", 164.7e9, "CNY", "", "164.7 billion yuan (CNY)"),
        ("over 977.3 billion yuan", 977.3e9, "CNY", "over", "over 977.3 billion yuan (CNY)"),
        ("RMB 1,000", 1000, "CNY", "", "1,000 yuan (CNY)"),
        ("-2.5%", -2.5, "%", "", "-2.5%"),
        ("more than 350 companies", 350, "count", "over", "over 350"),
    ],
)
def test_value_forms_read_into_number_unit_and_qualifier(
    typed: str, numeric: float, unit: str, qualifier: str, said: str
) -> None:
    v = parse_value(typed)
    assert v.numeric == pytest.approx(numeric)
    assert (v.unit, v.qualifier) == (unit, qualifier)
    assert v.value == typed  # stored as typed
    assert format_value(v.numeric, v.unit, v.qualifier, v.value) == said


def test_what_an_answer_prints_reads_back_to_the_same_figure() -> None:
    said = format_value(161.5e9, "CNY", "over", "")
    again = parse_value(said)
    assert (again.numeric, again.unit, again.qualifier) == (161.5e9, "CNY", "over")


def test_a_name_is_a_text_fact() -> None:
    v = parse_value("Song Liuping")
    assert (v.value, v.numeric, v.unit) == ("Song Liuping", None, "text")


@pytest.mark.parametrize("typed", ["", "   ", "US$ 5,00,0 million", "$1.2.3bn", "US$ 630 million EUR"])
def test_unreadable_numbers_say_what_to_type(typed: str) -> None:
    with pytest.raises(BadValue) as err:
        parse_value(typed)
    assert "`" in str(err.value) or "currencies" in str(err.value)
