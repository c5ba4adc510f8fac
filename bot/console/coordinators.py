"""KOPI coordinators in the console (LTSA admins): requests from the chat, verify, revoke.

    GET  /console/coordinators                          pending requests first, then the rest
    POST /console/coordinators/{user_id}/verify | reject | revoke

An admin checks who is asking (the name, the village, by phone or in person) before verifying;
the user is told each decision in their language on their channel. Admins of one LTSA see and
decide only that LTSA's requests; every decision is in the audit log.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from bot.casework import policy
from bot.community import coordinators
from bot.console import csrf
from bot.console.auth import CurrentLogin
from bot.console.errors import Conflict, Forbidden
from bot.console.pages import render
from bot.db import staff_queries as sq
from flows.actions import Say

router = APIRouter(dependencies=[Depends(csrf.verify)])
DECISIONS = {
    "verify": (coordinators.verify, "community.coordinator.verified"),
    "reject": (coordinators.reject, "community.coordinator.rejected"),
    "revoke": (coordinators.revoke, "community.coordinator.revoked"),
}
STATUS = {
    "pending": "menunggu",
    "verified": "terverifikasi",
    "rejected": "ditolak",
    "revoked": "dicabut",
}


@router.get("/console/coordinators")
async def coordinators_page(request: Request, login: CurrentLogin) -> Response:
    """The coordinator requests of the admin's LTSA."""
    if not policy.can_manage_staff(login.staff):
        raise Forbidden("only the LTSA admin verifies coordinators")
    async with request.app.state.services.db.transaction() as session:
        requests = await coordinators.listed(session, login.staff.ltsa_slug)
        sq.audit(session, login.staff, "view_coordinators", ip=login.ip)
    return render(
        request, "coordinators.html", {"requests": requests, "coordinator_status": STATUS}
    )


@router.post("/console/coordinators/{user_id}/{decision}")
async def decide(request: Request, login: CurrentLogin, user_id: int, decision: str) -> Response:
    """Verifies, rejects or revokes; the user is told."""
    if not policy.can_manage_staff(login.staff):
        raise Forbidden("only the LTSA admin verifies coordinators")
    if decision not in DECISIONS:
        raise Conflict("unknown decision")
    act, key = DECISIONS[decision]
    services = request.app.state.services
    async with services.db.transaction() as session:
        try:
            user = await act(session, login.staff, user_id, login.ip)
        except coordinators.NotYours as error:
            raise Forbidden(str(error)) from error
        except coordinators.WrongState as error:
            raise Conflict(str(error)) from error
        info = await coordinators.info(session, user)
        village = info.village if info is not None else ""
        await services.casework.desk.notify(
            session, user, [Say(key, {"village": village})], "coordinator"
        )
    return RedirectResponse("/console/coordinators", status_code=303)
