"""Which language to answer in.

The user's explicit choice wins and is remembered. Until a message has been confidently
detected, each message's detection sets the language; after that a confident message in
another language (three words or more) makes the bot *offer* a switch, not force it.
Indonesian is the fallback; Malay counts as Indonesian.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flows import payload
from flows.actions import Ask, Option
from nlu.langid import Detection


@dataclass(frozen=True)
class LanguageChoice:
    language: str
    source: str  # explicit | detected | default
    offer: str | None = None  # a language to offer switching to


def choose_language(
    current: str | None, source: str, detection: Detection | None, default: str = "id"
) -> LanguageChoice:
    """The language of this reply, given the stored one and this message's detection."""
    language = current or default
    if detection is None or detection.words == 0:
        return LanguageChoice(language, source)
    if source == "default" or current is None:
        if detection.confident:
            return LanguageChoice(detection.language, "detected")
        if detection.confidence >= 0.6:
            return LanguageChoice(detection.language, "default")
        return LanguageChoice(language, source)
    if detection.confident and detection.language != language:
        return LanguageChoice(language, source, offer=detection.language)
    return LanguageChoice(language, source)


@dataclass(frozen=True)
class Offer:
    """Asking the user whether to switch to `language`, in that language."""

    language: str
    ask: Ask


def language_offer(choice: LanguageChoice, slots: Mapping[str, Any]) -> Offer | None:
    """The offer to switch to the language the user seems to write in, made once per
    language (`slots["_offered"]` remembers the last one); None when there is none."""
    if choice.offer is None or slots.get("_offered") == choice.offer:
        return None
    option = Option("language.offer_yes", payload("change_language", language=choice.offer))
    return Offer(choice.offer, Ask("language.offer", (option,)))
