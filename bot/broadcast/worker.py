"""The broadcast worker: hands queued recipients to the outbox, paced by the platforms' limits.

It runs in every gateway, beside the outbox sender. Each round it reconciles the recipients
with their outbox rows (`progress.reconcile`), then, per channel, tops the outbox up to
`window_seconds` of that platform's rate (Telegram 30/s, 2 s: at most 60 broadcast rows
waiting). The outbox sender sends them under its token buckets, so there is one rate limiter,
and replies to people writing now wait behind at most that window, not behind thousands.

Each recipient is claimed once: selected `FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite has one
writer), moved `queued -> sending` by a conditional UPDATE, and its push message (with the
unique dedupe key "broadcast:<recipient id>") and outbox rows written in that same
transaction: a crash before the commit leaves it queued, after it the outbox has it. A
recipient who unsubscribed meanwhile, or whose channel is off, is skipped. WhatsApp users
outside the 24-hour window get the "broadcast" template first (`bot.delivery`).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Row, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.background import Background, nap
from bot.broadcast import progress
from bot.channels.base import Outgoing
from bot.community.subscriptions import reaches
from bot.db.engine import Database
from bot.db.models import Broadcast, Subscription, User, utcnow
from bot.delivery import Delivery, Push
from bot.render import Renderer
from flows.actions import Action, Ask, Option, Say
from flows.payload import payload

log = logging.getLogger(__name__)

R = progress.R
STORED_ONLY = frozenset({"web", "cli"})  # fetched by the web chat or terminal: no outbox
HELD_EVERY = 30.0  # seconds between re-checks of recipients WhatsApp holds


def announcement(renderer: Renderer, broadcast: Broadcast, language: str) -> list[Outgoing]:
    """The announcement in the recipient's language: who sends it, the text, how to leave."""
    head: Action
    if broadcast.source == "coordinator":
        village = broadcast.from_village or broadcast.village
        head = Say("community.announcement.from_coordinator", {"village": village})
    else:
        head = Say("community.announcement.from_ltsa", {"ltsa": broadcast.ltsa_slug})
    leave = Option("community.button.unsubscribe.label", payload("unsubscribe"))
    actions: list[Action] = [
        head,
        Say("community.announcement.text", {"text": broadcast.text}),
        Ask("community.announcement.footer", (leave,)),
    ]
    return renderer.render(actions, language)


@dataclass(frozen=True)
class Round:
    handed: int = 0  # recipients given to the outbox (or stored, for the web chat)
    skipped: int = 0
    active: bool = False  # some broadcast is still being sent


class BroadcastWorker:
    """Feeds queued broadcast recipients to the outbox; one per gateway process."""

    def __init__(
        self,
        db: Database,
        delivery: Delivery,
        renderer: Renderer,
        *,
        window_seconds: float = 2.0,
        poll_seconds: float = 1.0,
        batch: int = 200,
        default_language: str = "id",
    ) -> None:
        self.db = db
        self.delivery = delivery
        self.renderer = renderer
        self.window_seconds = window_seconds
        self.poll_seconds = poll_seconds
        self.batch = batch
        self.default_language = default_language
        self._wake = asyncio.Event()
        self._background = Background("broadcast-worker")
        self._held_checked = -math.inf

    def kick(self) -> None:
        """Looks for queued recipients now (after a broadcast was queued)."""
        self._wake.set()

    def start(self) -> None:
        """Runs rounds in the background until `stop`."""
        self._background.start(self._loop)

    async def stop(self) -> None:
        """Stops between rounds; a round in progress is rolled back and done again later."""
        await self._background.stop()

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                done = await self.run_once()
            except Exception:  # a database hiccup must not end the loop
                log.exception("broadcast round failed")
                done = Round()
            tick = min(self.poll_seconds, self.window_seconds / 4) if done.active else None
            await nap(self._wake, tick or self.poll_seconds)

    async def run_once(self) -> Round:
        """One round: reconcile, then hand each channel as many recipients as it has room for."""
        loop_now = asyncio.get_running_loop().time()
        held = loop_now - self._held_checked >= HELD_EVERY
        async with self.db.transaction() as session:
            if await progress.reconcile(session, held=held) and held:
                self._held_checked = loop_now
            channels = list(
                await session.scalars(
                    select(R.channel)
                    .join(Broadcast, Broadcast.id == R.broadcast_id)
                    .where(R.status == "queued", Broadcast.status == "sending")
                    .distinct()
                )
            )
            active = bool(channels) or bool(
                await session.scalar(select(Broadcast.id).where(Broadcast.status == "sending"))
            )
        handed = skipped = 0
        for channel in channels:
            room = await self.room(channel)
            if room > 0:
                got, left = await self.hand(channel, room)
                handed, skipped = handed + got, skipped + left
        return Round(handed, skipped, active)

    async def room(self, channel: str) -> int:
        """How many more recipients of `channel` the outbox may take now."""
        platform = self.delivery.platforms.get(channel)
        if platform is None:
            return self.batch  # stored only, or skipped: nothing to pace
        window = max(1, math.ceil(platform.limits.rate * self.window_seconds))
        async with self.db.transaction() as session:
            backlog = await session.scalar(
                select(func.count()).where(R.status == "sending", R.channel == channel)
            )
        return min(self.batch, window - int(backlog or 0))

    async def hand(self, channel: str, room: int) -> tuple[int, int]:
        """Claims up to `room` queued recipients of `channel` and pushes their messages."""
        async with self.db.transaction() as session:
            claimed = (
                await session.execute(
                    select(R.id, R.broadcast_id, R.user_id)
                    .join(Broadcast, Broadcast.id == R.broadcast_id)
                    .where(
                        R.status == "queued", R.channel == channel, Broadcast.status == "sending"
                    )
                    .order_by(R.id)
                    .limit(room)
                    .with_for_update(skip_locked=True, of=R)
                )
            ).all()
            return await self._push_all(session, channel, claimed)

    async def _push_all(
        self, session: AsyncSession, channel: str, claimed: Sequence[Row[int, int, int]]
    ) -> tuple[int, int]:
        """Moves the claimed recipients to `sending` and pushes their messages, in a few
        batched statements whatever their number."""
        if not claimed:
            return 0, 0
        taken = set(
            await session.scalars(
                update(R)
                .where(R.id.in_([c.id for c in claimed]), R.status == "queued")
                .values(status="sending", updated_at=utcnow())
                .returning(R.id)
                .execution_options(synchronize_session=False)
            )
        )  # a recipient missing here was taken by another worker
        mine = [c for c in claimed if c.id in taken]
        user_ids = [c.user_id for c in mine]
        users = {u.id: u for u in await session.scalars(select(User).where(User.id.in_(user_ids)))}
        subscriptions = {
            s.user_id: s
            for s in await session.scalars(
                select(Subscription).where(Subscription.user_id.in_(user_ids))
            )
        }
        skips: list[dict[str, object]] = []
        pushes: list[tuple[int, Push]] = []
        rendered: dict[tuple[int, str], list[Outgoing]] = {}
        for rid, broadcast_id, user_id in mine:
            broadcast = await session.get_one(Broadcast, broadcast_id)  # a few, then cached
            if not reaches(subscriptions.get(user_id), broadcast.ltsa_slug, broadcast.village):
                skips.append({"id": rid, "error": "unsubscribed"})
                continue
            if channel not in self.delivery.platforms and channel not in STORED_ONLY:
                skips.append({"id": rid, "error": f"{channel} is off"})
                continue
            user = users[user_id]
            language = user.language or self.default_language
            key = (broadcast_id, language)
            if key not in rendered:
                rendered[key] = announcement(self.renderer, broadcast, language)
            # the key is unique: a second message for this recipient would fail the commit
            pushes.append((rid, Push(user, rendered[key], dedupe_key=f"broadcast:{rid}")))
        stored = await self.delivery.push_many(session, [p for _, p in pushes], kind="broadcast")
        status = "sent" if channel in STORED_ONLY else "sending"
        now = utcnow()
        changes = [
            {"id": rid, "status": status, "message_id": messages[0].message_id, "updated_at": now}
            for (rid, _), messages in zip(pushes, stored, strict=True)
        ] + [{"status": "skipped", "updated_at": now, **skip} for skip in skips]
        if changes:
            await session.execute(update(R), changes)  # by primary key, as one executemany
        return len(pushes), len(skips)
