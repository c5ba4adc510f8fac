"""The calendar file of a booking (RFC 5545) and its signed link.

Written by hand: one VEVENT in UTC (no VTIMEZONE needed), TEXT values escaped (backslash,
semicolon, comma, newline), lines folded at 75 octets, CRLF line ends. The link carries a
token signed with LTSA_SECRET_KEY, so a code alone does not open someone's booking.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "booking-ics"
DURATION = {"opp": dt.timedelta(hours=4), "desk": dt.timedelta(minutes=30)}


def escape(value: str) -> str:
    """A TEXT value as RFC 5545 writes it."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Folds a content line into 75-octet pieces (continuations start with a space)."""
    out: list[str] = []
    current, size = "", 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += ch
        size += width
    out.append(current)
    return "\r\n".join(out)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(
    *,
    code: str,
    summary: str,
    starts_at: dt.datetime,
    duration: dt.timedelta,
    location: str,
    description: str,
    stamp: dt.datetime,
    host: str = "ltsa-assistant",
) -> str:
    """The .ics text of one booking."""
    lines: Iterable[str] = (
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//LTSA Assistant//Bookings//ID",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{code}@{host}",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(starts_at)}",
        f"DTEND:{_utc(starts_at + duration)}",
        f"SUMMARY:{escape(summary)}",
        f"LOCATION:{escape(location)}",
        f"DESCRIPTION:{escape(description)}",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT1H",
        f"DESCRIPTION:{escape(summary)}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    )
    return "".join(fold(line) + "\r\n" for line in lines)


class CalendarLinks:
    """Signed links to booking calendar files."""

    def __init__(self, secret: str, base_url: str) -> None:
        self._signer = URLSafeSerializer(secret, salt=SALT)
        self.base_url = base_url.rstrip("/")

    def token(self, code: str) -> str:
        """The signed token of a booking's calendar link."""
        return str(self._signer.dumps(code))

    def url(self, code: str) -> str:
        """The link given in the confirmation."""
        return f"{self.base_url}/bookings/{code}.ics?t={self.token(code)}"

    def valid(self, code: str, token: str) -> bool:
        """True when `token` was signed for `code`."""
        try:
            return bool(self._signer.loads(token) == code)
        except BadSignature:
            return False
