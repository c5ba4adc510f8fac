"""What a flow sees of one message (`Turn`) and of the conversation so far (`Conversation`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Entity:
    entity: str
    value: str


@dataclass(frozen=True)
class Turn:
    """One user message as understood: an intent from the NLU or from a pressed button."""

    text: str
    intent: str | None
    confidence: float = 0.0
    ranking: tuple[tuple[str, float], ...] = ()
    entities: tuple[Entity, ...] = ()
    payload: Mapping[str, Any] | None = None  # set when a button (or command) was pressed
    nlu_available: bool = True

    @property
    def is_button(self) -> bool:
        return self.payload is not None

    def nearest_topics(self, n: int = 2) -> tuple[str, ...]:
        """The n likeliest procedure topics (`faq/...`) of the NLU's ranking."""
        return tuple(intent for intent, _ in self.ranking if intent.startswith("faq/"))[:n]

    def entity(self, name: str) -> str | None:
        """The first value of an entity, from the button payload or the NLU."""
        if self.payload and isinstance(self.payload.get(name), str):
            return str(self.payload[name])
        return next((e.value for e in self.entities if e.entity == name), None)


@dataclass(frozen=True)
class Conversation:
    """The stored state a flow continues from."""

    flow: str | None = None
    state: str | None = None
    slots: Mapping[str, Any] = field(default_factory=dict)
    ltsa: str | None = None
    misses: int = 0
    is_new: bool = False
    mode: str = "bot"  # human: a case worker has the conversation (`flows.human`)
