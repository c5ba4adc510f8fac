"""Staff: being on duty, the staff list and the audit log (LTSA admins).

    POST /console/duty        on / off duty (a female worker on duty is what the bot tells
                              users who ask for one)
    GET  /console/staff       the accounts of the LTSA (ltsa_admin)
    GET  /console/audit       the latest views and actions (ltsa_admin)

Accounts are created with `ltsa staff add` (see README).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from bot.casework import policy
from bot.console import csrf
from bot.console.auth import CurrentLogin
from bot.console.errors import Forbidden
from bot.console.pages import render
from bot.db import staff_queries as sq
from bot.db.models import Staff, utcnow

router = APIRouter(dependencies=[Depends(csrf.verify)])


@router.post("/console/duty")
async def duty(request: Request, login: CurrentLogin) -> Response:
    """Switches the staff member on or off duty."""
    form = await request.form()
    on = form.get("on") == "1"
    async with request.app.state.services.db.transaction() as session:
        row = await session.get_one(Staff, login.staff.id)
        row.on_duty = on
        row.last_seen_at = utcnow()
        sq.audit(session, row, "on_duty" if on else "off_duty", ip=login.ip)
    back = request.headers.get("referer", "")
    target = back if back.startswith(str(request.base_url) + "console/") else "/console/cases"
    return RedirectResponse(target, status_code=303)


@router.get("/console/staff")
async def staff_page(request: Request, login: CurrentLogin) -> Response:
    """The LTSA's accounts: role, gender, on duty, last seen."""
    if not policy.can_manage_staff(login.staff):
        raise Forbidden("only the LTSA admin sees the staff list")
    async with request.app.state.services.db.transaction() as session:
        accounts = await sq.list_staff(session, login.staff.ltsa_slug)
        sq.audit(session, login.staff, "view_staff", ip=login.ip)
    return render(request, "staff.html", {"accounts": accounts})


@router.get("/console/audit")
async def audit_page(request: Request, login: CurrentLogin, case: str = "") -> Response:
    """Who saw and did what, latest first (of one case with ?case=NUMBER)."""
    if not policy.can_manage_staff(login.staff):
        raise Forbidden("only the LTSA admin sees the audit log")
    async with request.app.state.services.db.transaction() as session:
        entries = await sq.audit_entries(
            session, case_number=case[:32] or None, ltsa_slug=login.staff.ltsa_slug
        )
        sq.audit(session, login.staff, "view_audit", ip=login.ip)
    return render(request, "audit.html", {"entries": entries, "case_filter": case[:32]})
