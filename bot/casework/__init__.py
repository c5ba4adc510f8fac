"""Human case workers: handoff rules, the desk of staff actions, escalation and privacy.

rules.CaseRules     what the pipeline does around a HandOff, a relayed message, a close
desk.CaseDesk       take / assign / take over / reply / note / close (the console calls it)
sweeper.CaseSweeper the periodic task: escalation of untaken cases, retention
hours.OfficeHours   when each LTSA's workers are in
policy              who may see and do what
privacy             erasing a user's data
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.casework.desk import CaseDesk, CaseworkError, NotAllowed, Pusher, WebPusher, WrongState
from bot.casework.hours import OfficeHours
from bot.casework.rules import CaseRules, CaseSettings
from bot.casework.sweeper import CaseSweeper
from bot.content import Content
from bot.db.engine import Database
from bot.render import Renderer
from bot.settings import Settings

__all__ = [
    "CaseDesk",
    "CaseRules",
    "CaseSettings",
    "CaseSweeper",
    "Casework",
    "CaseworkError",
    "NotAllowed",
    "OfficeHours",
    "Pusher",
    "WebPusher",
    "WrongState",
    "build",
    "rules_for",
]


@dataclass
class Casework:
    rules: CaseRules
    desk: CaseDesk
    sweeper: CaseSweeper


def rules_for(settings: Settings, content: Content) -> CaseRules:
    """The case rules of a deployment: its LTSAs' hours and the case-work settings."""
    hours = OfficeHours.of(content.ltsa, settings.timezone)
    return CaseRules(
        hours,
        CaseSettings(
            pickup=dt.timedelta(minutes=settings.case_pickup_minutes),
            on_duty_window=dt.timedelta(minutes=settings.staff_online_minutes),
            retention_days=settings.retention_days,
            default_ltsa=settings.default_ltsa or None,
        ),
    )


def build(
    settings: Settings,
    db: Database,
    content: Content,
    renderer: Renderer,
    pusher: Pusher | None,
    rules: CaseRules | None = None,
) -> Casework:
    """Wires case work once at start-up (the sweeper is started by the caller)."""
    case_rules = rules or rules_for(settings, content)
    desk = CaseDesk(case_rules, renderer, pusher or WebPusher(), content.default_language)
    sweeper = CaseSweeper(
        db, desk, settings.case_sweep_seconds, case_rules.settings.retention_days
    )
    return Casework(case_rules, desk, sweeper)
