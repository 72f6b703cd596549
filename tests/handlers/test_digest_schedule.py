"""Schedules: the trigger's fire times in local time across DST, what was missed
at an instant, what a fire time's period is called, and reading `digest subscribe …`."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger

from handlers import schedule as sch
from handlers.errors import BadCommand

BERLIN_WEEKLY = sch.Schedule("weekly", 0, 1, "09:00", "Europe/Berlin")


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def test_period_keys_per_frequency() -> None:
    # a fire time is named by its local day, ISO week or month
    at = utc(2026, 11, 25, 9, 0)
    assert sch.period_key(sch.Schedule("daily"), at) == "2026-11-25"
    assert sch.period_key(sch.Schedule("weekly"), at) == "2026-W48"
    assert sch.period_key(sch.Schedule("monthly"), at) == "2026-11"
    # ISO weeks: 1 Jan 2027 is a Friday, still week 53 of 2026
    assert sch.period_key(sch.Schedule("weekly"), utc(2027, 1, 1, 9, 0)) == "2026-W53"
    # the local day decides: 23:30 in New York on 24 Nov is 25 Nov in UTC
    ny = sch.Schedule("daily", at_time="23:30", timezone="America/New_York")
    assert sch.period_key(ny, utc(2026, 11, 25, 4, 30)) == "2026-11-24"


def test_the_trigger_is_the_scheduler_s_and_fires_at_nine_local_on_both_sides_of_dst() -> None:
    trigger = sch.trigger(BERLIN_WEEKLY)
    assert isinstance(trigger, CronTrigger) and str(trigger.timezone) == "Europe/Berlin"
    # Berlin: summer time ends Sun 25 Oct 2026, starts Sun 29 Mar 2026
    assert sch.fire_of(BERLIN_WEEKLY, "2026-W43") == utc(2026, 10, 19, 7, 0)  # CEST, UTC+2
    assert sch.fire_of(BERLIN_WEEKLY, "2026-W44") == utc(2026, 10, 26, 8, 0)  # CET, UTC+1
    assert sch.fire_of(BERLIN_WEEKLY, "2026-W13") == utc(2026, 3, 23, 8, 0)
    assert sch.fire_of(BERLIN_WEEKLY, "2026-W14") == utc(2026, 3, 30, 7, 0)


def test_daily_fire_on_the_dst_nights() -> None:
    s = sch.Schedule("daily", at_time="08:30", timezone="Europe/Berlin")
    assert sch.fire_of(s, "2026-03-28") == utc(2026, 3, 28, 7, 30)
    assert sch.fire_of(s, "2026-03-29") == utc(2026, 3, 29, 6, 30)
    # 02:30 does not exist that night: it still fires once, an hour later on the wall clock
    gap = sch.Schedule("daily", at_time="02:30", timezone="Europe/Berlin")
    assert list(sch.fires(gap, utc(2026, 3, 28, 12, 0), utc(2026, 3, 29, 12, 0))) == [utc(2026, 3, 29, 1, 30)]
    # 02:30 happens twice in the autumn: two fires, one period, so one digest
    autumn = list(sch.fires(gap, utc(2026, 10, 24, 12, 0), utc(2026, 10, 25, 12, 0)))
    assert autumn == [utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)]
    assert {sch.period_key(gap, at) for at in autumn} == {"2026-10-25"}


def test_missed_fire_at_an_instant() -> None:
    long_ago = utc(2026, 1, 1)
    # Monday 30 Nov 2026 09:00 Berlin = 08:00 UTC
    # a minute before: last week's fire is long past its grace, this week's has not happened
    assert sch.missed(BERLIN_WEEKLY, utc(2026, 11, 30, 7, 59), not_before=long_ago) is None
    assert sch.missed(BERLIN_WEEKLY, utc(2026, 11, 30, 8, 0), not_before=long_ago) == utc(2026, 11, 30, 8, 0)
    # down at 09:00, back at 11:00: still due
    assert sch.missed(BERLIN_WEEKLY, utc(2026, 11, 30, 10, 0), not_before=long_ago) == utc(2026, 11, 30, 8, 0)
    # more than the grace (the scheduler's misfire grace) late: not posted days later
    assert sch.missed(BERLIN_WEEKLY, utc(2026, 12, 4, 10, 0), not_before=long_ago) is None
    # subscribed after this week's fire: nothing until next week
    assert sch.missed(BERLIN_WEEKLY, utc(2026, 11, 30, 10, 0), not_before=utc(2026, 11, 30, 9, 0)) is None


def test_monthly_in_shanghai() -> None:
    s = sch.Schedule("monthly", day_of_month=1, at_time="09:00", timezone="Asia/Shanghai")
    assert sch.fire_of(s, "2026-12") == utc(2026, 12, 1, 1, 0)
    assert sch.next_fire(s, utc(2026, 11, 25, 10, 0)) == utc(2026, 12, 1, 1, 0)
    assert sch.last_fire(s, utc(2026, 1, 15)) == utc(2026, 1, 1, 1, 0)
    assert sch.last_fire(s, utc(2026, 1, 1, 1, 0), strictly_before=True) == utc(2025, 12, 1, 1, 0)


def test_last_and_next_fire_around_a_run() -> None:
    t = utc(2026, 11, 25, 10, 0)  # Wednesday
    assert sch.last_fire(BERLIN_WEEKLY, t) == utc(2026, 11, 23, 8, 0)
    assert sch.next_fire(BERLIN_WEEKLY, t) == utc(2026, 11, 30, 8, 0)
    # at the fire itself: that is the last one, the next is a week on
    assert sch.last_fire(BERLIN_WEEKLY, utc(2026, 11, 30, 8, 0)) == utc(2026, 11, 30, 8, 0)
    assert sch.next_fire(BERLIN_WEEKLY, utc(2026, 11, 30, 8, 0)) == utc(2026, 12, 7, 8, 0)
    friday = sch.Schedule("weekly", 4, 1, "17:00", "UTC")
    assert sch.last_fire(friday, t) == utc(2026, 11, 20, 17, 0)


@pytest.mark.parametrize(
    ("text", "expected", "skip"),
    [
        ("", sch.Schedule("weekly", 0, 1, "09:00", "Europe/Paris"), False),
        ("weekly mon 09:00 Europe/Berlin", sch.Schedule("weekly", 0, 1, "09:00", "Europe/Berlin"), False),
        ("weekly friday 17:30", sch.Schedule("weekly", 4, 1, "17:30", "Europe/Paris"), False),
        ("daily 08:30", sch.Schedule("daily", 0, 1, "08:30", "Europe/Paris"), False),
        ("monthly 1 09:00 Asia/Shanghai", sch.Schedule("monthly", 0, 1, "09:00", "Asia/Shanghai"), False),
        ("monthly 15 7:05 asia/shanghai skip-empty", sch.Schedule("monthly", 0, 15, "07:05", "Asia/Shanghai"), True),
        ("Daily 18:00 utc", sch.Schedule("daily", 0, 1, "18:00", "UTC"), False),
    ],
)
def test_subscribe_forms(text: str, expected: sch.Schedule, skip: bool) -> None:
    assert sch.parse_subscribe(text, default_tz="Europe/Paris") == (expected, skip)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("weekly mon 25:00", "time is written like 09:00"),
        ("weekly mon 09:00 Mars/Olympus", "time zone is written like Europe/Berlin"),
        ("monthly 31 09:00", "day from 1 to 28"),
        ("weekly monnday", "not a weekday"),
        ("daily 08:30 Europe/Berlin extra words", "did not expect"),
        ("fortnightly", "frequency, day, time, time zone"),
    ],
)
def test_bad_subscribe_input_says_what_to_type(text: str, says: str) -> None:
    with pytest.raises(BadCommand) as exc:
        sch.parse_subscribe(text)
    assert says in str(exc.value)


def test_period_key_validation() -> None:
    assert sch.key_frequency("2026-W48") == "weekly"
    assert sch.key_frequency(sch.normalise_key("2026-w48")) == "weekly"
    assert sch.key_frequency("2026-11-25") == "daily"
    assert sch.key_frequency("2026-11") == "monthly"
    assert sch.key_frequency("2026-W54") is None
    assert sch.key_frequency("2026-13") is None
    assert sch.key_frequency("last week") is None


def test_every_week_of_a_year_has_one_fire() -> None:
    s = sch.Schedule("weekly", 2, 1, "23:30", "America/New_York")
    runs = list(sch.fires(s, utc(2026, 1, 1), utc(2027, 1, 1)))
    assert len(runs) == 53  # Wed 31 Dec 2025 23:30 New York is already 1 Jan in UTC
    assert all(b - a in (timedelta(days=7), timedelta(days=7, hours=1), timedelta(days=7, hours=-1))
               for a, b in itertools.pairwise(runs))
    assert {r.astimezone(s.tz).strftime("%a %H:%M") for r in runs} == {"Wed 23:30"}
    # each fire its own period: no week posted twice, none skipped
    assert len({sch.period_key(s, r) for r in runs}) == 53
