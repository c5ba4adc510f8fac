"""The state changes a turn's actions ask for, carried out in the turn's transaction: the
conversation's flow, state and slots, the user's language and LTSA, cases, content gaps and
feedback, protection records, subscriptions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.casework.rules import CaseRules
from bot.community.apply import apply_community
from bot.db import direct_rows as dr
from bot.db import feedback_queries as fq
from bot.db import queries as q
from bot.db.direct import Transaction
from bot.db.models import Conversation, User, change
from bot.db.protection import apply_protection
from flows.actions import (
    Action,
    CountMiss,
    EndFlow,
    Goto,
    HandOff,
    LogGap,
    OpenFamilyCase,
    PinFailed,
    QueueBroadcast,
    RecordConsent,
    RecordFeedback,
    RecordReferral,
    Relay,
    RequestCoordinator,
    ResetMisses,
    ReturnToBot,
    SetLanguage,
    SetLtsa,
    SetSlot,
    Subscribe,
    Unsubscribe,
)


async def apply_actions(
    session: AsyncSession,
    actions: list[Action],
    user: User,
    conv: Conversation,
    message_id: int,
    text: str,
    casework: CaseRules,
    now: dt.datetime,
    direct: Transaction | None = None,
) -> dict[str, Any]:
    """Carries out the state-changing actions of one turn in its transaction; returns
    parameters for rendering (a case number, a booking's details). On the direct path
    (`direct`: the turn's transaction) gaps, feedback and relays are written there."""
    extra: dict[str, Any] = {}
    for action in actions:
        match action:
            case Goto(flow=flow, state=state):
                change(conv, flow=flow, state=state)
            case EndFlow():
                kept = {k: v for k, v in conv.slots.items() if k.startswith("_")}
                change(conv, flow=None, state=None, slots=kept)
            case SetSlot(name=name, value=value):
                change(conv, slots={**conv.slots, name: value})
            case SetLanguage(language=language, explicit=explicit):
                source = "explicit" if explicit else "detected"
                change(user, language=language, language_source=source)
            case SetLtsa(slug=slug):
                change(user, ltsa_slug=slug)
            case CountMiss():
                conv.misses += 1
            case ResetMisses():
                change(conv, misses=0)
            case HandOff(reason=reason, priority=priority, kind=kind):
                case = await q.open_case(
                    session,
                    user,
                    kind=kind,
                    reason=reason,
                    priority=priority,
                    language=user.language,
                )
                extra["case_number"] = case.number
                await casework.case_opened(session, case, action, user, now)
            case Relay():
                await (
                    dr.relay(direct, user.id, now)
                    if direct
                    else casework.relay(session, user, now)
                )
            case ReturnToBot(outcome=outcome):
                await casework.user_left(session, user, conv, now, outcome)
            case LogGap(reason=reason, nearest=nearest):
                gap = (message_id, text, reason, user.language, nearest)
                await (dr.log_gap(direct, *gap) if direct else fq.log_gap(session, *gap))
            case RecordFeedback(topic=topic, helpful=helpful):
                said = (user.id, topic, helpful, user.language)
                await (
                    dr.record_feedback(direct, *said)
                    if direct
                    else fq.record_feedback(session, *said)
                )
            case RecordConsent() | RecordReferral() | OpenFamilyCase() | PinFailed():
                extra.update(await apply_protection(session, action, user))
            case Subscribe() | Unsubscribe() | RequestCoordinator() | QueueBroadcast():
                extra.update(await apply_community(session, action, user))
    return extra
