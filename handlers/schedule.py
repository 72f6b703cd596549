"""Digest schedules: what a subscription's words mean, *when* it is due, and what
each run is called. No database, no Slack, no wall clock.

When is decided by one thing only: the APScheduler trigger `trigger(schedule)`
builds. The scheduler runs it; catch-up after downtime, `ipbot digest send` and
`digest list` ask it (`fires`, `missed`, `last_fire`, `next_fire`). A fire time is
named by its *period* (`period_key`): a day (`2026-11-25`), an ISO week
(`2026-W48`) or a month (`2026-11`) in the subscription's own time zone; the
period key is what the database claims so a digest goes out once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from handlers.errors import BadCommand

FREQUENCIES = ("daily", "weekly", "monthly")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# how late a missed run may still go out (bot down at 09:00, back at 11:00): long
# enough to survive a restart or an outage, short enough never to post last
# period's digest in the middle of the next one
GRACE = {"daily": timedelta(hours=12), "weekly": timedelta(days=3), "monthly": timedelta(days=7)}
# far enough back that a period's fire time is always inside (the longest month, plus a DST hour)
_LOOKBACK = {"daily": timedelta(days=2), "weekly": timedelta(days=8), "monthly": timedelta(days=32)}
# the trigger's resolution: fire times are whole seconds
_STEP = timedelta(seconds=1)

SUBSCRIBE_FORMS = (
    "`digest subscribe` (weekly, Monday 09:00), `digest subscribe weekly mon 09:00 Europe/Berlin`, "
    "`digest subscribe daily 08:30`, `digest subscribe monthly 1 09:00 Asia/Shanghai`; "
    "add `skip-empty` to post nothing in a week without news"
)

_TIME = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")
_KEY_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_KEY_WEEK = re.compile(r"^(\d{4})-W(\d{2})$", re.IGNORECASE)
_KEY_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class HasSchedule(Protocol):
    """The schedule fields of a subscription (store/digests.py:Subscription)."""

    @property
    def frequency(self) -> str: ...
    @property
    def weekday(self) -> int: ...
    @property
    def day_of_month(self) -> int: ...
    @property
    def at_time(self) -> str: ...
    @property
    def timezone(self) -> str: ...


@dataclass(frozen=True)
class Schedule:
    frequency: str = "weekly"
    weekday: int = 0  # Monday = 0, as date.weekday()
    day_of_month: int = 1
    at_time: str = "09:00"
    timezone: str = "UTC"

    @classmethod
    def of(cls, row: HasSchedule) -> Schedule:
        """From anything with a subscription's schedule fields (a store Subscription,
        a Schedule, a test double)."""
        return cls(row.frequency, row.weekday, row.day_of_month, row.at_time, row.timezone)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def hour(self) -> int:
        return int(self.at_time.split(":")[0])

    @property
    def minute(self) -> int:
        return int(self.at_time.split(":")[1])

    @property
    def grace(self) -> timedelta:
        return GRACE[self.frequency]

    def describe(self) -> str:
        if self.frequency == "daily":
            when = "daily"
        elif self.frequency == "weekly":
            when = f"weekly on {WEEKDAY_NAMES[self.weekday]}"
        else:
            when = f"monthly on day {self.day_of_month}"
        return f"{when} at {self.at_time} {self.timezone}"


def zone(name: str) -> ZoneInfo | None:
    if not re.fullmatch(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*", name):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: with the tzdata package installed, "Europe" names a directory of zones
        return None


def _canonical_zone(word: str) -> str | None:
    """`europe/berlin` → `Europe/Berlin`; ZoneInfo keys are case-sensitive on Linux."""
    if zone(word):
        return word
    if word.lower() in ("utc", "gmt", "z"):
        return "UTC"
    titled = "/".join("_".join(p.capitalize() for p in part.split("_")) for part in word.split("/"))
    return titled if zone(titled) else None


def parse_subscribe(text: str, default_tz: str = "UTC") -> tuple[Schedule, bool]:
    """Read the words after `digest subscribe`: frequency, day, time, time zone and
    `skip-empty`, in that order, each optional. Raises BadCommand naming the
    forms that work."""
    words = text.split()
    skip_empty = False
    rest: list[str] = []
    for w in words:
        if w.lower() in ("skip-empty", "skip_empty", "skipempty", "--skip-empty"):
            skip_empty = True
        else:
            rest.append(w)
    frequency, weekday, dom, at, tzname = "weekly", 0, 1, "09:00", default_tz
    i = 0
    if i < len(rest) and rest[i].lower() in FREQUENCIES:
        frequency = rest[i].lower()
        i += 1
    if frequency == "weekly" and i < len(rest) and rest[i][:3].lower() in WEEKDAYS and rest[i].isalpha():
        word = rest[i].lower()
        day = WEEKDAYS.index(word[:3])
        if not WEEKDAY_NAMES[day].lower().startswith(word):
            raise BadCommand(f"“{rest[i]}” is not a weekday; use mon, tue, wed, thu, fri, sat or sun.")
        weekday = day
        i += 1
    elif frequency == "monthly" and i < len(rest) and rest[i].isdecimal():  # "²".isdigit(), but int() refuses it
        dom = int(rest[i])
        if not 1 <= dom <= 28:
            raise BadCommand(
                f"day {dom} is not in every month; use a day from 1 to 28, e.g. `digest subscribe monthly 1 09:00`."
            )
        i += 1
    if i < len(rest) and _TIME.match(rest[i]):
        m = _TIME.match(rest[i])
        assert m is not None
        at = f"{int(m.group(1)):02d}:{int(m.group(2)):02d}"  # "٩:٣٠" is stored as 09:30
        i += 1
    if i < len(rest):
        found = _canonical_zone(rest[i])
        if found is None:
            if re.search(r"\d", rest[i]):
                hint = "a time is written like 09:00 (24-hour clock)"
            elif "/" in rest[i] or rest[i][:1].isupper():
                hint = "a time zone is written like Europe/Berlin, Asia/Shanghai or UTC"
            else:
                hint = "the order is: frequency, day, time, time zone"
            raise BadCommand(f"I could not read “{rest[i]}”: {hint}. Examples: {SUBSCRIBE_FORMS}.")
        tzname = found
        i += 1
    if i < len(rest):
        raise BadCommand(f"I did not expect “{' '.join(rest[i:])}”. Examples: {SUBSCRIBE_FORMS}.")
    if zone(tzname) is None:
        tzname = "UTC"
    return Schedule(frequency, weekday, dom, at, tzname), skip_empty


# --- when: the trigger -------------------------------------------------------

def trigger(schedule: Schedule) -> CronTrigger:
    """The one definition of when a digest is due: the scheduler runs this trigger,
    and catch-up, the CLI and `digest list` ask it the same question. It is given
    the subscription's own zone, so "Monday 09:00 Europe/Berlin" stays 09:00 local
    across a daylight-saving change (a skipped 02:30 fires at 03:30 local; a
    repeated 02:30 fires twice, with one period key, so it is posted once)."""
    fields: dict[str, Any] = {"hour": schedule.hour, "minute": schedule.minute, "second": 0}
    if schedule.frequency == "weekly":
        fields["day_of_week"] = WEEKDAYS[schedule.weekday]
    elif schedule.frequency == "monthly":
        fields["day"] = schedule.day_of_month
    return CronTrigger(**fields, timezone=schedule.tz)


def fires(schedule: Schedule, start: datetime, end: datetime) -> Iterator[datetime]:
    """The trigger's fire times in [start, end], in UTC, oldest first."""
    trig = trigger(schedule)
    at = trig.get_next_fire_time(None, start.astimezone(UTC))
    while at is not None and at.astimezone(UTC) <= end:
        at = at.astimezone(UTC)
        yield at
        # stepped in UTC: wall-clock arithmetic on the repeated autumn hour would go backwards
        at = trig.get_next_fire_time(at, at + _STEP)


def last_fire(schedule: Schedule, t: datetime, *, strictly_before: bool = False) -> datetime:
    """The latest fire time at (or strictly before) `t`, in UTC."""
    end = t - _STEP if strictly_before else t
    found = list(fires(schedule, end - _LOOKBACK[schedule.frequency], end))
    if not found:  # cannot happen: every frequency fires within its look-back
        raise ValueError(f"no fire time of {schedule.describe()} before {t.isoformat()}")
    return found[-1]


def next_fire(schedule: Schedule, t: datetime) -> datetime:
    """The first fire time after `t`, in UTC."""
    return next(fires(schedule, t + _STEP, t + _LOOKBACK[schedule.frequency]))


def missed(schedule: Schedule, now: datetime, *, not_before: datetime) -> datetime | None:
    """The latest fire time that has passed by `now`, if it is no older than the
    grace (the scheduler's misfire grace: a run missed by longer is not sent
    late) and not before `not_before` (a subscription made at 09:30 does not
    post the 09:00 digest it never had); else None."""
    found = list(fires(schedule, max(not_before, now - schedule.grace), now))
    return found[-1] if found else None


# --- periods: what a fire time is called ---------------------------------------

def period_key(schedule: Schedule, fire: datetime) -> str:
    """The key of the period a fire time belongs to (its local day, ISO week or
    month): what the database claims so a period is posted once."""
    day = fire.astimezone(schedule.tz).date()
    if schedule.frequency == "daily":
        return day.isoformat()
    if schedule.frequency == "weekly":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def key_frequency(key: str) -> str | None:
    """Which frequency a period key belongs to, or None if it is not a valid key."""
    try:
        return _key_start(key)[1]
    except ValueError:
        return None


def normalise_key(key: str) -> str:
    return key.strip().upper() if _KEY_WEEK.match(key.strip()) else key.strip()


def _key_start(key: str) -> tuple[date, str]:
    """The first local day of the period a key names, and its frequency."""
    if m := _KEY_DAY.match(key):
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3))), "daily"
    if m := _KEY_WEEK.match(key):
        return date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1), "weekly"
    if m := _KEY_MONTH.match(key):
        return date(int(m.group(1)), int(m.group(2)), 1), "monthly"
    raise ValueError(f"not a period key: {key}")


def fire_of(schedule: Schedule, key: str) -> datetime:
    """When the trigger fires in the period `key` names (an explicit `--period`), in UTC."""
    first_day, _ = _key_start(key)
    start = datetime.combine(first_day, time(0, 0), tzinfo=schedule.tz)
    return next(fires(schedule, start, start + _LOOKBACK[schedule.frequency]))


def describe_key(schedule: Schedule, key: str) -> str:
    """How a reader names the period: 'week 48, 2026', '25 Nov 2026', 'November 2026'."""
    if schedule.frequency == "weekly":
        m = _KEY_WEEK.match(key)
        assert m is not None
        return f"week {int(m.group(2))}, {m.group(1)}"
    if schedule.frequency == "daily":
        return f"{date.fromisoformat(key):%a %d %b %Y}"
    return f"{_key_start(key)[0]:%B %Y}"


def local_text(at: datetime, tz: ZoneInfo) -> str:
    local = at.astimezone(tz)
    return f"{local:%a %d %b %Y %H:%M} {local.tzname()}"
