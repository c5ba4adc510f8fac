"""When an LTSA's case workers are in: the `hours` of `content/ltsa/<slug>.yml`, minus
Indonesian public holidays, in the LTSA's time zone (Asia/Jakarta unless the file names
another `timezone`). A user whose LTSA is unknown gets the default hours.

    hours:
      - {days: monday-thursday, open: "08.00", close: "15.00"}
      - {days: friday, open: "08.00", close: "11.00"}
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import holidays

log = logging.getLogger(__name__)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_HOURS: tuple[Mapping[str, str], ...] = (
    {"days": "monday-thursday", "open": "08.00", "close": "15.00"},
    {"days": "friday", "open": "08.00", "close": "11.00"},
)
SEARCH_DAYS = 21  # a next opening further away than this is treated as none


@dataclass(frozen=True)
class Period:
    weekday: int  # 0 = Monday
    opens: dt.time
    closes: dt.time


def _time(raw: Any) -> dt.time:
    hour, _, minute = str(raw).replace(":", ".").partition(".")
    return dt.time(int(hour), int(minute or 0))


def _weekdays(spec: str) -> list[int]:
    parts = [p.strip().lower() for p in spec.split("-")]
    if not all(p in WEEKDAYS for p in parts) or len(parts) not in (1, 2):
        raise ValueError(f"bad days {spec!r}")
    first = WEEKDAYS.index(parts[0])
    last = WEEKDAYS.index(parts[-1])
    return list(range(first, last + 1)) if first <= last else [*range(first, 7), *range(last + 1)]


def parse_hours(raw: Iterable[Mapping[str, Any]]) -> tuple[Period, ...]:
    """Opening periods from the YAML list; ValueError when an entry is malformed."""
    periods: list[Period] = []
    for entry in raw:
        opens, closes = _time(entry["open"]), _time(entry["close"])
        periods += [Period(day, opens, closes) for day in _weekdays(str(entry["days"]))]
    return tuple(periods)


@dataclass(frozen=True)
class Schedule:
    """One LTSA's opening hours in its time zone."""

    periods: Sequence[Period]
    tz: ZoneInfo

    def is_open(self, when: dt.datetime) -> bool:
        """True when case workers are in at `when`."""
        local = when.astimezone(self.tz)
        if _is_holiday(local.date()):
            return False
        now = local.time()
        return any(
            p.weekday == local.weekday() and p.opens <= now < p.closes for p in self.periods
        )

    def next_opening(self, when: dt.datetime) -> dt.datetime | None:
        """The next time the office opens after `when` (local time), or None."""
        local = when.astimezone(self.tz)
        for offset in range(SEARCH_DAYS):
            day = local.date() + dt.timedelta(days=offset)
            if _is_holiday(day):
                continue
            for period in sorted(self.periods, key=lambda p: p.opens):
                start = dt.datetime.combine(day, period.opens, self.tz)
                if period.weekday == day.weekday() and start > local:
                    return start
        return None

    def working_start(self, when: dt.datetime) -> dt.datetime:
        """`when` if the office is open then, else its next opening (or `when` if none)."""
        if self.is_open(when):
            return when
        return self.next_opening(when) or when


@functools.lru_cache(maxsize=8)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("ID", years=year)


def _is_holiday(day: dt.date) -> bool:
    return day in _holidays(day.year)


class OfficeHours:
    """The schedule of every LTSA of the directory, and the default for an unknown one."""

    def __init__(self, ltsa: Mapping[str, Mapping[str, Any]], timezone: str) -> None:
        default_tz = ZoneInfo(timezone)
        self.default = Schedule(parse_hours(DEFAULT_HOURS), default_tz)
        self.by_ltsa: dict[str, Schedule] = {}
        for slug, data in ltsa.items():
            try:
                periods = parse_hours(data.get("hours") or ())
                tz = ZoneInfo(str(data["timezone"])) if data.get("timezone") else default_tz
            except (KeyError, ValueError, TypeError) as exc:
                log.error("ltsa/%s.yml: hours not understood (%s); default hours used", slug, exc)
                continue
            if periods:
                self.by_ltsa[slug] = Schedule(periods, tz)

    @classmethod
    def of(cls, ltsa: Mapping[str, Any], timezone: str = "Asia/Jakarta") -> OfficeHours:
        """The hours of the LTSA directory (`Content.ltsa`)."""
        return cls({slug: entry.data for slug, entry in ltsa.items()}, timezone)

    def schedule(self, ltsa: str | None) -> Schedule:
        """The LTSA's schedule, or the default one."""
        return self.by_ltsa.get(ltsa or "", self.default)
