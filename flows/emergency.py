"""Someone is in danger now.

A message read as `emergency` — by the model or by the danger lexicon underneath it — stops
whatever the conversation was doing. In the same turn the bot gives the numbers to call (police
110 and 112, KP2MI 0800-1000 or +62-21-2924-4800 from abroad, SAPA 129 and its WhatsApp), the
Indonesian embassy or consulate of the worker's country when it is known, and opens an urgent
case so a case worker sees it at the top of the queue. It offers a case worker now, or
information about the services, and asks nothing before helping.

```mermaid
flowchart LR
    msg[emergency, from any state] --> lines[hotlines + embassy + urgent case]
    lines -->|talk now| worker[case worker]
    lines -->|services| services[disclosure choices]
```
"""

from __future__ import annotations

from typing import ClassVar

from flows.actions import Action, Ask, EndFlow, HandOff, Option, Say
from flows.base import Stateless
from flows.payload import payload
from flows.safety import hotlines, talk_now_option
from flows.store import FlowStore
from flows.turn import Conversation, Turn


class EmergencyFlow(Stateless):
    """Gives the emergency lines at once, opens an urgent case, offers a person."""

    name: ClassVar[str] = "emergency"

    def handles(self, intent: str) -> bool:
        return intent == "emergency"

    async def start(self, turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
        """Says who to call now and that a case worker has been alerted."""
        return [
            EndFlow(),
            HandOff("emergency", priority="urgent", kind="emergency"),
            Say("protection.emergency"),
            *hotlines(turn, conv, store),
            Ask(
                "protection.emergency_offer",
                (
                    talk_now_option(),
                    Option("protection.services", payload("protection_services")),
                ),
            ),
        ]
