"""Protection through the whole pipeline: the safety net with Rasa down, cases, PIN, consent."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.db.models import Case, CaseEvent, Referral
from bot.db.protection import case_by_pin, working_days_after
from bot.pipeline import Pipeline
from tests.helpers import Chat


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("id", "tolong saya disekap majikan"),
        ("jv", "tulung tulung"),
        ("su", "abdi dikonci ku majikan di kamar"),
        ("mad", "kaula e konce' majikan, tolong"),
    ],
)
async def test_a_cry_for_help_gets_the_lines_while_rasa_is_down(
    pipeline: Pipeline, language: str, text: str
) -> None:
    chat = Chat(pipeline)
    await chat.send("/book_opp")  # in the middle of something else
    await chat.send(text)
    assert "110" in chat.text() and "0800-1000" in chat.text() and "129" in chat.text()
    async with pipeline.db.transaction() as session:
        case = await session.scalar(select(Case))
    assert case is not None
    assert (case.kind, case.priority) == ("emergency", "urgent")


async def test_a_referral_is_recorded_only_after_consent(pipeline: Pipeline) -> None:
    chat = Chat(pipeline)
    await chat.send("/report_violence")
    await chat.press("Ya, saya aman")
    assert "hanya dilihat petugas" in chat.text()
    await chat.press("Konseling")
    async with pipeline.db.transaction() as session:
        assert list(await session.scalars(select(Referral))) == []
    await chat.press("Ya, boleh")
    async with pipeline.db.transaction() as session:
        [referral] = list(await session.scalars(select(Referral)))
        events = [e.kind for e in await session.scalars(select(CaseEvent))]
    assert referral.service == "counselling"
    assert referral.follow_up_due == working_days_after(referral.consent_at, 3)
    assert "consent" in events and "referral" in events
    assert "3 hari kerja" in chat.text()


async def test_a_family_gets_a_case_number_and_a_pin_that_opens_it(pipeline: Pipeline) -> None:
    chat = Chat(pipeline)
    await chat.send("/family_lost_contact")
    await chat.press("Ya, boleh")
    await chat.send("Siti Aminah")
    await chat.press("Taiwan")
    await chat.send("PT Maju Jaya")
    await chat.send("sebulan lalu")
    assert "Siti Aminah" in chat.text() and "PT Maju Jaya" in chat.text()
    await chat.press("Ya, benar")
    text = chat.text()
    async with pipeline.db.transaction() as session:
        case = await session.scalar(select(Case))
        assert case is not None
        assert case.number in text
        pin = text.split("PIN: ")[1][:6]
        assert pin.isdigit()
        assert (await case_by_pin(session, case.number, pin)) is not None
        assert (
            await case_by_pin(session, case.number, "000000" if pin != "000000" else "1")
        ) is None
        assert json.loads(case.details or "{}")["worker_name"] == "Siti Aminah"
        assert (case.kind, case.reason, case.priority) == ("family", "lost_contact", "high")


async def _family_case(chat: Chat) -> tuple[str, str]:
    """Reports a lost contact through the chat; returns (case number, PIN)."""
    await chat.send("/family_lost_contact")
    await chat.press("Ya, boleh")
    for answer in ("Siti", "Malaysia", "gak tau", "kemarin"):
        await chat.send(answer)
    await chat.press("Ya, benar")
    after = chat.text().split("Nomor kasus: ")[1]
    return after.split(",")[0], after.split("PIN: ")[1][:6]


async def test_a_family_asks_for_the_status_with_number_and_pin(pipeline: Pipeline) -> None:
    number, pin = await _family_case(Chat(pipeline, user="family"))
    other = Chat(pipeline, user="another-phone")  # the PIN works from any phone
    await other.send(f"status {number} {pin}")
    assert number in other.text()
    assert "hilang kontak" in other.text() and "menunggu petugas" in other.text()
    await other.send("/status")
    await other.send(number)
    await other.send(pin)
    assert "menunggu petugas" in other.text()


async def test_five_wrong_pins_lock_the_status_for_a_day(pipeline: Pipeline) -> None:
    number, pin = await _family_case(Chat(pipeline, user="family"))
    stranger = Chat(pipeline, user="stranger")
    wrong = "111111" if pin != "111111" else "222222"
    for _ in range(5):
        await stranger.send(f"{number} {wrong}")
        assert "tidak cocok" in stranger.text()
    await stranger.send(f"{number} {pin}")
    assert "Terlalu banyak percobaan" in stranger.text()
    assert "menunggu petugas" not in stranger.text()
