"""When the next OPP sessions are (`ask_opp_schedule`).

The user asks for the OPP schedule ("jadwal opp kapan?"). With the LTSA known (named, or
remembered) the bot lists the next sessions with their free seats, or "full", and offers to
register; otherwise it asks which LTSA first (the button carries it, so nothing is held).
No sessions scheduled: it says so and gives the LTSA's usual OPP day from the directory.

```mermaid
flowchart LR
    ask[ask_opp_schedule] -->|LTSA unknown| ltsa[which LTSA?] --> list
    ask --> list[next sessions, free seats] --> book[Daftar OPP]
```
"""

from __future__ import annotations

from typing import ClassVar

from flows.actions import Action, Ask, EndFlow, Option, Say, SetLtsa
from flows.base import Stateless
from flows.booking_steps import ask_ltsa
from flows.payload import payload
from flows.store import FlowStore
from flows.turn import Conversation, Turn

FLOW = "ask_opp_schedule"


class OppScheduleFlow(Stateless):
    """Lists the next OPP sessions of an LTSA with their free seats."""

    name: ClassVar[str] = FLOW

    def handles(self, intent: str) -> bool:
        return intent == FLOW

    async def start(self, turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
        """Lists the sessions, or asks the LTSA first."""
        named = turn.entity("ltsa")
        ltsa = (store.ltsa_slug(named) if named else None) or conv.ltsa
        if ltsa is None:
            return [EndFlow(), ask_ltsa(store, FLOW)]
        sessions = (await store.opp_sessions(ltsa))[:4]
        menu = Option("menu.main", payload("ask_menu"))
        if not sessions:
            options = (Option("menu.human", payload("human_request")), menu)
            return [EndFlow(), SetLtsa(ltsa), Ask("booking.opp.none", options, {"ltsa": ltsa})]
        lines = [
            Say(
                "booking.schedule_item" if s.seats_left else "booking.schedule_full",
                {"when": s.starts_at, "place": s.place, "seats": s.seats_left},
            )
            for s in sessions
        ]
        book = Option("intent.book_opp", payload("book_opp", ltsa=ltsa))
        return [
            EndFlow(),
            SetLtsa(ltsa),
            Say("booking.schedule", {"ltsa": ltsa}),
            *lines,
            Ask("booking.schedule_next", (book, menu)),
        ]


__all__ = ["OppScheduleFlow"]
