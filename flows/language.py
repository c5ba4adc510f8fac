"""Changing the language.

The user asks for another language ("pakai basa Jawa", "basa Sunda wae", /bahasa) or presses
the language button. When the message names the language it is set at once and remembered as
the user's choice; otherwise the bot asks with one button per language. The confirmation and
everything after it is in the new language.

```mermaid
flowchart LR
    ask[change_language] -->|language named| set[set + confirm + menu]
    ask -->|not named| choose[buttons: id / jv / su / mad] --> set
```
"""

from __future__ import annotations

import re
from typing import ClassVar

from flows.actions import Action, Ask, EndFlow, Option, Say, SetLanguage
from flows.base import Stateless
from flows.menu import main_menu
from flows.payload import payload
from flows.store import FlowStore
from flows.turn import Conversation, Turn

LANGUAGE_NAMES = {
    "id": "Bahasa Indonesia",
    "jv": "Basa Jawa",
    "su": "Basa Sunda",
    "mad": "Bhasa Madhura",
}

_NAMED = (
    ("jv", re.compile(r"\b(jawa|jowo|jawi|javanese|jv)\b")),
    ("su", re.compile(r"\b(sunda|sundanese|su)\b")),
    ("mad", re.compile(r"\b(madura|madhura|meddhu?ra|madurese|mad)\b")),
    ("id", re.compile(r"\b(indonesia|indo|nasional|indonesian)\b")),
)


def validate_language(turn: Turn) -> str | None:
    """The language the user chose: from the button, or named in the message."""
    chosen = turn.entity("language")
    if chosen in LANGUAGE_NAMES:
        return chosen
    text = turn.text.lower()
    found = [code for code, pattern in _NAMED if pattern.search(text)]
    return found[0] if len(found) == 1 else None


class LanguageFlow(Stateless):
    """Sets the language the user names, or asks which one."""

    name: ClassVar[str] = "language"

    def handles(self, intent: str) -> bool:
        return intent == "change_language"

    async def start(self, turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
        """Stores the chosen language and confirms it, or offers the four languages."""
        language = validate_language(turn)
        if language is None:
            options = tuple(
                Option(name, payload("change_language", language=code), literal=True)
                for code, name in LANGUAGE_NAMES.items()
            )
            return [EndFlow(), Ask("language.choose", options)]
        return [EndFlow(), SetLanguage(language), Say("language.changed"), main_menu()]
