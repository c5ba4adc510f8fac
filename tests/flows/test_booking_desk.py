"""The desk appointment flow as transcripts of actions: desks, days, refusals, times."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.flowstore import TurnStore
from flows import Conversation, Entity, Turn, dispatch
from flows.actions import Ask, Book, Goto, SetSlot
from flows.booking_desk import State
from tests.flows.booking_store import store
from tests.flows.said import keys, payloads

__all__ = ["store"]

AT_DAY = Conversation("book_desk", State.CHOOSE_DAY, {"ltsa": "ponorogo", "desk": "disnaker"})


async def test_a_desk_in_the_message_goes_straight_to_the_days(store: TurnStore) -> None:
    turn = Turn("janji disnaker", "book_desk", 0.9, entities=(Entity("desk", "Disnaker"),))
    actions = await dispatch(turn, Conversation(ltsa="ponorogo"), store)
    assert keys(actions) == ["booking.desk.ask_day"]
    assert payloads(actions)[0] == '/desk_step{"day":"2026-12-07"}'
    assert len(payloads(actions)) == 5


async def test_a_desk_serving_elsewhere_is_named_with_its_place(store: TurnStore) -> None:
    turn = Turn("imigrasi", "book_desk", 0.9, entities=(Entity("desk", "imigrasi"),))
    actions = await dispatch(turn, Conversation(ltsa="ponorogo"), store)
    assert keys(actions) == ["booking.desk.elsewhere", "booking.desk.ask_desk"]
    say = actions[[type(a).__name__ for a in actions].index("Say")]
    assert say.params["place"] == "Kantor Imigrasi wilayah Ponorogo"  # type: ignore[attr-defined]
    assert '/desk_step{"desk":"disnaker"}' in payloads(actions)


@pytest.mark.parametrize(
    ("typed", "key", "reason"),
    [
        ("1/12/2026", "booking.refuse.past", ""),
        ("Sabtu", "booking.refuse.closed", ""),
        ("25/12", "booking.refuse.holiday", "Hari Raya Natal"),
        ("24/12", "booking.refuse.holiday", "Cuti Bersama Hari Raya Natal"),
        ("20/3/2027", "booking.refuse.too_far", "60"),
    ],
)
async def test_unbookable_days_are_refused_with_the_reason_and_open_days(
    store: TurnStore, typed: str, key: str, reason: str
) -> None:
    actions = await dispatch(Turn(typed, "nlu_fallback", 0.1, nlu_available=False), AT_DAY, store)
    [ask] = [a for a in actions if isinstance(a, Ask)]
    assert ask.key == key and ask.params["reason"] == reason
    assert payloads(actions)[0] == '/desk_step{"day":"2026-12-07"}'


async def test_a_closure_entered_by_staff_is_refused_with_its_reason(store: TurnStore) -> None:
    from bot.booking.opening import ltsa_row
    from bot.db.models import Closure

    ltsa = await ltsa_row(store.session, "ponorogo")
    assert ltsa is not None
    store.session.add(Closure(ltsa_id=ltsa.id, day=dt.date(2026, 12, 8), reason="rapat dinas"))
    await store.session.flush()
    actions = await dispatch(Turn("besok", "nlu_fallback", 0.1), AT_DAY, store)
    [ask] = [a for a in actions if isinstance(a, Ask)]
    assert (ask.key, ask.params["reason"]) == ("booking.refuse.closure", "rapat dinas")


async def test_a_typed_day_and_free_time_skip_the_time_question(store: TurnStore) -> None:
    actions = await dispatch(Turn("sesuk jam 9", "nlu_fallback", 0.1), AT_DAY, store)
    assert SetSlot("at", "2026-12-08T09:00:00+07:00") in actions
    assert keys(actions) == ["booking.desk.bring", "booking.consent"]


async def test_a_day_alone_asks_the_time_from_the_free_slots(store: TurnStore) -> None:
    actions = await dispatch(
        Turn("", "desk_step", 1.0, payload={"day": "2026-12-11"}), AT_DAY, store
    )
    assert Goto("book_desk", State.CHOOSE_TIME) in actions
    assert keys(actions) == ["booking.desk.ask_time"]
    # Friday: 08.00-11.00 in slots of 30 minutes, then "another day"
    assert len(payloads(actions)) == 7


async def test_confirming_books_the_slot(store: TurnStore) -> None:
    conv = Conversation(
        "book_desk",
        State.CONFIRM,
        {
            "ltsa": "ponorogo",
            "desk": "disnaker",
            "at": "2026-12-08T09:00:00+07:00",
            "name": "Siti",
        },
    )
    [_, book] = await dispatch(Turn("ya", "affirm", 1.0), conv, store)
    assert isinstance(book, Book)
    assert (book.kind, book.desk, book.starts_at) == (
        "desk",
        "disnaker",
        "2026-12-08T09:00:00+07:00",
    )
    assert keys(book.on["full"]) == ["booking.desk.slot_taken"]
    assert keys(book.on["booked"]) == ["booking.booked", "booking.calendar"]
