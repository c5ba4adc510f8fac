"""Announcements in the console (supervisors and LTSA admins): progress, sending, cancelling.

    GET  /console/broadcasts               subscribers per village, the latest broadcasts with
                                           their progress (coordinators' ones too), the form
    GET  /console/broadcasts/rows          the progress rows (htmx polls them)
    POST /console/broadcasts/preview       the text as it will go out and how many it reaches
    POST /console/broadcasts               queue it (the broadcast worker sends it)
    POST /console/broadcasts/{id}/cancel   whoever is still queued is skipped

Staff of one LTSA see and send only that LTSA's; every send and cancel is audited.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import announcement, progress
from bot.broadcast.queue import MAX_TEXT, MIN_TEXT, BadBroadcast, Target, clean_text, create
from bot.casework import policy
from bot.community.subscriptions import audience_size, counts
from bot.console import charts, csrf
from bot.console.auth import CurrentLogin, Login
from bot.console.errors import Conflict, Forbidden, NotFound
from bot.console.pages import render
from bot.db import staff_queries as sq
from bot.db.models import Broadcast, Staff
from flows.community_steps import validate_village

router = APIRouter(dependencies=[Depends(csrf.verify)])
SOURCES = {"coordinator": "koordinator KOPI", "console": "konsol", "cli": "baris perintah"}
STATUS = {"sending": "sedang dikirim", "done": "selesai", "cancelled": "dibatalkan"}


def _allowed(login: Login) -> Staff:
    if not policy.supervises(login.staff):
        raise Forbidden("only supervisors and LTSA admins see and send announcements")
    return login.staff


def _ltsas(request: Request, staff: Staff) -> list[tuple[str, str]]:
    content = request.app.state.services.content
    return [
        (slug, entry.district or entry.name)
        for slug, entry in content.ltsa.items()
        if staff.ltsa_slug in (None, slug)
    ]


async def _rows(session: AsyncSession, staff: Staff) -> list[dict[str, Any]]:
    rows = []
    for broadcast, done in await progress.latest(session, ltsa=staff.ltsa_slug, limit=30):
        bar = charts.progress(done.sent, done.waiting, done.failed, f"broadcast {broadcast.id}")
        rows.append({"b": broadcast, "p": done, "bar": bar})
    return rows


def _names() -> dict[str, Any]:
    return {"source_names": SOURCES, "broadcast_status": STATUS}


@router.get("/console/broadcasts")
async def broadcasts_page(request: Request, login: CurrentLogin) -> Response:
    """Subscribers, the latest broadcasts and the form."""
    staff = _allowed(login)
    async with request.app.state.services.db.transaction() as session:
        await progress.reconcile(session)
        context = {
            "rows": await _rows(session, staff),
            "audiences": await counts(session, staff.ltsa_slug),
            "ltsas": _ltsas(request, staff),
            "limits": (MIN_TEXT, MAX_TEXT),
            "form": {"ltsa": staff.ltsa_slug or "", "village": "", "text": ""},
            "error": None,
            **_names(),
        }
        sq.audit(session, staff, "view_broadcasts", ip=login.ip)
    return render(request, "broadcasts.html", context)


@router.get("/console/broadcasts/rows")
async def broadcast_rows(request: Request, login: CurrentLogin) -> Response:
    """The progress rows, polled by the page."""
    staff = _allowed(login)
    async with request.app.state.services.db.transaction() as session:
        context = {"rows": await _rows(session, staff), **_names()}
    return render(request, "_broadcast_rows.html", context)


async def _target(request: Request, staff: Staff) -> tuple[Target, str]:
    """The target and the text of the form; BadBroadcast when they do not make one."""
    form = await request.form()
    ltsa = str(form.get("ltsa") or staff.ltsa_slug or "")
    if ltsa not in dict(_ltsas(request, staff)):
        raise BadBroadcast("choose one of your LTSAs")
    typed = str(form.get("village") or "").strip()
    village = validate_village(typed) if typed else ""
    if village is None:
        raise BadBroadcast("the village name is not readable")
    return Target(ltsa, village), clean_text(str(form.get("text") or ""))


@router.post("/console/broadcasts/preview")
async def preview(request: Request, login: CurrentLogin) -> Response:
    """Shows the announcement as a subscriber will see it, and how many it reaches."""
    staff = _allowed(login)
    services = request.app.state.services
    form = await request.form()
    try:
        target, text = await _target(request, staff)
    except BadBroadcast as error:
        async with services.db.transaction() as session:
            rows, audiences = await _rows(session, staff), await counts(session, staff.ltsa_slug)
        fields = {k: str(form.get(k) or "") for k in ("ltsa", "village", "text")}
        context = {
            "rows": rows,
            "audiences": audiences,
            "ltsas": _ltsas(request, staff),
            "limits": (MIN_TEXT, MAX_TEXT),
            "form": fields,
            "error": str(error),
            **_names(),
        }
        return render(request, "broadcasts.html", context, status_code=422)
    async with services.db.transaction() as session:
        reach = await audience_size(session, target.ltsa, target.village)
    shown = Broadcast(ltsa_slug=target.ltsa, village=target.village, text=text, source="console")
    sample = announcement(services.renderer, shown, "id")  # as the recipients get it
    context = {"target": target, "text": text, "reach": reach, "sample": sample}
    return render(request, "broadcast_preview.html", context)


@router.post("/console/broadcasts")
async def send(request: Request, login: CurrentLogin) -> Response:
    """Queues the announcement; the worker sends it within the platforms' limits."""
    staff = _allowed(login)
    services = request.app.state.services
    try:
        target, text = await _target(request, staff)
    except BadBroadcast as error:
        raise Conflict(str(error)) from error
    async with services.db.transaction() as session:
        broadcast = await create(
            session, target, text, source="console", created_by=f"staff:{staff.id}"
        )
        sq.audit(
            session,
            staff,
            "broadcast_send",
            ip=login.ip,
            broadcast=broadcast.id,
            ltsa=target.ltsa,
            village=target.village,
            recipients=broadcast.total,
        )
    if services.broadcasts is not None:
        services.broadcasts.kick()
    return RedirectResponse("/console/broadcasts", status_code=303)


@router.post("/console/broadcasts/{broadcast_id}/cancel")
async def cancel(request: Request, login: CurrentLogin, broadcast_id: int) -> Response:
    """Stops a broadcast that is still being sent."""
    staff = _allowed(login)
    async with request.app.state.services.db.transaction() as session:
        broadcast = await session.get(Broadcast, broadcast_id, with_for_update=True)
        if broadcast is None or staff.ltsa_slug not in (None, broadcast.ltsa_slug):
            raise NotFound("no such broadcast")
        if broadcast.status != "sending":
            raise Conflict("this broadcast is not being sent any more")
        skipped = await progress.cancel(session, broadcast)
        sq.audit(
            session,
            staff,
            "broadcast_cancel",
            ip=login.ip,
            broadcast=broadcast.id,
            skipped=skipped,
        )
    return RedirectResponse("/console/broadcasts", status_code=303)
