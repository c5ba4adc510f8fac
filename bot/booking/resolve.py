"""Carries out the booking actions of a flow inside the message's transaction.

A flow cannot know whether the seat it showed is still free when the user confirms, so a
booking action carries the follow-ups for each result (`on`); the result of the database
change picks one, and its parameters (the code, the calendar link, the waitlist position)
fill the texts. `resolve` returns the actions with each booking action replaced by its chosen
follow-up, ready for the pipeline's `_apply` and the renderer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import changes, direct, seats
from bot.booking.ics import CalendarLinks
from bot.booking.push import Push, push, tell_promoted
from bot.booking.reads import describe
from bot.db.direct import Transaction
from bot.db.models import User
from bot.render import Renderer
from flows.actions import (
    Action,
    Book,
    BookingAction,
    CancelBooking,
    JoinWaitlist,
    Reschedule,
    Say,
)

CALENDAR_KEY = "booking.calendar"


@dataclass(frozen=True)
class Context:
    """What carrying out a booking action needs besides the session."""

    user: User
    now: dt.datetime
    renderer: Renderer
    calendar: CalendarLinks | None = None
    send: Push = push
    direct: Transaction | None = None  # the turn's, on the direct path (an OPP seat booked there)


async def resolve(
    session: AsyncSession, actions: list[Action], ctx: Context
) -> tuple[list[Action], dict[str, Any]]:
    """The actions with booking actions carried out and replaced by their follow-ups."""
    resolved: list[Action] = []
    params: dict[str, Any] = {}
    for action in actions:
        if not isinstance(action, Book | CancelBooking | Reschedule | JoinWaitlist):
            resolved.append(action)
            continue
        outcome, found = await carry_out(session, action, ctx)
        params.update(found)
        follow, more = await resolve(session, list(action.on.get(outcome, ())), ctx)
        params.update(more)
        resolved += [
            a
            for a in follow
            if not (isinstance(a, Say) and a.key == CALENDAR_KEY and "ics_url" not in params)
        ]
    return resolved, params


async def carry_out(
    session: AsyncSession, action: BookingAction, ctx: Context
) -> tuple[str, dict[str, Any]]:
    """Changes the database for one booking action; (outcome, render parameters)."""
    user, now = ctx.user, ctx.now
    match action:
        case Book():
            who = seats.Attendee(
                user.id, action.name, user.language, action.consent, action.for_other
            )
            if action.kind == "opp" and action.session_id is not None:
                if ctx.direct is not None:  # the seat promised to the commit, as below
                    got = await direct.book_opp(ctx.direct, action.session_id, who, now)
                    return got[0], _with_calendar(got[1], got[0], ctx)
                result = await seats.book_opp(session, action.session_id, who, now)
            elif action.kind == "desk" and action.desk and action.starts_at:
                at = dt.datetime.fromisoformat(action.starts_at)
                result = await seats.book_desk(session, action.ltsa, action.desk, at, who, now)
            else:
                result = seats.Result("closed")
        case CancelBooking(code=code):
            booking = await changes.find(session, code, user.id)
            if booking is None or booking.status != seats.ACTIVE:
                return "not_found", {"booking_code": code}
            promoted = await changes.cancel(session, booking, now)
            await tell_promoted(session, ctx.renderer, promoted, ctx.send)
            result = seats.Result("cancelled", booking)
        case Reschedule(code=code):
            booking = await changes.find(session, code, user.id)
            if booking is None:
                return "not_found", {"booking_code": code}
            moved_to = dt.datetime.fromisoformat(action.starts_at) if action.starts_at else None
            result = await changes.reschedule(
                session, booking, now, opp_session_id=action.session_id, starts_at=moved_to
            )
        case JoinWaitlist():
            who = seats.Attendee(
                user.id, action.name, user.language, action.consent, action.for_other
            )
            result = await changes.join_waitlist(session, action.session_id, who, now)
    found: dict[str, Any] = {}
    if result.booking is not None:
        found = _with_calendar(await describe(session, result.booking), result.outcome, ctx)
    if result.position is not None:
        found["position"] = result.position
    return result.outcome, found


def _with_calendar(found: dict[str, Any], outcome: str, ctx: Context) -> dict[str, Any]:
    """A booking's render parameters with its calendar link, when it was made or moved."""
    if ctx.calendar is not None and outcome in {"booked", "moved"}:
        found["ics_url"] = ctx.calendar.url(found["booking_code"])
    return found
