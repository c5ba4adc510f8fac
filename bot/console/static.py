"""The console's own CSS and scripts (vendored: no CDN), served from the package."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from bot.console.errors import NotFound

STATIC = Path(__file__).resolve().parent / "static"
FILES = {
    "console.css": "text/css; charset=utf-8",
    "community.css": "text/css; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
    "htmx.min.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}

router = APIRouter()


@router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> FileResponse:
    """The icon browsers ask for on every page (the web chat's and the console's)."""
    return await static("favicon.svg")


@router.get("/console/static/{name}", include_in_schema=False)
async def static(name: str) -> FileResponse:
    """One of the console's static files (a fixed list)."""
    if name not in FILES:
        raise NotFound("no such file")
    return FileResponse(
        STATIC / name, media_type=FILES[name], headers={"Cache-Control": "public, max-age=3600"}
    )
