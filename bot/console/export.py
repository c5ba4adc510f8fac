"""`GET /console/export.csv`: the cases of the last days for supervisors, as CSV.

No message texts or notes leave this way: numbers, kinds, times, SLA and outcomes only. The
export is audited.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bot.casework import policy
from bot.console import csrf
from bot.console.auth import CurrentLogin
from bot.console.errors import Forbidden
from bot.db import case_queries as cq
from bot.db import staff_queries as sq
from bot.db.models import utcnow

router = APIRouter(dependencies=[Depends(csrf.verify)])

COLUMNS = (
    "number",
    "kind",
    "protection",
    "reason",
    "priority",
    "status",
    "ltsa",
    "language",
    "female_worker",
    "assignee",
    "opened",
    "first_response",
    "minutes_to_first_response",
    "last_response",
    "escalated",
    "closed",
    "outcome",
)


def _iso(value: dt.datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def _cell(value: str) -> str:
    """Cells that a spreadsheet would run as a formula are quoted."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


@router.get("/console/export.csv")
async def export(request: Request, login: CurrentLogin, days: int = 90) -> Response:
    """Cases opened in the last `days` days (supervisors and LTSA admins)."""
    if not policy.supervises(login.staff):
        raise Forbidden("only supervisors may export")
    since = utcnow() - dt.timedelta(days=max(1, min(days, 3660)))
    async with request.app.state.services.db.transaction() as session:
        rows = await cq.export_rows(session, policy.scope(login.staff), since)
        sq.audit(session, login.staff, "export", ip=login.ip, days=days, rows=len(rows))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for case, assignee in rows:
        first = case.first_response_at
        minutes = int((first - case.created_at).total_seconds() // 60) if first else ""
        writer.writerow(
            [
                _cell(str(v))
                for v in (
                    case.number,
                    case.kind,
                    "yes" if cq.is_protection(case.kind) else "no",
                    case.reason,
                    case.priority,
                    case.status,
                    case.ltsa_slug or "",
                    case.language or "",
                    "yes" if case.wants_female else "no",
                    assignee or "",
                    _iso(case.created_at),
                    _iso(first),
                    minutes,
                    _iso(case.last_response_at),
                    _iso(case.escalated_at),
                    _iso(case.closed_at),
                    case.outcome or "",
                )
            ]
        )
    name = f"ltsa-cases-{utcnow():%Y%m%d}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
