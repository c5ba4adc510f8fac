"""The case queue and one case: thin routes over `bot.casework.CaseDesk`.

    GET  /console/cases                  the queue, with filters and search
    GET  /console/cases/rows             its rows (htmx polls them every few seconds)
    GET  /console/cases/{number}         transcript, notes, history, bookings, referrals
    GET  /console/cases/{number}/live    the transcript and timers (polled)
    POST /console/cases/{number}/take | assign | takeover | reply | note | close

Every page view and every action is written to the audit log (the polled parts are not).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from bot.casework import CaseDesk, policy
from bot.casework.desk import OUTCOMES
from bot.console import csrf
from bot.console.auth import CurrentLogin, Login
from bot.console.errors import Conflict, NotFound
from bot.console.pages import render
from bot.console.related import sections
from bot.db import case_queries as cq
from bot.db import staff_queries as sq
from bot.db.models import Case, Staff, User, utcnow

router = APIRouter(dependencies=[Depends(csrf.verify)])

CANNED = {
    "greeting": "Salam pembuka",
    "more_info": "Minta cerita lebih",
    "wait": "Mohon menunggu",
    "safety": "Cek keselamatan",
    "hotlines": "Nomor darurat",
    "visit": "Datang ke LTSA",
    "closing": "Penutup",
}
OUTCOME_LABELS = {
    "resolved": "Selesai, terbantu",
    "referred": "Dirujuk ke lembaga lain",
    "no_response": "Pengguna tidak membalas",
    "duplicate": "Ganda",
    "other": "Lainnya",
}


@dataclass(frozen=True)
class Timers:
    """The SLA clocks of a case, as shown in the queue and on the case."""

    waiting: dt.timedelta | None  # opened, nobody answered yet
    first_response: dt.timedelta | None
    since_response: dt.timedelta | None
    user_waiting: dt.timedelta | None  # the user wrote after the last answer


def timers(case: Case, now: dt.datetime) -> Timers:
    """The case's clocks at `now`."""
    first = case.first_response_at
    last = case.last_response_at
    user_waits = case.last_user_at is not None and (last is None or case.last_user_at > last)
    open_ = case.status != "closed"
    return Timers(
        waiting=now - case.created_at if first is None and open_ else None,
        first_response=first - case.created_at if first is not None else None,
        since_response=now - last if last is not None and open_ else None,
        user_waiting=now - case.last_user_at
        if user_waits and open_ and case.last_user_at
        else None,
    )


def _desk(request: Request) -> CaseDesk:
    desk: CaseDesk = request.app.state.services.casework.desk
    return desk


@asynccontextmanager
async def _transaction(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.services.db.transaction() as session:
        yield session


def _filters(request: Request) -> cq.CaseFilter:
    params = request.query_params
    return cq.CaseFilter(
        status=params.get("status", "active")[:16],
        priority=params.get("priority", "")[:8],
        kind=params.get("kind", "")[:32],
        ltsa=params.get("ltsa", "")[:64],
        assignee=params.get("assignee", "")[:16],
        female=params.get("female") == "1",
        escalated=params.get("escalated") == "1",
        query=params.get("q", "")[:100],
    )


async def _case(session: AsyncSession, staff: Staff, number: str, *, lock: bool = False) -> Case:
    case = await cq.visible_case(session, policy.scope(staff), number[:32], lock=lock)
    if case is None or not policy.can_see(staff, case):
        raise NotFound("no such case, or not one of yours")
    return case


async def _queue(request: Request, login: Login) -> dict[str, Any]:
    filters = _filters(request)
    async with _transaction(request) as session:
        rows = await cq.queue(session, policy.scope(login.staff), filters, login.staff.id)
    now = utcnow()
    return {
        "rows": [(row, timers(row.case, now)) for row in rows],
        "filters": filters,
        "query": request.url.query,
        "ltsas": sorted(request.app.state.services.content.ltsa),
        "now": now,
    }


@router.get("/console/")
@router.get("/console")
async def home() -> Response:
    """The queue is the console's home."""
    return RedirectResponse("/console/cases", status_code=303)


@router.get("/console/cases")
async def queue_page(request: Request, login: CurrentLogin) -> Response:
    """The queue: protection and emergencies first, then the longest waiting."""
    context = await _queue(request, login)
    async with _transaction(request) as session:
        sq.audit(session, login.staff, "view_queue", ip=login.ip, query=request.url.query[:200])
    return render(request, "cases.html", context)


@router.get("/console/cases/rows")
async def queue_rows(request: Request, login: CurrentLogin) -> Response:
    """The queue's rows, for the live refresh."""
    return render(request, "_case_rows.html", await _queue(request, login))


async def _case_context(session: AsyncSession, login: Login, case: Case) -> dict[str, Any]:
    staff = login.staff
    user = await session.get_one(User, case.user_id)
    conv_mode = await cq.conversation_mode(session, user.id)
    assignable: list[Staff] = []
    if policy.supervises(staff):
        candidates = await sq.list_staff(session, case.ltsa_slug)
        assignable = [s for s in candidates if policy.can_be_assigned(s, case)]
    return {
        "case": case,
        "user": user,
        "mode": conv_mode,
        "protection": cq.is_protection(case.kind),
        "timers": timers(case, utcnow()),
        "messages": await cq.transcript(session, case),
        "notes": await cq.notes(session, case.id),
        "events": await cq.events(session, case.id),
        "can_take": policy.can_take(staff, case),
        "can_reply": policy.can_reply(staff, case),
        "can_close": policy.can_close(staff, case),
        "can_assign": policy.supervises(staff) and case.status != "closed",
        "assignable": assignable,
        "assignee": await session.get(Staff, case.assignee_id) if case.assignee_id else None,
        "outcomes": [(o, OUTCOME_LABELS[o]) for o in OUTCOMES],
    }


def _canned(request: Request, language: str | None) -> list[tuple[str, str]]:
    content = request.app.state.services.content
    lang = language if language in content.languages else content.default_language
    return [(label, content.text(lang, f"console.canned.{key}")) for key, label in CANNED.items()]


@router.get("/console/cases/{number}")
async def case_page(number: str, request: Request, login: CurrentLogin) -> Response:
    """One case: who, what, the transcript, notes, history; the actions the staff may take."""
    async with _transaction(request) as session:
        case = await _case(session, login.staff, number)
        context = await _case_context(session, login, case)
        context["sections"] = await sections(session, case)
        sq.audit(session, login.staff, "view_case", case_number=case.number, ip=login.ip)
    context["canned"] = _canned(request, case.language)
    return render(request, "case.html", context)


@router.get("/console/cases/{number}/live")
async def case_live(number: str, request: Request, login: CurrentLogin) -> Response:
    """The transcript and clocks of a case, for the live refresh."""
    async with _transaction(request) as session:
        case = await _case(session, login.staff, number)
        context = await _case_context(session, login, case)
    return render(request, "_case_live.html", context)


def _back(case_number: str) -> Response:
    return RedirectResponse(f"/console/cases/{case_number}", status_code=303)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.post("/console/cases/{number}/take")
async def take(number: str, request: Request, login: CurrentLogin) -> Response:
    """Takes the case: the conversation is the worker's until it is closed."""
    async with _transaction(request) as session:
        case = await _case(session, login.staff, number, lock=True)
        await _desk(request).take(session, login.staff, case, login.ip)
    return _back(number)


@router.post("/console/cases/{number}/takeover")
async def takeover(number: str, request: Request, login: CurrentLogin) -> Response:
    """A supervisor takes the case from a colleague."""
    async with _transaction(request) as session:
        case = await _case(session, login.staff, number, lock=True)
        if case.assignee_id == login.staff.id:
            raise Conflict("the case is already yours")
        await _desk(request).take(session, login.staff, case, login.ip)
    return _back(number)


@router.post("/console/cases/{number}/assign")
async def assign(number: str, request: Request, login: CurrentLogin) -> Response:
    """A supervisor gives the case to a staff member."""
    form = await _form(request)
    async with _transaction(request) as session:
        case = await _case(session, login.staff, number, lock=True)
        chosen = form.get("staff_id", "")
        to = await session.get(Staff, int(chosen)) if chosen.isdigit() else None
        if to is None:
            raise NotFound("no such staff member")
        await _desk(request).assign(session, login.staff, case, to, login.ip)
    return _back(number)


@router.post("/console/cases/{number}/reply")
async def reply(number: str, request: Request, login: CurrentLogin) -> Response:
    """Sends the worker's reply to the user on their channel."""
    form = await _form(request)
    async with _transaction(request) as session:
        case = await _case(session, login.staff, number, lock=True)
        await _desk(request).reply(session, login.staff, case, form.get("text", ""), login.ip)
    return _back(number)


@router.post("/console/cases/{number}/note")
async def note(number: str, request: Request, login: CurrentLogin) -> Response:
    """Adds an internal note (never shown to the user)."""
    form = await _form(request)
    async with _transaction(request) as session:
        case = await _case(session, login.staff, number)
        await _desk(request).note(session, login.staff, case, form.get("text", ""), login.ip)
    return _back(number)


@router.post("/console/cases/{number}/close")
async def close(number: str, request: Request, login: CurrentLogin) -> Response:
    """Closes the case with an outcome; the user is told, the bot answers again."""
    form = await _form(request)
    async with _transaction(request) as session:
        case = await _case(session, login.staff, number, lock=True)
        await _desk(request).close(session, login.staff, case, form.get("outcome", ""), login.ip)
        gone = await cq.visible_case(session, policy.scope(login.staff), number) is None
    if gone:  # an erasure the user asked for completed with the case
        return RedirectResponse("/console/cases", status_code=303)
    return _back(number)
