"""`GET /healthz`: is the database reachable, is the NLU answering."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter()


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    services = request.app.state.services
    database = await services.db.ping()
    nlu = await services.nlu.ping()
    supervisor = services.supervisor
    body = {
        "database": "ok" if database else "down",
        "nlu": "ok" if nlu else "down",
        "nlu_model": supervisor.model.name if supervisor else None,
        "nlu_restarts": sum(s.restarts for s in [supervisor, *services.more_supervisors] if s),
    }
    return JSONResponse(body, status_code=200 if database else 503)
