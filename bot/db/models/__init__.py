"""The database schema: SQLAlchemy 2 typed models, one module per concept. Queries live
beside them in `bot/db/queries.py`.

Times are stored as timezone-aware UTC (`UtcDateTime`), also on SQLite.
"""

from bot.db.models.base import Base, BigId, UtcDateTime, change, utcnow
from bot.db.models.booking import (
    ACTIVE_OPP,
    Booking,
    Closure,
    Desk,
    DeskSlot,
    Ltsa,
    OpeningHours,
    OppSession,
    SeatPromise,
    WaitlistEntry,
)
from bot.db.models.casework import (
    AuditEntry,
    Case,
    CaseEvent,
    CaseNote,
    LoginFailure,
    Referral,
    Staff,
)
from bot.db.models.community import (
    Broadcast,
    BroadcastRecipient,
    Coordinator,
    CoordinatorRequest,
    Subscription,
)
from bot.db.models.conversation import ContentGap, Conversation, FaqFeedback, Message, User
from bot.db.models.delivery import Attachment, Outbox, ScheduledJob

__all__ = [
    "ACTIVE_OPP",
    "Attachment",
    "AuditEntry",
    "Base",
    "BigId",
    "Booking",
    "Broadcast",
    "BroadcastRecipient",
    "Case",
    "CaseEvent",
    "CaseNote",
    "Closure",
    "ContentGap",
    "change",
    "Conversation",
    "Coordinator",
    "CoordinatorRequest",
    "Desk",
    "DeskSlot",
    "FaqFeedback",
    "LoginFailure",
    "Ltsa",
    "Message",
    "OpeningHours",
    "OppSession",
    "SeatPromise",
    "Outbox",
    "Referral",
    "ScheduledJob",
    "Staff",
    "Subscription",
    "User",
    "UtcDateTime",
    "WaitlistEntry",
    "utcnow",
]
