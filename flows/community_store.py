"""What the community flows read: subscriptions, coordinators, announcements (`FlowStore`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from flows.store import OppSlot


@dataclass(frozen=True)
class SubscriptionInfo:
    """The user's subscription to announcements (village "": the whole district)."""

    ltsa: str
    village: str = ""


@dataclass(frozen=True)
class CoordinatorInfo:
    """The user as a KOPI coordinator: status verified | pending | rejected | revoked."""

    status: str
    ltsa: str
    village: str

    @property
    def verified(self) -> bool:
        return self.status == "verified"


@dataclass(frozen=True)
class BroadcastInfo:
    """One of the coordinator's announcements and how far it got."""

    id: int
    ltsa: str
    village: str  # "": the whole district
    created: dt.date
    total: int
    sent: int
    waiting: int  # queued, being sent, or held until the user writes (WhatsApp)
    failed: int  # failed or skipped (left before their turn, channel off)


class CommunityStore(Protocol):
    async def subscription(self) -> SubscriptionInfo | None:
        """The user's active subscription, if any."""
        ...

    async def coordinator(self) -> CoordinatorInfo | None:
        """The user's coordinator record or request, if any."""
        ...

    async def villages(self, ltsa: str) -> tuple[str, ...]:
        """Villages of the LTSA with a verified coordinator (offered when subscribing)."""
        ...

    async def audience(self, ltsa: str, village: str) -> int:
        """How many active subscribers an announcement to the village ("": district) reaches."""
        ...

    async def my_broadcasts(self) -> tuple[BroadcastInfo, ...]:
        """The user's latest announcements, newest first."""
        ...

    async def village_sessions(self, ltsa: str, village: str) -> tuple[tuple[OppSlot, int], ...]:
        """The next OPP sessions with how many people of the village are booked in each."""
        ...
