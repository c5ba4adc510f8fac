"""Conversations with the bot, for supervisors: read one, and take it over.

GET  /console/conversations               users talking with the bot, latest first
GET  /console/conversations/{id}          the transcript (audited)
POST /console/conversations/{id}/takeover a case is opened and given to the supervisor;
                                          the bot steps aside
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.casework import CaseDesk, policy
from bot.console import csrf
from bot.console.auth import CurrentLogin, Login
from bot.console.errors import Forbidden, NotFound
from bot.console.pages import render
from bot.db import case_queries as cq
from bot.db import staff_queries as sq
from bot.db.models import Message, User

router = APIRouter(dependencies=[Depends(csrf.verify)])
TRANSCRIPT = 200


def _supervisor(login: Login) -> None:
    if not policy.supervises(login.staff):
        raise Forbidden("only supervisors see conversations with the bot")


async def _user(session: AsyncSession, login: Login, user_id: int) -> User:
    user = await session.get(User, user_id)
    mine = login.staff.ltsa_slug is None or (
        user is not None and user.ltsa_slug in (None, login.staff.ltsa_slug)
    )
    if user is None or not mine:
        raise NotFound("no such conversation, or not one of your LTSA")
    return user


@router.get("/console/conversations")
async def conversations(request: Request, login: CurrentLogin) -> Response:
    """Users who talk with the bot now (not with a person), most recent first."""
    _supervisor(login)
    async with request.app.state.services.db.transaction() as session:
        rows = await cq.recent_conversations(session, policy.scope(login.staff))
        sq.audit(session, login.staff, "view_conversations", ip=login.ip)
    items = [(user, conv, cq.aware(last)) for user, conv, last in rows]
    return render(request, "conversations.html", {"items": items})


@router.get("/console/conversations/{user_id}")
async def conversation(user_id: int, request: Request, login: CurrentLogin) -> Response:
    """One user's conversation with the bot."""
    _supervisor(login)
    async with request.app.state.services.db.transaction() as session:
        user = await _user(session, login, user_id)
        query = select(Message).where(Message.user_id == user.id).order_by(Message.id.desc())
        messages = list(reversed(list(await session.scalars(query.limit(TRANSCRIPT)))))
        active = await cq.active_case(session, user.id)
        if active is not None and not policy.can_see(login.staff, active):
            raise NotFound("no such conversation, or not one of your LTSA")
        sq.audit(session, login.staff, "view_conversation", ip=login.ip, user_id=user.id)
    return render(
        request, "conversation.html", {"user": user, "messages": messages, "active": active}
    )


@router.post("/console/conversations/{user_id}/takeover")
async def takeover(user_id: int, request: Request, login: CurrentLogin) -> Response:
    """Takes the conversation from the bot: the supervisor answers from now on."""
    _supervisor(login)
    desk: CaseDesk = request.app.state.services.casework.desk
    async with request.app.state.services.db.transaction() as session:
        user = await _user(session, login, user_id)
        case = await desk.take_over_conversation(session, login.staff, user, login.ip)
        number = case.number
    return RedirectResponse(f"/console/cases/{number}", status_code=303)
