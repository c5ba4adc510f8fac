"""Real stores for the community flows: the directory in SQLite, subscribers, a verified KOPI
coordinator of Paringan (Ponorogo) with an announcement, a pending one, a plain user."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking.directory import add_session, sync_directory
from bot.booking.seats import Attendee, book_opp
from bot.broadcast import Target, create
from bot.community.subscriptions import subscribe
from bot.content import Content
from bot.db import queries as q
from bot.db.engine import Database
from bot.db.models import Coordinator, CoordinatorRequest, User, utcnow
from bot.flowstore import TurnStore
from flows import Conversation, Turn
from flows.announce import State as AnnounceState
from flows.coordinator import State as CoordinatorState
from flows.subscription import State as SubscriptionState
from nlu.dates import TZ
from nlu.intents import COMMUNITY
from tests.conftest import ROOT

NOW = dt.datetime(2026, 12, 7, 7, 0, tzinfo=TZ)  # Monday morning
LTSA, VILLAGE = "ponorogo", "Paringan"


async def coordinator(
    session: AsyncSession, user: User, status: str = "verified", village: str = VILLAGE
) -> None:
    """Makes `user` a coordinator of the village (verified), or one who asked (other status)."""
    session.add(
        CoordinatorRequest(
            user_id=user.id, ltsa_slug=LTSA, village=village, name="Sri Wahyuni", status=status
        )
    )
    if status == "verified":
        session.add(Coordinator(user_id=user.id, village=village, created_at=utcnow()))
    await session.flush()


@asynccontextmanager
async def community_stores(content: Content, tmp_path: Path) -> AsyncIterator[list[TurnStore]]:
    """Stores of: a new user, a subscriber, a pending requester, a verified coordinator."""
    db = Database(f"sqlite:///{tmp_path}/community.db", ROOT)
    await db.migrate()
    try:
        async with db.transaction() as session:
            await sync_directory(session, content, slot_minutes=30, slot_capacity=2, demo=False)
            names = ("new", "subscriber", "pending", "kopi")
            users = [await q.user_for(session, "web", name) for name in names]
            await subscribe(session, users[1].id, LTSA, VILLAGE)
            await coordinator(session, users[2], status="pending")
            await coordinator(session, users[3])
            starts = dt.datetime.combine(dt.date(2026, 12, 9), dt.time(8), tzinfo=TZ)
            opp = await add_session(session, LTSA, starts, 30, "Disnaker")
            villager = Attendee(users[3].id, "Budi", "id", "coordinator", for_other=True)
            await book_opp(session, opp.id, villager, NOW)
            text = "Rapat warga calon PMI hari Jumat di balai desa."
            await create(
                session,
                Target(LTSA, VILLAGE),
                text,
                source="coordinator",
                created_by=f"user:{users[3].id}",
                user_id=users[3].id,
            )
            yield [TurnStore(content, session, u.id, NOW) for u in users]
    finally:
        await db.dispose()


def community_turns() -> list[Turn]:
    """Every button of the community flows, and typed answers."""
    presses = [
        ("subscribe", {}),
        ("subscribe", {"ltsa": LTSA}),
        ("unsubscribe", {}),
        ("subscribe_step", {"scope": "district"}),
        ("subscribe_step", {"scope": "village"}),
        ("subscribe_step", {"village": VILLAGE}),
        ("subscribe_step", {"change": True}),
        ("subscribe_step", {"ltsa": LTSA}),
        ("subscribe_step", {"cancel": True}),
        ("coordinator", {}),
        ("coordinator_step", {"request": True}),
        ("coordinator_step", {"request": True, "ltsa": LTSA}),
        ("coordinator_step", {"opp": True}),
        ("coordinator_step", {"help": True}),
        ("coordinator_step", {"agreed": True}),
        ("coordinator_step", {"consent": True}),
        ("coordinator_step", {"consent": False}),
        ("coordinator_step", {"cancel": True}),
        ("announce", {}),
        ("announce", {"status": True}),
        ("announce_step", {"scope": "village"}),
        ("announce_step", {"scope": "district"}),
        ("announce_step", {"send": True}),
        ("announce_step", {"send": False}),
        ("announce_step", {"edit": True}),
        ("announce_step", {"cancel": True}),
    ]
    turns = [Turn("", intent, 1.0, payload=params) for intent, params in presses]
    typed = ["Paringan", "desa ngrayun", "x", "Siti Aminah", "batal", "/umumkan status"]
    typed += ["Besok ada sosialisasi OPP di balai desa jam 9, bawa KTP.", "a" * 700]
    turns += [Turn(text, "nlu_fallback", 0.1, nlu_available=False) for text in typed]
    turns += [Turn("ya", "affirm", 1.0), Turn("tidak", "deny", 1.0)]
    turns += [Turn("x", intent, 0.9) for intent in COMMUNITY]  # typed, understood
    return turns


def community_conversations() -> list[Conversation]:
    """Every step of the community flows, with the slots it is reached with."""
    text = "Besok ada sosialisasi OPP di balai desa jam 9, bawa KTP."
    convs = [Conversation("subscription", s, {"ltsa": LTSA}) for s in SubscriptionState]
    convs += [Conversation("coordinator", s, {"ltsa": LTSA}) for s in CoordinatorState]
    convs += [
        Conversation(
            "coordinator",
            CoordinatorState.CONSENT,
            {"ltsa": LTSA, "village": VILLAGE, "name": "Sri Wahyuni"},
        )
    ]
    for scope in ("village", "district"):
        convs += [
            Conversation("announce", s, {"scope": scope, "text": text}) for s in AnnounceState
        ]
    return convs
