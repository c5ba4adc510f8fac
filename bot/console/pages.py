"""Server-rendered pages: Jinja2 with autoescaping on (a user's `<script>` is shown as text),
the console's security headers, and the filters the pages share (local times, waits)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from bot.console import csrf

TEMPLATES = Path(__file__).resolve().parent / "templates"
JAKARTA = ZoneInfo("Asia/Jakarta")
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def local_time(value: dt.datetime | None, fmt: str = "%d %b %H:%M") -> str:
    """A UTC time as Asia/Jakarta wall time ("05 Mar 14:20")."""
    if value is None:
        return "–"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(JAKARTA).strftime(fmt)


def pressed_buttons(messages: Iterable[Any]) -> dict[int, str]:
    """Message id -> the title of the button a user pressed: a press is stored as its payload
    ("/human_request"), which means nothing to a case worker reading the transcript."""
    titles: dict[str, str] = {}
    pressed: dict[int, str] = {}
    for m in messages:
        if m.direction == "out" and m.buttons:
            titles = {b["payload"]: b["title"] for b in m.buttons}
        elif m.direction == "in" and m.payload in titles:
            pressed[m.id] = titles[m.payload]
    return pressed


def duration(value: dt.timedelta | None) -> str:
    """ "4 mnt", "2 jam 5 mnt", "3 hari"."""
    if value is None:
        return "–"
    minutes = max(0, int(value.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} mnt"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} jam {rest} mnt" if rest else f"{hours} jam"
    return f"{hours // 24} hari"


# What staff read: the console speaks Indonesian.
NAMES: dict[str, dict[str, str]] = {
    "role_names": {
        "case_worker": "petugas kasus",
        "supervisor": "supervisor",
        "ltsa_admin": "admin LTSA",
        "coordinator": "koordinator",
    },
    "priority_names": {"urgent": "darurat", "high": "tinggi", "normal": "biasa"},
    "kind_names": {
        "human_request": "Minta petugas",
        "protection": "Perlindungan (semua)",
        "emergency": "Darurat",
        "family": "Laporan keluarga",
    },
    "reason_names": {
        "user_request": "diminta pengguna",
        "fallback_twice": "bot dua kali tidak paham",
        "unhelpful_twice": "jawaban dua kali kurang membantu",
        "takeover": "diambil alih supervisor",
        "female_worker": "minta petugas perempuan",
        "emergency": "darurat",
        "coordinator_help": "koordinator KOPI membantu warga",
    },
    "status_names": {"open": "menunggu diambil", "assigned": "ditangani", "closed": "selesai"},
    "sender_names": {"user": "Pengguna", "bot": "Bot", "staff": "Petugas"},
    "event_names": {
        "opened": "dibuka",
        "taken": "diambil",
        "taken_over": "diambil alih",
        "assigned": "ditugaskan",
        "reassigned": "dipindah tugaskan",
        "reply": "petugas membalas",
        "note": "catatan",
        "escalated": "eskalasi: tidak ada yang mengambil tepat waktu",
        "closed": "ditutup",
        "user_left": "pengguna kembali ke bot",
        "female_requested": "minta petugas perempuan",
        "female_waived": "petugas siapa saja boleh",
    },
    "language_names": {
        "id": "Bahasa Indonesia",
        "jv": "Basa Jawa",
        "su": "Basa Sunda",
        "mad": "Bhasa Madhura",
    },
    "error_titles": {
        "csrf_failed": "Formulir kedaluwarsa",
        "forbidden": "Tidak diizinkan",
        "not_found": "Tidak ditemukan",
        "conflict": "Tidak bisa sekarang",
        "too_many_attempts": "Terlalu banyak percobaan",
    },
}


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(("html",), default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local"] = local_time
    env.filters["duration"] = duration
    env.filters["pressed_buttons"] = pressed_buttons
    env.tests["datetime"] = lambda value: isinstance(value, dt.datetime)
    env.globals.update(NAMES)
    return env


templates = Jinja2Templates(env=_environment())


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """A page: the template with the staff member, the CSRF token and the security headers."""
    token = csrf.token(request)
    full = {"staff": getattr(request.state, "staff", None), "csrf_token": token, **context}
    response: HTMLResponse = templates.TemplateResponse(
        request, name, full, status_code=status_code, headers=HEADERS
    )
    csrf.set_cookie(request, response)
    return response
