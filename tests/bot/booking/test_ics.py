"""The calendar file: valid RFC 5545, escaped, folded; served only with its signed token."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from bot.booking import ics
from tests.bot.booking.conftest import LINKS
from tests.conftest import running_app, service_settings


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_the_calendar_is_valid_rfc5545_with_escaped_folded_text() -> None:
    start = dt.datetime(2026, 12, 9, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    place = "Disnaker Ponorogo, Jl. Contoh; lantai 2\nruang OPP " + "é" * 60
    body = ics.calendar(
        code="OPP-7KQ4",
        summary="OPP (Orientasi Pra Pemberangkatan)",
        starts_at=start,
        duration=ics.DURATION["opp"],
        location=place,
        description="Kode OPP-7KQ4, bawa KTP",
        stamp=dt.datetime(2026, 12, 3, tzinfo=dt.UTC),
    )
    assert body.endswith("\r\n") and "\n" not in body.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    lines = unfold(body)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and "UID:OPP-7KQ4@ltsa-assistant" in lines
    assert "DTSTART:20261209T010000Z" in lines and "DTEND:20261209T050000Z" in lines
    location = next(line for line in lines if line.startswith("LOCATION:"))
    assert location.startswith(r"LOCATION:Disnaker Ponorogo\, Jl. Contoh\; lantai 2\nruang OPP é")
    for begin in ("VCALENDAR", "VEVENT", "VALARM"):
        assert lines.count(f"BEGIN:{begin}") == lines.count(f"END:{begin}") == 1
    assert all(re.match(r"^[A-Z-]+[:;]", line) for line in lines if line)


def test_a_token_opens_only_its_own_booking() -> None:
    token = LINKS.token("OPP-7KQ4")
    assert LINKS.valid("OPP-7KQ4", token)
    assert not LINKS.valid("OPP-7KQ5", token)
    assert not LINKS.valid("OPP-7KQ4", token[:-2] + "xx")
    assert not ics.CalendarLinks("another-key", "").valid("OPP-7KQ4", token)


async def test_the_route_serves_the_booking_with_its_token_and_404s_without(
    tmp_path: Path,
) -> None:
    settings = service_settings(tmp_path)
    async with running_app(settings) as client:
        await client.post(
            "/webhooks/rest/webhook",
            json={"sender": "w", "message": '/change_language{"language":"id"}'},
        )
        replies = []
        for message in ['/book_opp{"ltsa":"ponorogo"}', None, None]:
            if message is None:
                message = replies[-1]["buttons"][0]["payload"]
            response = await client.post(
                "/webhooks/rest/webhook", json={"sender": "w", "message": message}
            )
            replies = response.json()
        for message in ["Siti Aminah"]:
            response = await client.post(
                "/webhooks/rest/webhook", json={"sender": "w", "message": message}
            )
            replies = response.json()
        confirm = replies[-1]["buttons"][0]["payload"]
        replies = (
            await client.post("/webhooks/rest/webhook", json={"sender": "w", "message": confirm})
        ).json()
        text = "\n".join(r["text"] for r in replies)
        link = re.search(r"http://127\.0\.0\.1:\d+(/bookings/(OPP-\w{4})\.ics\?t=\S+)", text)
        assert link, text
        path, code = link.group(1), link.group(2)
        served = await client.get(path)
        assert served.status_code == 200
        assert served.headers["content-type"].startswith("text/calendar")
        assert f"UID:{code}@ltsa-assistant" in served.text
        assert (await client.get(f"/bookings/{code}.ics")).status_code == 404
        assert (await client.get(f"/bookings/{code}.ics?t=forged")).status_code == 404
