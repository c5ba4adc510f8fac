"""Messages that are not text: voice notes, stickers, locations, contacts, files, group chats.

A channel adapter turns such a message into a payload-like command (`/voice_note`,
`/attachment{"kept": true}`, …) and this flow answers it the same way on every channel:
the bot cannot listen to voice notes or read stickers yet, so it says so and shows the menu;
a location or a contact card is not used (and not stored: it is someone's whereabouts or
number); a file is kept only while a case with a case worker is open, and the user is told
which happened; in a group the bot asks to be written to privately, where data stays between
the user and the LTSA; an edited message is not answered again, the user is asked to send
it anew. None of these changes the conversation's flow: a booking in progress continues.
"""

from __future__ import annotations

from typing import ClassVar

from flows.actions import Action, Say
from flows.base import Stateless
from flows.menu import main_menu
from flows.store import FlowStore
from flows.turn import Conversation, Turn

# intent -> content key of the answer, shown above the main menu
_WITH_MENU = {
    "voice_note": "channel.voice_note",
    "sticker": "channel.sticker",
    "location": "channel.location",
    "contact": "channel.contact",
    "edited_message": "channel.edited",
    "unsupported_message": "channel.unsupported",
}
INTENTS = frozenset({*_WITH_MENU, "attachment", "group_chat"})


class ChannelInputFlow(Stateless):
    """Answers voice notes, stickers, locations, contacts, files, group messages and edits."""

    name: ClassVar[str] = "channel_input"

    def handles(self, intent: str) -> bool:
        return intent in INTENTS

    async def start(self, turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
        """Says what the bot did with the message and what the user can do instead."""
        if turn.intent == "attachment":
            kept = bool(turn.payload and turn.payload.get("kept") is True)
            if kept:
                return [Say("channel.attachment_kept")]
            return [main_menu("channel.attachment_not_kept")]
        if turn.intent == "group_chat":
            return [Say("channel.group_private")]
        return [main_menu(_WITH_MENU[turn.intent or "unsupported_message"])]
