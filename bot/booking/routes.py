"""`GET /bookings/{code}.ics?t=TOKEN`: the calendar file of a booking, for its signed link."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from bot.booking import changes, ics
from bot.booking.reads import describe
from bot.db.models import utcnow

router = APIRouter()

SUMMARY = {"opp": "OPP (Orientasi Pra Pemberangkatan)", "desk": "Janji loket LTSA"}


@router.get("/bookings/{code}.ics")
async def booking_calendar(request: Request, code: str, t: str = "") -> Response:
    """The .ics of one booking; 404 unless the token was signed for this code."""
    services = request.app.state.services
    links = ics.CalendarLinks(services.settings.secret_key, "")
    if len(code) > 16 or not links.valid(code, t):
        return JSONResponse({"error": "not_found", "detail": "no such booking"}, status_code=404)
    async with services.db.transaction() as session:
        booking = await changes.find(session, code)
        if booking is None:
            return JSONResponse(
                {"error": "not_found", "detail": "no such booking"}, status_code=404
            )
        params = await describe(session, booking)
    desk = services.content.text("id", f"desk.{params['desk']}") if params.get("desk") else ""
    summary = SUMMARY[booking.kind] + (f": {desk}" if desk else "")
    status = "" if booking.status == "booked" else f" [{booking.status}]"
    body = ics.calendar(
        code=booking.code,
        summary=summary + status,
        starts_at=params["when"],
        duration=ics.DURATION[booking.kind],
        location=str(params["place"]),
        description=f"Kode {booking.code}. Tunjukkan kode ini ke petugas LTSA.",
        stamp=utcnow(),
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{booking.code}.ics"'},
    )
