"""Booking through the real pipeline (Rasa down): buttons, typed days, codes, refusals."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from bot.db.engine import Database
from bot.db.models import Booking, OppSession, ScheduledJob
from bot.pipeline import Pipeline
from bot.render import Renderer
from tests.bot.booking.conftest import new_session
from tests.helpers import Chat, said

CODE = re.compile(r"\b(OPP|LKT)-[A-HJKMNP-Z2-9]{4}\b")


async def chat_in_indonesian(pipeline: Pipeline, user: str = "user-1") -> Chat:
    """A web-chat user who chose Indonesian (a typed name is not mistaken for a language)."""
    chat = Chat(pipeline, user=user)
    await chat.send('/change_language{"language":"id"}')
    return chat


async def book_opp(chat: Chat, name: str = "Siti Aminah") -> str:
    """Goes through the OPP flow from the LTSA choice to the code; returns the code."""
    await chat.send("/book_opp")
    await chat.press("Ponorogo")
    await chat.press(chat.buttons()[0])
    await chat.press(chat.buttons()[0])  # consent
    await chat.send(name)
    await chat.press(chat.buttons()[0])  # yes, book
    found = CODE.search(chat.text())
    assert found, chat.text()
    return found.group(0)


async def test_an_opp_booking_from_ltsa_choice_to_code_and_reminders(
    booking_pipeline: Pipeline, booking_db: Database, renderer: Renderer
) -> None:
    session_id = await new_session(booking_db)
    chat = await chat_in_indonesian(booking_pipeline)
    await chat.send("/book_opp")
    assert "Ponorogo" in chat.buttons()
    await chat.press("Ponorogo")
    assert chat.buttons()[0] == "Rabu, 9 Desember 2026 08.00 · 30 kursi"
    await chat.press("Rabu, 9 Desember 2026 08.00 · 30 kursi")
    assert "KTP asli" in chat.text() and chat.buttons() == ["Setuju", "Tidak setuju"]
    await chat.press("Setuju")
    await chat.send("Siti Aminah")
    assert "atas nama Siti Aminah" in chat.text()
    await chat.press("Ya, daftarkan")
    assert "Pendaftaran berhasil!" in chat.text()
    code = CODE.search(chat.text())
    assert code and code.group(0).startswith("OPP-")
    assert f"http://ltsa.test/bookings/{code.group(0)}.ics?t=" in chat.text()
    async with booking_db.transaction() as session:
        booking = await session.scalar(select(Booking))
        opp = await session.get_one(OppSession, session_id)
        jobs = list(await session.scalars(select(ScheduledJob).order_by(ScheduledJob.due_at)))
    assert booking is not None and booking.attendee_name == "Siti Aminah"
    assert booking.consent_at is not None and booking.consent_source == "self"
    assert opp.seats_taken == 1
    assert [j.payload["which"] for j in jobs] == ["day_before", "morning"]


async def test_a_second_active_opp_booking_is_refused_with_a_way_out(
    booking_pipeline: Pipeline, booking_db: Database
) -> None:
    await new_session(booking_db)
    chat = await chat_in_indonesian(booking_pipeline)
    code = await book_opp(chat)
    await chat.send("/book_opp")
    assert "Anda sudah terdaftar OPP" in chat.text() and code in chat.text()
    assert chat.buttons()[:2] == ["Ganti jadwal", "Batalkan"]


async def test_a_typed_day_picks_the_session_while_the_nlu_is_down(
    booking_pipeline: Pipeline, booking_db: Database
) -> None:
    await new_session(booking_db, day=dt.date(2026, 12, 9))
    await new_session(booking_db, day=dt.date(2026, 12, 16))
    chat = await chat_in_indonesian(booking_pipeline)
    await chat.send('/book_opp{"ltsa":"ponorogo"}')
    await chat.send("Rabu depan")  # Monday 7 Dec: next week's Wednesday is 16 Dec
    assert "16 Desember 2026" in chat.text()
    assert chat.buttons() == ["Setuju", "Tidak setuju"]


async def test_a_full_session_at_confirmation_offers_the_next_and_the_waitlist(
    booking_pipeline: Pipeline, booking_db: Database
) -> None:
    first = await new_session(booking_db, capacity=1)
    await new_session(booking_db, day=dt.date(2026, 12, 16))
    chat = await chat_in_indonesian(booking_pipeline, "late")
    await chat.send('/book_opp{"ltsa":"ponorogo"}')
    await chat.press("Rabu, 9 Desember 2026 08.00 · 1 kursi")
    await chat.press("Setuju")
    await chat.send("Budi Santoso")
    await book_opp(
        await chat_in_indonesian(booking_pipeline, "early")
    )  # takes the last seat meanwhile
    await chat.press("Ya, daftarkan")
    assert "baru saja penuh" in chat.text()
    assert chat.buttons()[:2] == ["Rabu, 16 Desember 2026 08.00 · 30 kursi", "Daftar tunggu"]
    await chat.press("Daftar tunggu")
    await chat.press("Ya, daftarkan")
    assert "daftar tunggu OPP" in chat.text() and "urutan ke-1" in chat.text()
    async with booking_db.transaction() as session:
        opp = await session.get_one(OppSession, first)
        assert opp.seats_taken == 1


async def test_a_desk_appointment_from_a_typed_day_and_time(
    booking_pipeline: Pipeline, booking_db: Database
) -> None:
    chat = await chat_in_indonesian(booking_pipeline)
    await chat.send('/book_desk{"desk":"disnaker","ltsa":"ponorogo"}')
    assert chat.buttons()[0] == "Senin, 7 Desember 2026"
    await chat.send("sesuk jam 9")
    assert "KTP asli" in chat.text()
    await chat.press("Setuju")
    await chat.send("Siti Aminah")
    assert "Selasa, 8 Desember 2026 09.00" in chat.text()
    await chat.press("Ya, daftarkan")
    code = CODE.search(chat.text())
    assert code and code.group(0).startswith("LKT-")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1/12/2026", "sudah lewat"),
        ("Sabtu", "kantor LTSA tutup"),
        ("25/12", "hari libur nasional (Hari Raya Natal)"),
    ],
)
async def test_past_closed_and_holiday_days_are_refused_with_the_reason(
    booking_pipeline: Pipeline, typed: str, expected: str
) -> None:
    chat = await chat_in_indonesian(booking_pipeline)
    await chat.send('/book_desk{"desk":"disnaker","ltsa":"ponorogo"}')
    await chat.send(typed)
    assert expected in chat.text()
    assert chat.buttons()[0] == "Senin, 7 Desember 2026", "the next open days are offered"


async def test_check_and_cancel_frees_the_seat_and_the_reminders(
    booking_pipeline: Pipeline, booking_db: Database
) -> None:
    session_id = await new_session(booking_db)
    chat = await chat_in_indonesian(booking_pipeline)
    code = await book_opp(chat)
    await chat.send("/check_booking")
    assert code in chat.text() and f"Batalkan {code}" in chat.buttons()
    await chat.press(f"Batalkan {code}")
    await chat.press("Ya, batalkan")
    assert f"Pendaftaran {code} sudah dibatalkan" in chat.text()
    async with booking_db.transaction() as session:
        opp = await session.get_one(OppSession, session_id)
        statuses = set(await session.scalars(select(ScheduledJob.status)))
        active = await session.scalar(
            select(func.count()).select_from(Booking).where(Booking.status == "booked")
        )
    assert (opp.seats_taken, statuses, active) == (0, {"cancelled"}, 0)


async def test_a_typed_code_reschedules_to_another_session(
    booking_pipeline: Pipeline, booking_db: Database
) -> None:
    await new_session(booking_db)
    await new_session(booking_db, day=dt.date(2026, 12, 16))
    chat = await chat_in_indonesian(booking_pipeline)
    code = await book_opp(chat)
    await chat.send(f'/reschedule_booking{{"code":"{code}"}}')
    assert chat.buttons()[0] == "Rabu, 16 Desember 2026 08.00 · 30 kursi"
    await chat.press(chat.buttons()[0])
    await chat.press("Ya, daftarkan")
    assert f"Jadwal {code} sudah diganti" in chat.text()


@pytest.mark.parametrize(
    ("language", "consent", "yes"),
    [
        ("id", "Setuju", "Ya, daftarkan"),
        ("jv", "Sarujuk", "Nggih, daftaraken"),
        ("su", "Satuju", "Mangga, daptarkeun"),
        ("mad", "Setuju", "Engghi, daftaragi"),
    ],
)
async def test_a_booking_in_each_language_gets_a_code(
    booking_pipeline: Pipeline,
    booking_db: Database,
    renderer: Renderer,
    language: str,
    consent: str,
    yes: str,
) -> None:
    await new_session(booking_db)
    chat = await chat_in_indonesian(booking_pipeline)
    await chat.send(f'/change_language{{"language":"{language}"}}')
    await chat.send('/book_opp{"ltsa":"ponorogo"}')
    assert said(renderer, language, "booking.opp.sessions", ltsa="ponorogo") in chat.text()
    await chat.press(chat.buttons()[0])
    await chat.press(consent)
    await chat.send("Siti Aminah")
    await chat.press(yes)
    assert CODE.search(chat.text()), chat.text()
