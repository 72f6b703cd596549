"""Digest schedules as pure time arithmetic: no database, no Slack, no wall clock.

A subscription runs once per *period*: a day (`2026-11-25`), an ISO week
(`2026-W48`) or a month (`2026-11`). The period key is what makes a digest go
out once: it is claimed in the database before posting. Every instant is
computed in the subscription's own time zone, so "Monday 09:00 Europe/Berlin"
stays 09:00 local on both sides of a daylight-saving change."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handlers.errors import BadCommand

FREQUENCIES = ("daily", "weekly", "monthly")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# how late a missed run may still go out (bot down at 09:00, back at 11:00): long
# enough to survive a restart or an outage, short enough never to post last
# period's digest in the middle of the next one
GRACE = {"daily": timedelta(hours=12), "weekly": timedelta(days=3), "monthly": timedelta(days=7)}

SUBSCRIBE_FORMS = (
    "`digest subscribe` (weekly, Monday 09:00), `digest subscribe weekly mon 09:00 Europe/Berlin`, "
    "`digest subscribe daily 08:30`, `digest subscribe monthly 1 09:00 Asia/Shanghai`; "
    "add `skip-empty` to post nothing in a week without news"
)

_TIME = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")
_KEY_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_KEY_WEEK = re.compile(r"^(\d{4})-W(\d{2})$", re.IGNORECASE)
_KEY_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Schedule:
    frequency: str = "weekly"
    weekday: int = 0  # Monday = 0, as date.weekday()
    day_of_month: int = 1
    at_time: str = "09:00"
    timezone: str = "UTC"

    @classmethod
    def of(cls, row: Any) -> Schedule:
        """From anything with the subscription's columns (the ORM row, a test double)."""
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

    def cron_fields(self) -> dict[str, Any]:
        """CronTrigger fields; the trigger is given `self.tz` so DST is its business too."""
        fields: dict[str, Any] = {"hour": self.hour, "minute": self.minute, "second": 0}
        if self.frequency == "weekly":
            fields["day_of_week"] = WEEKDAYS[self.weekday]
        elif self.frequency == "monthly":
            fields["day"] = self.day_of_month
        return fields


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


# --- periods ---------------------------------------------------------------

def period_key(schedule: Schedule, day: date) -> str:
    """The key of the period a local calendar day belongs to."""
    if schedule.frequency == "daily":
        return day.isoformat()
    if schedule.frequency == "weekly":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def key_frequency(key: str) -> str | None:
    """Which frequency a period key belongs to, or None if it is not a valid key."""
    try:
        if m := _KEY_DAY.match(key):
            date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            return "daily"
        if m := _KEY_WEEK.match(key):
            date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
            return "weekly"
        if m := _KEY_MONTH.match(key):
            date(int(m.group(1)), int(m.group(2)), 1)
            return "monthly"
    except ValueError:
        return None
    return None


def normalise_key(key: str) -> str:
    return key.strip().upper() if _KEY_WEEK.match(key.strip()) else key.strip()


def run_day(schedule: Schedule, key: str) -> date:
    """The local calendar day the period's digest is scheduled for."""
    if schedule.frequency == "daily":
        return date.fromisoformat(key)
    if schedule.frequency == "weekly":
        m = _KEY_WEEK.match(key)
        if not m:
            raise ValueError(f"not a week key: {key}")
        return date.fromisocalendar(int(m.group(1)), int(m.group(2)), schedule.weekday + 1)
    year, month = (int(p) for p in key.split("-"))
    return date(year, month, schedule.day_of_month)


def occurrence(schedule: Schedule, key: str) -> datetime:
    """When the period's digest is due, in UTC. A local time that a DST change
    skips (02:30 on the spring-forward night) resolves to the same instant
    zoneinfo gives it (one hour later on the wall clock)."""
    local = datetime.combine(run_day(schedule, key), time(schedule.hour, schedule.minute), tzinfo=schedule.tz)
    return local.astimezone(UTC)


def previous_key(schedule: Schedule, key: str) -> str:
    day = run_day(schedule, key)
    if schedule.frequency == "daily":
        return period_key(schedule, day - timedelta(days=1))
    if schedule.frequency == "weekly":
        return period_key(schedule, day - timedelta(days=7))
    first = day.replace(day=1) - timedelta(days=1)
    return period_key(schedule, first)


def next_key(schedule: Schedule, key: str) -> str:
    day = run_day(schedule, key)
    if schedule.frequency == "daily":
        return period_key(schedule, day + timedelta(days=1))
    if schedule.frequency == "weekly":
        return period_key(schedule, day + timedelta(days=7))
    return period_key(schedule, (day.replace(day=28) + timedelta(days=4)).replace(day=1))


def latest(schedule: Schedule, t: datetime) -> tuple[str, datetime]:
    """The most recent period whose run time is at or before `t`."""
    key = period_key(schedule, t.astimezone(schedule.tz).date())
    at = occurrence(schedule, key)
    if at > t:
        key = previous_key(schedule, key)
        at = occurrence(schedule, key)
    return key, at


def upcoming(schedule: Schedule, t: datetime) -> tuple[str, datetime]:
    """The first period whose run time is after `t`."""
    key, _ = latest(schedule, t)
    key = next_key(schedule, key)
    return key, occurrence(schedule, key)


def due(schedule: Schedule, t: datetime, *, not_before: datetime | None = None,
        grace: timedelta | None = None) -> str | None:
    """The period due at instant `t`: its run time has passed, by no more than the
    grace (a run missed by longer is not sent late), and not before `not_before`
    (a subscription made at 09:30 does not post the 09:00 digest it never had)."""
    key, at = latest(schedule, t)
    if t - at > (schedule.grace if grace is None else grace):
        return None
    if not_before is not None and at < not_before:
        return None
    return key


def describe_key(schedule: Schedule, key: str) -> str:
    """How a reader names the period: 'week 48, 2026', '25 Nov 2026', 'November 2026'."""
    if schedule.frequency == "weekly":
        m = _KEY_WEEK.match(key)
        assert m is not None
        return f"week {int(m.group(2))}, {m.group(1)}"
    if schedule.frequency == "daily":
        return f"{date.fromisoformat(key):%a %d %b %Y}"
    return f"{run_day(schedule, key):%B %Y}"


def local_text(at: datetime, tz: ZoneInfo) -> str:
    local = at.astimezone(tz)
    return f"{local:%a %d %b %Y %H:%M} {local.tzname()}"
