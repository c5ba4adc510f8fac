"""Dates and times in id, jv, su and mad chat, normalised in Asia/Jakarta."""

from __future__ import annotations

import datetime as dt

import pytest

from nlu.dates import TZ, When, parse_when

MONDAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=TZ)  # Monday 23 November 2026, 10:00 WIB
D = dt.date
T = dt.time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Indonesian
        ("besok", When(D(2026, 11, 24))),
        ("bsk aja kak", When(D(2026, 11, 24))),
        ("lusa", When(D(2026, 11, 25))),
        ("hari ini bisa?", When(D(2026, 11, 23))),
        ("Rabu depan", When(D(2026, 12, 2))),
        ("rabu", When(D(2026, 11, 25))),
        ("rabu ini", When(D(2026, 11, 25))),
        ("senin", When(D(2026, 11, 30))),
        ("tanggal 5", When(D(2026, 12, 5))),
        ("tgl 30 jam 9.30", When(D(2026, 11, 30), T(9, 30))),
        ("5 desember", When(D(2026, 12, 5))),
        ("12 Des 2026 jam 14.00", When(D(2026, 12, 12), T(14, 0))),
        ("12/1", When(D(2027, 1, 12))),
        ("3 hari lagi", When(D(2026, 11, 26))),
        ("jam 9 pagi", When(None, T(9, 0))),
        ("jam 2 siang", When(None, T(14, 0))),
        ("jam 4 sore", When(None, T(16, 0))),
        ("pukul 14.30", When(None, T(14, 30))),
        ("habis dzuhur", When(None, T(13, 0))),
        ("besok habis zuhur ya", When(D(2026, 11, 24), T(13, 0))),
        ("minggu depan", When(D(2026, 11, 30), None, D(2026, 12, 6))),
        ("hari minggu", When(D(2026, 11, 29))),
        ("jumat depan jam 9.30 pagi", When(D(2026, 12, 4), T(9, 30))),
        # Javanese
        ("sesuk", When(D(2026, 11, 24))),
        ("sesuk jam 9", When(D(2026, 11, 24), T(9, 0))),
        ("mbenjing jam 10 enjing", When(D(2026, 11, 24), T(10, 0))),
        ("minggu ngarep", When(D(2026, 11, 30), None, D(2026, 12, 6))),
        ("rebo ngarep", When(D(2026, 12, 2))),
        ("kemis jam 1 awan", When(D(2026, 11, 26), T(13, 0))),
        ("bar dhuhur", When(None, T(13, 0))),
        ("dina iki", When(D(2026, 11, 23))),
        # Sundanese
        ("isukan", When(D(2026, 11, 24))),
        ("isukan jam 9 enjing", When(D(2026, 11, 24), T(9, 0))),
        ("pageto", When(D(2026, 11, 25))),
        ("rebo payun", When(D(2026, 12, 2))),
        ("minggu payun", When(D(2026, 11, 30), None, D(2026, 12, 6))),
        ("saba'da lohor", When(None, T(13, 0))),
        # Madurese
        ("lagguna", When(D(2026, 11, 24))),
        ("rebbu dateng jam 8", When(D(2026, 12, 2), T(8, 0))),
    ],
)
def test_expressions_are_normalised(text: str, expected: When) -> None:
    assert parse_when(text, MONDAY) == expected


@pytest.mark.parametrize(
    "text", ["daftar opp", "syarat paspor", "jam berapa buka", "tanggal berapa"]
)
def test_messages_without_a_date_give_none(text: str) -> None:
    assert parse_when(text, MONDAY) is None


def test_impossible_dates_are_not_invented() -> None:
    assert parse_when("31/2", MONDAY) is None
    assert parse_when("tanggal 31/2 jam 9", MONDAY) == When(None, T(9, 0))
    assert parse_when("jam 25", MONDAY) is None


def test_the_moment_is_in_jakarta_time() -> None:
    when = parse_when("besok jam 9", MONDAY)
    assert when is not None
    assert when.at() == dt.datetime(2026, 11, 24, 9, 0, tzinfo=TZ)
    assert when.at().utcoffset() == dt.timedelta(hours=7)  # type: ignore[union-attr]
