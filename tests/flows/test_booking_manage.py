"""Seeing, cancelling and moving bookings, as transcripts of actions."""

from __future__ import annotations

import datetime as dt

from bot.booking.seats import Attendee, book_opp
from bot.flowstore import TurnStore
from flows import Conversation, Turn, dispatch
from flows.actions import CancelBooking, Goto, SetSlot
from flows.booking_manage import State, typed_code
from flows.booking_opp import State as OppState
from tests.flows.booking_store import NOW, opp_session, store
from tests.flows.said import keys, payloads

__all__ = ["store"]


async def booked(store: TurnStore) -> str:
    sid = await opp_session(store)
    result = await book_opp(store.session, sid, Attendee(store.user_id, "Siti", "id"), NOW)
    assert result.booking is not None
    return result.booking.code


def test_codes_are_found_in_typed_text() -> None:
    assert typed_code("batalkan opp 7kq4 ya") == "OPP-7KQ4"
    assert typed_code("LKT-3MXP") == "LKT-3MXP"
    assert typed_code("kode OPP-0O1I") is None  # look-alike characters are never in a code


async def test_no_bookings_offers_to_book(store: TurnStore) -> None:
    actions = await dispatch(Turn("", "check_booking", 1.0, payload={}), Conversation(), store)
    assert keys(actions) == ["booking.none_mine"]
    assert payloads(actions) == ["/book_opp", "/book_desk"]


async def test_the_list_has_move_and_cancel_buttons(store: TurnStore) -> None:
    code = await booked(store)
    actions = await dispatch(Turn("", "check_booking", 1.0, payload={}), Conversation(), store)
    assert keys(actions) == ["booking.mine", "booking.item_opp", "booking.mine_next"]
    assert payloads(actions)[:2] == [
        f'/reschedule_booking{{"code":"{code}"}}',
        f'/cancel_booking{{"code":"{code}"}}',
    ]


async def test_a_typed_code_is_cancelled_after_confirmation(store: TurnStore) -> None:
    code = await booked(store)
    actions = await dispatch(
        Turn(f"batal {code.lower()}", "cancel_booking", 0.9), Conversation(), store
    )
    assert SetSlot("code", code) in actions and keys(actions) == ["booking.cancel_confirm"]
    conv = Conversation("booking_manage", State.CONFIRM_CANCEL, {"code": code})
    [_, cancel] = await dispatch(
        Turn("", "booking_step", 1.0, payload={"cancel": True}), conv, store
    )
    assert isinstance(cancel, CancelBooking) and cancel.code == code
    assert keys(cancel.on["cancelled"]) == ["booking.cancelled"]


async def test_moving_an_opp_booking_enters_the_session_choice(store: TurnStore) -> None:
    code = await booked(store)
    later = await opp_session(store, dt.date(2026, 12, 16))
    actions = await dispatch(
        Turn("", "reschedule_booking", 1.0, payload={}), Conversation(), store
    )
    assert SetSlot("reschedule", code) in actions
    assert Goto("book_opp", OppState.CHOOSE_SESSION) in actions
    assert payloads(actions)[0] == f'/opp_step{{"session":{later}}}'
