"""The console's named errors, each with its HTTP status and a message for staff.

    ConsoleError
     ├── LoginRequired      401 → redirect to /console/login
     ├── CsrfFailed         403  a POST without the form's token (or from another origin)
     ├── Forbidden          403  the role or LTSA does not allow it
     ├── NotFound           404  no such case, or not one the staff member may see
     ├── Conflict           409  the case is not in a state for it
     └── TooManyAttempts    429  login throttled for the account or the address

Case-work errors (`bot.casework.CaseworkError`) map onto Forbidden and Conflict.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from bot.casework import CaseworkError, NotAllowed


class ConsoleError(Exception):
    """Something the console refuses; rendered as a page with `message`."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.code)
        self.message = message


class LoginRequired(ConsoleError):
    status, code = 401, "login_required"


class CsrfFailed(ConsoleError):
    status, code = 403, "csrf_failed"


class Forbidden(ConsoleError):
    status, code = 403, "forbidden"


class NotFound(ConsoleError):
    status, code = 404, "not_found"


class Conflict(ConsoleError):
    status, code = 409, "conflict"


class TooManyAttempts(ConsoleError):
    status, code = 429, "too_many_attempts"


def from_casework(error: CaseworkError) -> ConsoleError:
    """The console error for a refused case action."""
    if isinstance(error, NotAllowed):
        return Forbidden(str(error))
    return Conflict(str(error))


async def handle(request: Request, error: Exception) -> Response:
    """Renders a console error (a redirect to the login page when not logged in)."""
    from bot.console.pages import render  # pages -> csrf -> errors: imported late

    if isinstance(error, CaseworkError):
        error = from_casework(error)
    if not isinstance(error, ConsoleError):
        raise error
    if isinstance(error, LoginRequired):
        return RedirectResponse("/console/login", status_code=303)
    return render(
        request,
        "error.html",
        {"code": error.code, "message": error.message, "status": error.status},
        status_code=error.status,
    )
