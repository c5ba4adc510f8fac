"""The community actions of a turn, carried out in its transaction (`Pipeline._apply`)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast.queue import BadBroadcast, Target, create
from bot.community import coordinators, subscriptions
from bot.db.models import User
from flows.actions import CommunityAction, QueueBroadcast, RequestCoordinator, Subscribe

log = logging.getLogger(__name__)


async def apply_community(
    session: AsyncSession, action: CommunityAction, user: User
) -> dict[str, Any]:
    """Subscribes, unsubscribes, records a coordinator request or queues an announcement;
    returns render parameters ({recipients} for an announcement)."""
    match action:
        case Subscribe(ltsa=ltsa, village=village):
            await subscriptions.subscribe(session, user.id, ltsa, village)
        case RequestCoordinator(ltsa=ltsa, village=village, name=name):
            await coordinators.request(session, user, ltsa, village, name)
        case QueueBroadcast(scope=scope, text=text):
            return {"recipients": await _queue(session, user, scope, text)}
        case _:
            await subscriptions.unsubscribe(session, user.id)
    return {}


async def _queue(session: AsyncSession, user: User, scope: str, text: str) -> int:
    """Queues a verified coordinator's announcement to their own village or district."""
    info = await coordinators.info(session, user)
    if info is None or not info.verified or not info.ltsa:
        log.warning("user %s tried to announce without being a verified coordinator", user.id)
        return 0
    target = Target(info.ltsa, info.village if scope == "village" else "")
    try:
        broadcast = await create(
            session,
            target,
            text,
            source="coordinator",
            created_by=f"user:{user.id}",
            user_id=user.id,
            from_village=info.village,
        )
    except BadBroadcast:
        return 0
    log.info("broadcast %s queued for %s recipients", broadcast.id, broadcast.total)
    return broadcast.total
