"""The case-worker console at /console/: server-rendered pages over the case-work services.

    auth           login (argon2id, throttled), logout, the session cookie
    cases          the queue and one case, with every staff action on it
    conversations  supervisors read and take over conversations with the bot
    staff          on duty; the staff list and the audit log
    export         the CSV export
    sessions       OPP sessions: list, create, cancel; attendees, attendance, waitlist, CSV
    desks          desk days: one desk's slots on a day, attendance, CSV
    coordinators   KOPI coordinator requests: verify, reject, revoke (LTSA admins)
    broadcasts     announcements: progress, preview, send, cancel (supervisors, admins)
    analytics      usage charts (supervisors, admins)
    csrf, pages, errors, related, static   what the routes share

`install(app)` adds the routes and the error pages to the gateway's app.
"""

from __future__ import annotations

from fastapi import FastAPI

from bot.casework import CaseworkError
from bot.console import (
    analytics,
    auth,
    broadcasts,
    cases,
    conversations,
    coordinators,
    desks,
    export,
    sessions,
    staff,
    static,
)
from bot.console.errors import ConsoleError, handle

__all__ = ["install"]


def install(app: FastAPI) -> None:
    """Adds the console to the app."""
    for module in (static, auth, cases, conversations, staff, export, sessions, desks):
        app.include_router(module.router)
    for module in (coordinators, broadcasts, analytics):  # KOPI coordinators and analytics
        app.include_router(module.router)
    app.add_exception_handler(ConsoleError, handle)
    app.add_exception_handler(CaseworkError, handle)
