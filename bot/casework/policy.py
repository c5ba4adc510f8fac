"""Who may see and do what in case work.

    role          sees                                  may
    case_worker   cases of their LTSA                   take, reply, note, close their cases
    coordinator   their LTSA's cases, not protection    the same, on those cases
    supervisor    cases of their LTSA                   also assign, reassign, take over,
                                                        close any case, export CSV
    ltsa_admin    cases of their LTSA                   everything a supervisor may, and
                                                        see the staff list and the audit log

A staff member with no LTSA serves every LTSA. A case flagged for a female case worker is
shown to everyone who may see it, but only female staff may take it or be assigned it.

Bookings (OPP sessions and desk days, `bot/console/sessions.py` and `desks.py`), of their LTSA:
case workers see attendee lists and waitlists, mark attendance and export the CSV; supervisors
and LTSA admins also create and cancel sessions and cancel bookings. Coordinators see none: a
console account is not linked to the chat account they book villagers with.
"""

from __future__ import annotations

from bot.db.case_queries import Scope, is_protection
from bot.db.models import Case, Staff

SUPERVISING = frozenset({"supervisor", "ltsa_admin"})
HANDLING = frozenset({"case_worker", "supervisor", "ltsa_admin", "coordinator"})
BOOKING_DESK = frozenset({"case_worker", "supervisor", "ltsa_admin"})


def scope(staff: Staff) -> Scope:
    """The cases a staff member may see."""
    return Scope(ltsa_slug=staff.ltsa_slug, protection=staff.role != "coordinator")


def can_see(staff: Staff, case: Case) -> bool:
    """True when the case is within the staff member's LTSA and role."""
    if not staff.active:
        return False
    if staff.role == "coordinator" and is_protection(case.kind):
        return False
    return staff.ltsa_slug is None or case.ltsa_slug in (None, staff.ltsa_slug)


def supervises(staff: Staff) -> bool:
    """Supervisors and LTSA admins assign, take over, close any case and export."""
    return staff.role in SUPERVISING


def female_rule_allows(staff: Staff, case: Case) -> bool:
    """A case flagged for a female case worker goes only to female staff."""
    return not case.wants_female or staff.gender == "female"


def can_take(staff: Staff, case: Case) -> bool:
    """May take the case into their own hands (unassigned; or any, when supervising)."""
    if not (can_see(staff, case) and staff.role in HANDLING and female_rule_allows(staff, case)):
        return False
    if case.status == "closed":
        return False
    return case.assignee_id is None or (supervises(staff) and case.assignee_id != staff.id)


def can_be_assigned(staff: Staff, case: Case) -> bool:
    """May be given the case by a supervisor."""
    return (
        staff.active
        and staff.role in HANDLING
        and can_see(staff, case)
        and female_rule_allows(staff, case)
    )


def can_reply(staff: Staff, case: Case) -> bool:
    """May write to the user: the case's assignee (a supervisor takes the case over first)."""
    return can_see(staff, case) and case.status == "assigned" and case.assignee_id == staff.id


def can_close(staff: Staff, case: Case) -> bool:
    """May close the case: its assignee, or a supervisor."""
    if not can_see(staff, case) or case.status == "closed":
        return False
    return case.assignee_id == staff.id or supervises(staff)


def can_note(staff: Staff, case: Case) -> bool:
    """Anyone who may see the case may leave an internal note on it."""
    return can_see(staff, case)


def can_manage_staff(staff: Staff) -> bool:
    """LTSA admins see the staff list and the audit log."""
    return staff.role == "ltsa_admin"


def can_see_bookings(staff: Staff, ltsa_slug: str | None = None) -> bool:
    """May see attendee lists and mark attendance (of `ltsa_slug`, when given)."""
    if not staff.active or staff.role not in BOOKING_DESK:
        return False
    return ltsa_slug is None or staff.ltsa_slug in (None, ltsa_slug)


def can_manage_sessions(staff: Staff) -> bool:
    """May create and cancel OPP sessions and cancel bookings: supervisors and LTSA admins."""
    return staff.active and staff.role in SUPERVISING
