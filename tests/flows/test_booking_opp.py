"""The OPP booking flow as transcripts of actions, on a real store."""

from __future__ import annotations

import datetime as dt

from bot.booking.seats import Attendee, book_opp
from bot.flowstore import TurnStore
from flows import Conversation, Entity, Turn, dispatch
from flows.actions import Book, EndFlow, Goto, SetLtsa, SetSlot
from flows.booking_opp import State
from tests.flows.booking_store import NOW, opp_session, store
from tests.flows.said import keys, payloads

__all__ = ["store"]

CONFIRMING = {"ltsa": "ponorogo", "name": "Siti Aminah", "consent": "self", "waitlist": False}


async def test_without_an_ltsa_it_asks_which(store: TurnStore) -> None:
    actions = await dispatch(Turn("daftar opp", "book_opp", 0.9), Conversation(), store)
    assert actions[1:3] == [EndFlow(), Goto("book_opp", State.CHOOSE_LTSA)]
    assert keys(actions) == ["booking.ask_ltsa"]
    assert '/book_opp{"ltsa":"ponorogo"}' in payloads(actions)


async def test_an_ltsa_in_the_message_shows_its_sessions_with_seats(store: TurnStore) -> None:
    first = await opp_session(store)
    await opp_session(store, dt.date(2026, 12, 16), taken=30)
    turn = Turn("opp di ponorogo", "book_opp", 0.9, entities=(Entity("ltsa", "Ponorogo"),))
    actions = await dispatch(turn, Conversation(), store)
    assert SetLtsa("ponorogo") in actions
    assert keys(actions) == ["booking.opp.sessions"]
    assert payloads(actions)[:2] == [f'/opp_step{{"session":{first}}}', '/opp_step{"waitlist":2}']


async def test_choosing_a_session_says_what_to_bring_and_asks_consent(store: TurnStore) -> None:
    sid = await opp_session(store)
    conv = Conversation("book_opp", State.CHOOSE_SESSION, {"ltsa": "ponorogo"})
    actions = await dispatch(Turn("", "opp_step", 1.0, payload={"session": sid}), conv, store)
    assert keys(actions) == ["booking.opp.bring", "booking.consent"]
    assert SetSlot("session", sid) in actions and Goto("book_opp", State.CONSENT) in actions


async def test_no_consent_ends_without_storing_a_name(store: TurnStore) -> None:
    conv = Conversation("book_opp", State.CONSENT, {"ltsa": "ponorogo"})
    actions = await dispatch(Turn("tidak", "deny", 1.0), conv, store)
    assert keys(actions) == ["booking.no_consent"] and EndFlow() in actions
    assert not any(isinstance(a, SetSlot) and a.name == "name" for a in actions)


async def test_a_name_is_checked_and_a_command_still_leaves(store: TurnStore) -> None:
    sid = await opp_session(store)
    conv = Conversation("book_opp", State.NAME, {"ltsa": "ponorogo", "session": sid})
    assert keys(await dispatch(Turn("12345", "nlu_fallback", 0.1), conv, store)) == [
        "booking.bad_name"
    ]
    named = await dispatch(Turn("siti  aminah", "nlu_fallback", 0.1), conv, store)
    assert SetSlot("name", "siti aminah") in named and keys(named) == ["booking.opp.confirm"]
    left = await dispatch(Turn("menu", "ask_menu", 1.0), conv, store)
    assert "booking.opp.confirm" not in keys(left)


async def test_confirming_books_with_a_follow_up_for_every_result(store: TurnStore) -> None:
    sid = await opp_session(store)
    later = await opp_session(store, dt.date(2026, 12, 16))
    conv = Conversation("book_opp", State.CONFIRM, {**CONFIRMING, "session": sid})
    [_, book] = await dispatch(Turn("", "opp_step", 1.0, payload={"confirm": True}), conv, store)
    assert isinstance(book, Book)
    assert (book.kind, book.session_id, book.name, book.consent) == (
        "opp",
        sid,
        "Siti Aminah",
        "self",
    )
    assert set(book.on) == {"booked", "full", "past", "duplicate"}
    assert keys(book.on["booked"]) == ["booking.booked", "booking.calendar"]
    assert keys(book.on["full"]) == ["booking.opp.just_full", "booking.opp.sessions"]
    assert payloads(book.on["full"])[:2] == [
        f'/opp_step{{"session":{later}}}',
        f'/opp_step{{"waitlist":{sid}}}',
    ]
    assert keys(book.on["duplicate"]) == ["booking.opp.already"]


async def test_a_second_active_opp_booking_is_refused(store: TurnStore) -> None:
    sid = await opp_session(store)
    await book_opp(store.session, sid, Attendee(store.user_id, "Siti", "id"), NOW)
    actions = await dispatch(
        Turn("", "book_opp", 1.0, payload={}), Conversation(ltsa="ponorogo"), store
    )
    assert keys(actions) == ["booking.opp.already"]
    assert payloads(actions)[0].startswith('/reschedule_booking{"code":"OPP-')


async def test_all_sessions_full_offers_the_waitlist_and_none_scheduled_says_so(
    store: TurnStore,
) -> None:
    conv = Conversation(ltsa="ponorogo")
    assert keys(await dispatch(Turn("", "book_opp", 1.0, payload={}), conv, store)) == [
        "booking.opp.none"
    ]
    full = await opp_session(store, taken=30)
    actions = await dispatch(Turn("", "book_opp", 1.0, payload={}), conv, store)
    assert keys(actions) == ["booking.opp.all_full"]
    assert payloads(actions)[0] == f'/opp_step{{"waitlist":{full}}}'


async def test_the_schedule_lists_seats_and_full_sessions(store: TurnStore) -> None:
    await opp_session(store)
    await opp_session(store, dt.date(2026, 12, 16), taken=30)
    actions = await dispatch(
        Turn("", "ask_opp_schedule", 1.0, payload={}), Conversation(ltsa="ponorogo"), store
    )
    assert keys(actions) == [
        "booking.schedule",
        "booking.schedule_item",
        "booking.schedule_full",
        "booking.schedule_next",
    ]
