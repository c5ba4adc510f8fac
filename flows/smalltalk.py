"""Greetings and the small words of a conversation.

A greeting (or /start) is answered with a welcome and the main menu: the first message is
always answered, no onboarding screen first. Thanks, goodbye, "are you a bot?", and things the
service does not do get a short answer that leads back to the menu (the last are logged for
staff). A lone "ya"/"tidak" with nothing to confirm is treated as a wish to continue and shows
the menu.
"""

from __future__ import annotations

from typing import ClassVar

from flows.actions import Action, EndFlow, LogGap, ResetMisses, Say
from flows.base import Stateless
from flows.menu import main_menu
from flows.store import FlowStore
from flows.turn import Conversation, Turn

_REPLIES = {
    "thanks": "smalltalk.thanks",
    "goodbye": "smalltalk.goodbye",
    "bot_challenge": "smalltalk.bot_challenge",
    "out_of_scope": "smalltalk.out_of_scope",
    "affirm": "smalltalk.affirm",
    "deny": "smalltalk.deny",
    "empty_message": "system.empty",
    "no_words": "system.no_words",
}


class SmalltalkFlow(Stateless):
    """Answers greet, thanks, goodbye, bot_challenge, out_of_scope, a stray yes/no, and
    messages without words (empty, emoji only)."""

    name: ClassVar[str] = "smalltalk"

    def handles(self, intent: str) -> bool:
        return intent == "greet" or intent in _REPLIES

    async def start(self, turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
        """Welcomes the user with the menu, or answers the small word and offers the menu."""
        if turn.intent == "greet":
            return [EndFlow(), ResetMisses(), Say("greeting.hello"), main_menu()]
        key = _REPLIES[turn.intent or "out_of_scope"]
        if turn.intent in {"thanks", "goodbye"}:
            return [EndFlow(), Say(key)]
        if turn.intent == "out_of_scope":
            # logged: what people ask outside the service shows staff what content to add
            nearest = turn.nearest_topics()
            return [EndFlow(), LogGap("out_of_scope", nearest), main_menu(key)]
        return [EndFlow(), main_menu(key)]
