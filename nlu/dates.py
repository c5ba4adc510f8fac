"""Dates and times in chat messages, normalised in Asia/Jakarta.

Understands Indonesian, Javanese, Sundanese and Madurese relative days (besok, sesuk,
mbenjing, isukan, lagguna; lusa, pageto), weekdays with "depan/ngarep/payun/dateng", "minggu
depan", "tanggal 5", "5/12", clock times (jam 9 pagi, jam 14.30, jam 2 siang) and prayer-time
expressions (habis dzuhur, bar dhuhur, saba'da lohor). Day-month forms ("5 Desember",
"12 Des 2026") go to dateparser, which knows the month names.

Choices, stated because users will meet them: a weekday alone is its next occurrence after
today; "<weekday> depan" is that weekday in next week (Monday-based); "tanggal N" is the next
day N still ahead; "minggu depan" is next week, from Monday to Sunday. Flows confirm the
resulting date with the user, so an unusual reading is caught there.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import dateparser

TZ = ZoneInfo("Asia/Jakarta")

_TODAY = (
    r"hari\s+ini|hr\s+ini|dina\s+iki|dinten\s+(?:menika|punika)|ayeuna|poe\s+ieu|samangken"
    r"|sateya|arena"
)
_TOMORROW = (
    r"besok|besuk|bsk|esok|sesuk|sesok|mbenjing|benjing|isukan|enjing\s+(?=jam|tabuh)"
    r"|lagguna|lagguh"
)
_DAY_AFTER = r"lusa|pageto|mbenjing\s+injing|sesuk\s+emben|emben|lagguna\s+lusa"
_NEXT = r"depan|dpn|ngarep|ngarepe|payun|dateng|datang|berikutnya"
_THIS = r"ini|iki|puniki|ieu|reya"

WEEKDAYS = {
    0: r"senin|senen|sennen",
    1: r"selasa|slasa|salasa",
    2: r"rabu|rebo|rebu|rebbu",
    3: r"kamis|kemis|kemmis",
    4: r"jumat|jum'at|jumaat|jemuah|jumaah|juma'ah|jemuwah",
    5: r"sabtu|setu|saptu",
    6: r"(?:hari|dina|dinten|poe|are)\s+(?:minggu|ahad)|ahad|akad",
}
_WEEK = r"minggu|pekan|minggon"

# prayer-time anchors, as the hour people mean
PRAYERS = {
    "subuh": dt.time(6, 0),
    "dzuhur": dt.time(13, 0),
    "ashar": dt.time(15, 30),
    "maghrib": dt.time(18, 30),
    "isya": dt.time(19, 30),
}
_PRAYER_NAMES = {
    "subuh": r"subuh|shubuh|sobo",
    "dzuhur": r"dzuhur|zuhur|dhuhur|duhur|dhuhr|lohor|luhur|dluhur|zhuhur",
    "ashar": r"ashar|asar|asyar",
    "maghrib": r"maghrib|magrib|mahrib",
    "isya": r"isya|isyak|isa",
}
_AFTER = (
    r"habis|abis|hbs|setelah|stlh|sesudah|ba'?da|bakda|saba'?da|sabada|bar|bubar|sakwise"
    r"|sawise|sampun|mare|lepas"
)


@dataclass(frozen=True)
class When:
    """A day (or a range of days) and perhaps a time, in Asia/Jakarta."""

    date: dt.date | None = None
    time: dt.time | None = None
    until: dt.date | None = None  # set for "minggu depan": the last day of the range

    def at(self) -> dt.datetime | None:
        """The moment, when both day and time are known."""
        if self.date is None or self.time is None:
            return None
        return dt.datetime.combine(self.date, self.time, tzinfo=TZ)


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w'])(?:" + pattern + r")(?![\w'])")


_DAY_PATTERNS = [
    (_rx(_DAY_AFTER), 2),
    (_rx(_TOMORROW), 1),
    (_rx(_TODAY), 0),
]
_DAYS_LATER = _rx(r"(\d{1,2})\s*(?:hari|hr|dina|dinten|poe|are)\s*(?:lagi|maneh|malih|deui|pole)")
_DATE_NUM = _rx(r"(?:tanggal|tgl|tang|tangal|tg)\.?\s*(\d{1,2})")
_DATE_SLASH = _rx(r"(\d{1,2})[/\-.](\d{1,2})(?:[/\-.](\d{2,4}))?")
_MONTH_NAMES = (
    r"jan(?:uari)?|feb(?:ruari)?|mar(?:et)?|apr(?:il)?|mei|jun(?:i)?|jul(?:i)?|agu(?:stus)?|"
    r"ags|sep(?:tember)?|okt(?:ober)?|nov(?:ember)?|nop(?:ember)?|des(?:ember)?"
)
_DATE_MONTH = _rx(r"(\d{1,2})\s+(?:" + _MONTH_NAMES + r")(?:\s+\d{4})?")
_CLOCK = _rx(
    r"(?:jam|jm|pukul|pkl|tabuh|pukol)\s*(\d{1,2})(?:[.:](\d{2}))?"
    r"(?:\s*(pagi|esuk|isuk|enjing|siang|awan|beurang|sore|sonten|malam|wengi|peuting|dalu))?"
)
_PRAYER = _rx(
    r"(?:"
    + _AFTER
    + r")\s+(?:sholat\s+|solat\s+|salat\s+|shalat\s+)?("
    + "|".join(_PRAYER_NAMES.values())
    + r")"
)


def _weekday_pattern(day: int) -> re.Pattern[str]:
    qualifier = r"(?:\s+(" + _NEXT + "|" + _THIS + r"))?"
    return _rx(r"(?:hari\s+|dinten\s+|poe\s+|are\s+)?(?:" + WEEKDAYS[day] + r")" + qualifier)


_WEEKDAY_PATTERNS = {day: _weekday_pattern(day) for day in WEEKDAYS}
_NEXT_WEEK = _rx(r"(?:" + _WEEK + r")\s+(?:" + _NEXT + r")")


def today(now: dt.datetime | None = None) -> dt.datetime:
    return (now or dt.datetime.now(TZ)).astimezone(TZ)


def parse_when(text: str, now: dt.datetime | None = None) -> When | None:
    """The day and time a message names, or None when it names neither."""
    base = today(now)
    lowered = text.lower().replace("’", "'")
    day, until = _day(_CLOCK.sub(" ", lowered), base)  # "jam 9.30" is not a date
    time = _time(lowered)
    if day is None and time is None and until is None:
        return None
    return When(date=day, time=time, until=until)


def _day(text: str, base: dt.datetime) -> tuple[dt.date | None, dt.date | None]:
    current = base.date()
    monday = current + dt.timedelta(days=7 - current.weekday())
    for pattern, offset in _DAY_PATTERNS:
        if pattern.search(text):
            return current + dt.timedelta(days=offset), None
    later = _DAYS_LATER.search(text)
    if later:
        return current + dt.timedelta(days=int(later.group(1))), None
    next_week = _NEXT_WEEK.search(text) is not None
    for day, pattern in _WEEKDAY_PATTERNS.items():
        match = pattern.search(text)
        if match is None:
            continue
        qualifier = match.group(1) or ""
        if next_week or re.fullmatch(_NEXT, qualifier):
            return monday + dt.timedelta(days=day), None
        ahead = (day - current.weekday()) % 7
        if re.fullmatch(_THIS, qualifier):
            return current + dt.timedelta(days=ahead), None
        return current + dt.timedelta(days=ahead or 7), None
    if next_week:
        return monday, monday + dt.timedelta(days=6)
    month = _DATE_MONTH.search(text)
    if month:
        parsed = dateparser.parse(
            month.group(0),
            languages=["id"],
            settings={"PREFER_DATES_FROM": "future", "RELATIVE_BASE": base.replace(tzinfo=None)},
        )
        if parsed is not None:
            return parsed.date(), None
    slash = _DATE_SLASH.search(text)
    if slash:
        day_n, month_n, year = int(slash.group(1)), int(slash.group(2)), slash.group(3)
        return _calendar_date(current, day_n, month_n, int(year) if year else None), None
    number = _DATE_NUM.search(text)
    if number:
        return _next_day_numbered(current, int(number.group(1))), None
    return None, None


def _calendar_date(current: dt.date, day: int, month: int, year: int | None) -> dt.date | None:
    if year is not None and year < 100:
        year += 2000
    try:
        if year is not None:
            return dt.date(year, month, day)
        candidate = dt.date(current.year, month, day)
        return candidate if candidate >= current else dt.date(current.year + 1, month, day)
    except ValueError:
        return None


def _next_day_numbered(current: dt.date, day: int) -> dt.date | None:
    """The next date with day-of-month `day`, today included."""
    if not 1 <= day <= 31:
        return None
    year, month = current.year, current.month
    for _ in range(13):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate >= current:
            return candidate
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return None


def _time(text: str) -> dt.time | None:
    prayer = _PRAYER.search(text)
    if prayer:
        word = prayer.group(1)
        for name, pattern in _PRAYER_NAMES.items():
            if re.fullmatch(pattern, word):
                return PRAYERS[name]
    clock = _CLOCK.search(text)
    if clock is None:
        return None
    hour, minute = int(clock.group(1)), int(clock.group(2) or 0)
    period = clock.group(3)
    if period and hour < 12:
        afternoon = period in {"siang", "awan", "beurang"} and hour <= 6
        if afternoon or period in {"sore", "sonten", "malam", "wengi", "peuting", "dalu"}:
            hour += 12
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)
