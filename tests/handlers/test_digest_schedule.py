"""Pure schedule arithmetic: period keys, run times in local time across DST,
what is due at an instant, and reading `digest subscribe …`."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from handlers import schedule as sch
from handlers.errors import BadCommand

BERLIN_WEEKLY = sch.Schedule("weekly", 0, 1, "09:00", "Europe/Berlin")


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def test_period_keys_per_frequency() -> None:
    day = datetime(2026, 11, 25).date()
    assert sch.period_key(sch.Schedule("daily"), day) == "2026-11-25"
    assert sch.period_key(sch.Schedule("weekly"), day) == "2026-W48"
    assert sch.period_key(sch.Schedule("monthly"), day) == "2026-11"
    # ISO weeks: 1 Jan 2027 is a Friday, still week 53 of 2026
    assert sch.period_key(sch.Schedule("weekly"), datetime(2027, 1, 1).date()) == "2026-W53"


def test_weekly_run_is_nine_local_on_both_sides_of_dst() -> None:
    # Berlin: summer time ends Sun 25 Oct 2026, starts Sun 29 Mar 2026
    assert sch.occurrence(BERLIN_WEEKLY, "2026-W43") == utc(2026, 10, 19, 7, 0)  # CEST, UTC+2
    assert sch.occurrence(BERLIN_WEEKLY, "2026-W44") == utc(2026, 10, 26, 8, 0)  # CET, UTC+1
    assert sch.occurrence(BERLIN_WEEKLY, "2026-W13") == utc(2026, 3, 23, 8, 0)
    assert sch.occurrence(BERLIN_WEEKLY, "2026-W14") == utc(2026, 3, 30, 7, 0)


def test_daily_run_on_the_dst_night_itself() -> None:
    s = sch.Schedule("daily", at_time="08:30", timezone="Europe/Berlin")
    assert sch.occurrence(s, "2026-03-28") == utc(2026, 3, 28, 7, 30)
    assert sch.occurrence(s, "2026-03-29") == utc(2026, 3, 29, 6, 30)
    # 02:30 does not exist that night: it still runs once, an hour later on the wall clock
    gap = sch.Schedule("daily", at_time="02:30", timezone="Europe/Berlin")
    assert sch.occurrence(gap, "2026-03-29") == utc(2026, 3, 29, 1, 30)


def test_due_at_an_instant() -> None:
    # Monday 30 Nov 2026 09:00 Berlin = 08:00 UTC
    # a minute before: last week's run is long past its grace, this week's not yet due
    assert sch.due(BERLIN_WEEKLY, utc(2026, 11, 30, 7, 59)) is None
    assert sch.due(BERLIN_WEEKLY, utc(2026, 11, 30, 8, 0)) == "2026-W49"
    # down at 09:00, back at 11:00: still due
    assert sch.due(BERLIN_WEEKLY, utc(2026, 11, 30, 10, 0)) == "2026-W49"
    # more than the grace late: the week's digest is not posted days later
    assert sch.due(BERLIN_WEEKLY, utc(2026, 12, 4, 10, 0)) is None
    # subscribed after this week's run time: nothing until next week
    assert sch.due(BERLIN_WEEKLY, utc(2026, 11, 30, 10, 0), not_before=utc(2026, 11, 30, 9, 0)) is None


def test_monthly_in_shanghai() -> None:
    s = sch.Schedule("monthly", day_of_month=1, at_time="09:00", timezone="Asia/Shanghai")
    assert sch.occurrence(s, "2026-12") == utc(2026, 12, 1, 1, 0)
    key, at = sch.upcoming(s, utc(2026, 11, 25, 10, 0))
    assert (key, at) == ("2026-12", utc(2026, 12, 1, 1, 0))
    assert sch.previous_key(s, "2026-01") == "2025-12"
    assert sch.next_key(s, "2026-12") == "2027-01"


def test_latest_and_upcoming_around_a_run() -> None:
    t = utc(2026, 11, 25, 10, 0)  # Wednesday
    assert sch.latest(BERLIN_WEEKLY, t) == ("2026-W48", utc(2026, 11, 23, 8, 0))
    assert sch.upcoming(BERLIN_WEEKLY, t) == ("2026-W49", utc(2026, 11, 30, 8, 0))
    friday = sch.Schedule("weekly", 4, 1, "17:00", "UTC")
    assert sch.latest(friday, t) == ("2026-W47", utc(2026, 11, 20, 17, 0))


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


def test_every_week_of_a_year_has_one_run() -> None:
    s = sch.Schedule("weekly", 2, 1, "23:30", "America/New_York")
    runs = []
    key = "2026-W01"
    for _ in range(53):
        runs.append(sch.occurrence(s, key))
        key = sch.next_key(s, key)
    assert all(b - a in (timedelta(days=7), timedelta(days=7, hours=1), timedelta(days=7, hours=-1))
               for a, b in itertools.pairwise(runs))
    assert {r.astimezone(s.tz).strftime("%a %H:%M") for r in runs} == {"Wed 23:30"}
