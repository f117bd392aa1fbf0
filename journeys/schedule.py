"""When a message may reach a contact: business days and the send window in the contact's own
time zone, public holidays of the customer's country, and SendGrid's 72-hour scheduling limit.

A message is placed on the first local day whose send window has not closed by the time the
run can send (``not_before``). If that day is a weekend or a public holiday the message is not
moved to a later day: it is blocked with the reason, and the next daily run, seeing the step
still due, schedules it then — so a blocked day never turns into two sends.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
import pandas as pd

from journeys.catalog import Policy

MAX_SCHEDULE_AHEAD = timedelta(hours=72)  # SendGrid refuses send_at further ahead
DEFAULT_SEND_HOUR = 10


@dataclass(frozen=True)
class Slot:
    send_at_utc: datetime | None  # None when blocked
    local_date: date
    blocked_by: str | None = None
    detail: str = ""


@lru_cache(maxsize=4096)
def _holiday_calendar(country: str, year: int):
    try:
        return holidays.country_holidays(country, years=year)
    except NotImplementedError:  # a country the library does not cover: weekends only
        return {}


def holiday_name(country: str | None, day: date) -> str | None:
    if not country:
        return None
    return _holiday_calendar(country.upper(), day.year).get(day)


def off_day_reason(policy: Policy, country: str | None, day: date) -> tuple[str, str] | None:
    if policy.weekends_off and day.weekday() >= 5:
        return "weekend", day.strftime("%A")
    name = holiday_name(country, day) if policy.public_holidays_off else None
    if name:
        return "public_holiday", f"{name} ({country})"
    return None


def minute_of_hour(key: str) -> int:
    """A stable minute in 3..56 per message: spreads sends and avoids the top of the hour, when
    SendGrid defers most (../shared/notes/sendgrid.md)."""
    return 3 + int(hashlib.sha256(key.encode()).hexdigest(), 16) % 54


def slot_for(
    policy: Policy, timezone: str, country: str | None, not_before: datetime, preferred_hour: float | None, key: str
) -> Slot:
    """The UTC send time of one message (``not_before`` is timezone-aware UTC)."""
    zone = ZoneInfo(timezone)
    local_now = not_before.astimezone(zone)
    start, end = policy.window_start_minute, policy.window_end_minute
    hour = DEFAULT_SEND_HOUR if preferred_hour is None or preferred_hour != preferred_hour else int(preferred_hour)
    wanted = min(max(hour * 60 + minute_of_hour(key), start), end - 4)
    day = local_now.date()
    if local_now.hour * 60 + local_now.minute >= end - 4:
        day += timedelta(days=1)  # today's window has closed where the contact is
    local = datetime(day.year, day.month, day.day, wanted // 60, wanted % 60, tzinfo=zone)
    if local < local_now:  # the preferred time has passed today: as soon as possible, in the window
        local = (local_now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    if local.minute == 0:  # clamped onto a window edge or run time that falls on the hour
        local += timedelta(minutes=3)
    off = off_day_reason(policy, country, day)
    if off:
        return Slot(None, day, off[0], off[1])
    utc = local.astimezone(ZoneInfo("UTC"))
    if utc - not_before > MAX_SCHEDULE_AHEAD:
        return Slot(None, day, "beyond_72h", f"next slot {utc:%Y-%m-%d %H:%M} UTC")
    return Slot(utc, day)


def in_window(policy: Policy, timezone: str, moment_utc: datetime) -> bool:
    local = moment_utc.astimezone(ZoneInfo(timezone))
    minute = local.hour * 60 + local.minute
    return policy.window_start_minute <= minute < policy.window_end_minute


RUN_HOUR_UTC = 7  # the daily run has finished by then: the earliest a message can leave


def send_day_of(as_of: pd.Timestamp) -> pd.Timestamp:
    """The day a run's plan goes out: the day after the extraction it read."""
    return pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1)


def not_before(send_day: pd.Timestamp) -> datetime:
    return datetime(send_day.year, send_day.month, send_day.day, RUN_HOUR_UTC, tzinfo=UTC)
