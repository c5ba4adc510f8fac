"""Broadcasts: announcements to the subscribers of an LTSA or a village.

queue.create       the broadcast and one queued row per subscriber, in the caller's transaction
worker             BroadcastWorker: hands recipients to the outbox within the platforms' limits
progress           recipients follow their outbox rows; counts for the console and the chat
"""

from bot.broadcast.progress import Progress, latest, reconcile
from bot.broadcast.queue import MAX_TEXT, MIN_TEXT, BadBroadcast, Target, create
from bot.broadcast.worker import BroadcastWorker, announcement

__all__ = [
    "MAX_TEXT",
    "MIN_TEXT",
    "BadBroadcast",
    "BroadcastWorker",
    "Progress",
    "Target",
    "announcement",
    "create",
    "latest",
    "reconcile",
]
