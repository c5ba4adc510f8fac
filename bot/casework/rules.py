"""What the pipeline does for case work, in the message's transaction.

resolve(actions)     before the actions are applied: answers CheckFemaleStaff and
                     EraseMyData with the follow-ups their result picks, adds the
                     out-of-office notice after a HandOff, the retention period to
                     `privacy.info`
case_opened(case)    after HandOff opened (or found) the case: the LTSA, the female-worker
                     flag, when it escalates if nobody takes it
relay(user)          a message while a person has the conversation: the case's SLA clock
close(case)          the case is over (the worker closed it, or the user left): the bot
                     answers again, with a clean conversation
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.casework import privacy
from bot.casework.hours import OfficeHours
from bot.db import case_queries as cq
from bot.db import queries as q
from bot.db import staff_queries as sq
from bot.db.models import Case, CaseEvent, Conversation, User
from flows.actions import Action, Ask, CheckFemaleStaff, EraseMyData, HandOff, Say


@dataclass(frozen=True)
class CaseSettings:
    """The settings of case work (see `bot.settings`)."""

    pickup: dt.timedelta = dt.timedelta(minutes=30)  # escalate when nobody took it by then
    on_duty_window: dt.timedelta = dt.timedelta(minutes=15)  # "on duty" = seen this recently
    retention_days: int = 365
    default_ltsa: str | None = None


def reset_conversation(conv: Conversation) -> None:
    """Back to the bot with no flow in progress (cross-flow counters starting "_" stay)."""
    conv.mode = "bot"
    conv.flow = conv.state = None
    conv.slots = {k: v for k, v in conv.slots.items() if k.startswith("_")}
    conv.misses = 0


class CaseRules:
    """Case work as the pipeline and the console share it."""

    def __init__(self, hours: OfficeHours, settings: CaseSettings | None = None) -> None:
        self.hours = hours
        self.settings = settings or CaseSettings()

    async def resolve(
        self, session: AsyncSession, actions: Sequence[Action], user: User, now: dt.datetime
    ) -> list[Action]:
        """The actions with case-work results filled in, and the out-of-office notice placed
        after the first HandOff's own words, before its buttons."""
        resolved: list[Action] = []
        for action in actions:
            match action:
                case CheckFemaleStaff(on=on):
                    since = now - self.settings.on_duty_window
                    ltsa = user.ltsa_slug or self.settings.default_ltsa
                    present = await sq.female_on_duty(session, ltsa, since)
                    resolved += on.get("on_duty" if present else "none", ())
                case EraseMyData(on=on):
                    resolved += on.get(await privacy.erase(session, user, now), ())
                case Say(key="privacy.info"):
                    days = self.settings.retention_days
                    resolved.append(Say(action.key, {**action.params, "retention_days": days}))
                case _:
                    resolved.append(action)
        handoff = next((i for i, a in enumerate(resolved) if isinstance(a, HandOff)), None)
        if handoff is None:
            return resolved
        notice = self.office_notice(user.ltsa_slug, now)
        ask = next(
            (i for i, a in enumerate(resolved) if i > handoff and isinstance(a, Ask)),
            len(resolved),
        )
        return [*resolved[:ask], *notice, *resolved[ask:]]

    def office_notice(self, ltsa: str | None, now: dt.datetime) -> list[Action]:
        """Outside office hours: when a case worker will answer, and the hotlines."""
        schedule = self.hours.schedule(ltsa or self.settings.default_ltsa)
        if schedule.is_open(now):
            return []
        opens = schedule.next_opening(now)
        if opens is None:
            return [Say("handoff.out_of_hours_unknown")]
        return [Say("handoff.out_of_hours", {"opens": opens})]

    def escalate_at(self, case: Case, now: dt.datetime) -> dt.datetime:
        """When an untaken case escalates: urgent and high cases count from now, others from
        when the office is (next) open."""
        if case.priority in {"urgent", "high"}:
            return now + self.settings.pickup
        schedule = self.hours.schedule(case.ltsa_slug)
        return schedule.working_start(now) + self.settings.pickup

    async def case_opened(
        self, session: AsyncSession, case: Case, handoff: HandOff, user: User, now: dt.datetime
    ) -> None:
        """Routes the case (LTSA, female worker) and sets when it escalates."""
        if case.ltsa_slug is None:
            case.ltsa_slug = user.ltsa_slug or self.settings.default_ltsa
        female = True if handoff.reason == "female_worker" else handoff.female
        if female is not None and female != case.wants_female:
            case.wants_female = female
            kind = "female_requested" if female else "female_waived"
            session.add(CaseEvent(case_id=case.id, kind=kind, actor="user", created_at=now))
        if case.status == "open" and case.escalated_at is None:
            due = self.escalate_at(case, now)
            if case.escalate_at is None or due < case.escalate_at:
                case.escalate_at = due

    async def relay(self, session: AsyncSession, user: User, now: dt.datetime) -> None:
        """A message for the case worker: the case shows the user is waiting since now."""
        case = await cq.active_case(session, user.id)
        if case is not None:
            case.last_user_at = now

    async def user_left(
        self,
        session: AsyncSession,
        user: User,
        conv: Conversation,
        now: dt.datetime,
        outcome: str = "user_left",
    ) -> None:
        """The user went back to the bot. A request for a person is closed; a protection case
        stays open with its worker (who may still write), only the bot answers again."""
        case = await cq.active_case(session, user.id)
        if case is None or cq.is_protection(case.kind):
            reset_conversation(conv)
            if case is not None:
                session.add(CaseEvent(case_id=case.id, kind="user_left", actor="user"))
            return
        await self.close(session, case, outcome=outcome, actor="user", now=now, conv=conv)

    async def close(
        self,
        session: AsyncSession,
        case: Case,
        *,
        outcome: str,
        actor: str,
        now: dt.datetime,
        conv: Conversation | None = None,
    ) -> None:
        """Closes the case; the conversation goes back to the bot, clean."""
        case.status = "closed"
        case.closed_at = now
        case.outcome = outcome
        session.add(
            CaseEvent(
                case_id=case.id,
                kind="closed",
                actor=actor,
                detail={"outcome": outcome},
                created_at=now,
            )
        )
        if conv is None:
            conv = await q.conversation_for(session, case.user_id, lock=True)
        reset_conversation(conv)
        user = await session.get_one(User, case.user_id)
        if not await cq.open_protection_cases(session, user.id):
            await session.flush()
            await privacy.finish_pending(session, user, now)
