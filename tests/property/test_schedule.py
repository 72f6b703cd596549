"""Properties of the digest schedule parser (handlers/schedule.py `parse_subscribe`,
the words after `digest subscribe`): any text is a schedule the scheduler can run
or a BadCommand naming the forms that work, within 50 ms on what the 4,000-character
command cap lets through."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from hypothesis import example, given
from hypothesis import strategies as st

from handlers import schedule as sch
from handlers.errors import BadCommand
from tests.property.strategies import SCHEDULE, capped, hostile
from tests.property.timing import call_within_bound

# the grammar in order (frequency, day, time, zone, skip-empty), each piece optional
ordered = st.tuples(*(st.sampled_from(["", *SCHEDULE]) for _ in range(5))).map(" ".join)


@given(st.one_of(hostile(SCHEDULE), ordered), st.sampled_from(["UTC", "Europe/Berlin", "Asia/Shanghai"]))
@example("monthly ²", "UTC")  # was ValueError from int("²"): "²".isdigit() but not a decimal
@example("monthly ¹⁰", "UTC")
@example("weekly mon 9:00 " + "Europe/" * 500, "UTC")
@example("skip-empty " * 400, "UTC")
@example("daily ٩:٣٠", "UTC")  # was stored as "09:٣٠"
@example("EUROPE", "UTC")  # was IsADirectoryError: with tzdata installed, Europe is a directory
def test_any_subscription_text_is_a_schedule_or_a_usage_message(text: str, default_tz: str) -> None:
    try:
        schedule, skip_empty = call_within_bound(lambda: sch.parse_subscribe(capped(text), default_tz=default_tz),
                                                 allowed=(BadCommand,), what="parse_subscribe()")
    except BadCommand as exc:
        assert str(exc)
        return
    assert isinstance(skip_empty, bool)
    assert schedule.frequency in sch.FREQUENCIES
    assert 0 <= schedule.weekday <= 6 and 1 <= schedule.day_of_month <= 28
    assert re.fullmatch(r"[0-9]{2}:[0-9]{2}", schedule.at_time), schedule.at_time
    assert 0 <= schedule.hour <= 23 and 0 <= schedule.minute <= 59
    assert sch.zone(schedule.timezone) is not None
    # the scheduler can run it: a trigger, a description, the next period
    sch.trigger(schedule)
    assert schedule.describe()
    now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    at = sch.next_fire(schedule, now)
    key = sch.period_key(schedule, at)
    assert at > now and sch.key_frequency(key) == schedule.frequency and sch.fire_of(schedule, key) == at
    assert sch.missed(schedule, at + timedelta(minutes=1), not_before=now) == at
