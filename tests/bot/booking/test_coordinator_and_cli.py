"""A KOPI coordinator books for villagers with their consent; `ltsa opp add` and `list`."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.db import queries as q
from bot.db.engine import Database
from bot.db.models import Booking, Coordinator
from bot.pipeline import Pipeline
from tests.bot.booking.conftest import new_session
from tests.bot.booking.test_booking_pipeline import CODE, chat_in_indonesian


async def test_a_coordinator_books_two_villagers_with_their_consent_recorded(
    booking_pipeline: Pipeline, booking_db: Database
) -> None:
    await new_session(booking_db)
    chat = await chat_in_indonesian(booking_pipeline, "kopi-1")
    async with booking_db.transaction() as session:
        user = await q.user_for(session, "web", "kopi-1")
        session.add(Coordinator(user_id=user.id, village="Paringan"))
    for name in ("Siti Aminah", "Budi Santoso"):
        await chat.send('/book_opp{"ltsa":"ponorogo"}')
        await chat.press(chat.buttons()[0])
        assert chat.buttons() == ["Untuk saya sendiri", "Untuk warga desa"]
        await chat.press("Untuk warga desa")
        assert "sudah setuju namanya disimpan" in chat.text()
        await chat.press("Setuju")
        await chat.send(name)
        await chat.press("Ya, daftarkan")
        assert CODE.search(chat.text()), chat.text()
    await chat.send("/check_booking")
    async with booking_db.transaction() as session:
        rows = list(await session.scalars(select(Booking).order_by(Booking.id)))
    assert [(b.attendee_name, b.user_id, b.booked_by_user_id) for b in rows] == [
        ("Siti Aminah", None, user.id),
        ("Budi Santoso", None, user.id),
    ]
    assert {b.consent_source for b in rows} == {"coordinator"}
    assert all(b.consent_at is not None for b in rows)
    assert all(b.code in chat.text() for b in rows)


def test_staff_add_and_list_opp_sessions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/ltsa.db")
    monkeypatch.setenv("LTSA_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("LTSA_SECRET_KEY", "test-secret-key")
    args = ["opp", "add", "--ltsa", "ponorogo", "--start", "2099-01-07T08:00", "--capacity", "25"]
    assert main([*args, "--place", "Aula Disnaker"]) == 0
    assert "2099-01-07 08:00 WIB, 25 seats" in capsys.readouterr().out
    assert (
        main(
            ["opp", "add", "--ltsa", "atlantis", "--start", "2099-01-07T08:00", "--capacity", "5"]
        )
        == 2
    )
    assert "unknown LTSA" in capsys.readouterr().out
    assert (
        main(
            ["opp", "add", "--ltsa", "ponorogo", "--start", "2001-01-01T08:00", "--capacity", "5"]
        )
        == 2
    )
    assert main(["opp", "list", "--ltsa", "ponorogo"]) == 0
    listing = capsys.readouterr().out
    assert "ponorogo" in listing and "0/25" in listing and "Aula Disnaker" in listing
