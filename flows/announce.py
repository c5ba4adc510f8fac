"""A verified KOPI coordinator's announcement to their subscribers (`announce`).

The coordinator asks to announce (/umumkan, the button of their menu). The bot asks for whom:
the subscribers of their village, or of the whole district; then asks them to write it. It
shows the text back with how many subscribers it will reach and asks to send, change the text
or cancel; "Batal" (or typing "batal") works at every step. Sent, it is queued: the service
delivers it within the platforms' limits, and "/umumkan status" (or the button) shows how far
each of their latest announcements got. Only the coordinator's own village can be chosen;
someone who is not a verified coordinator is told so and may ask to become one.

While the text is being written nothing but an emergency interrupts it (`DICTATION_FLOWS`):
an announcement warning of brokers would otherwise start a report.

```mermaid
flowchart LR
    a[announce] -->|not verified| no[only coordinators] --> request
    a -->|status| status[latest announcements: sent / waiting / failed]
    a --> scope{village or district?} --> write[write it] --> preview{send / change / cancel}
    preview -->|send| queued[queued for N subscribers]
    preview -->|change| write
```
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from flows.actions import Action, Ask, EndFlow, Goto, Option, QueueBroadcast, Say, SetSlot
from flows.booking_steps import param, validate_yes
from flows.community_steps import cancel_option, is_cancel, menu_option
from flows.community_store import CoordinatorInfo
from flows.payload import payload
from flows.store import FlowStore
from flows.turn import Conversation, Turn

FLOW = "announce"
STEP = "announce_step"
MIN_CHARS, MAX_CHARS = 10, 600
STATUS_SHOWN = 3


class State(StrEnum):
    SCOPE = "scope"
    WRITE = "write"
    PREVIEW = "preview"


def validate_text(text: str) -> str | None:
    """The announcement as typed: 10 to 600 characters, blank lines kept to one."""
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    cleaned = "\n".join(line for i, line in enumerate(lines) if line or (i and lines[i - 1]))
    if not MIN_CHARS <= len(cleaned) <= MAX_CHARS or cleaned.startswith("/"):
        return None
    return cleaned


def wants_status(turn: Turn) -> bool:
    """ "/umumkan status", or the status button."""
    return param(turn, "status") is True or "status" in turn.text.lower().split()[1:2]


def status_option() -> Option:
    return Option("community.button.announce_status.label", payload(FLOW, status=True))


def ask_write(scope: str) -> list[Action]:
    """Asks for the text."""
    return [
        SetSlot("scope", scope),
        Goto(FLOW, State.WRITE),
        Ask("community.announce.write", (cancel_option(STEP),), {"max": MAX_CHARS}),
    ]


class AnnounceFlow:
    """Write, preview, confirm and queue an announcement; show how the latest ones went."""

    name: ClassVar[str] = FLOW

    def handles(self, intent: str) -> bool:
        return intent in {FLOW, STEP}

    async def start(self, turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
        """Refuses non-coordinators; shows the status; or asks for whom."""
        info = await store.coordinator()
        if info is None or not info.verified:
            request = Option("intent.coordinator", payload("coordinator"))
            return [
                EndFlow(),
                Ask("community.announce.only_coordinators", (request, menu_option())),
            ]
        if wants_status(turn):
            return await self.status(store)
        return [EndFlow(), *self.ask_scope(info)]

    def ask_scope(self, info: CoordinatorInfo) -> list[Action]:
        """Their village, or the whole district."""
        options = (
            Option("community.button.my_village.label", payload(STEP, scope="village")),
            Option("community.button.district.label", payload(STEP, scope="district")),
            cancel_option(STEP),
        )
        params = {"village": info.village, "ltsa": info.ltsa}
        return [Goto(FLOW, State.SCOPE), Ask("community.announce.scope", options, params)]

    async def status(self, store: FlowStore) -> list[Action]:
        """How far the latest announcements got."""
        mine = (await store.my_broadcasts())[:STATUS_SHOWN]
        new = Option("community.button.announce.label", payload(FLOW))
        if not mine:
            return [EndFlow(), Ask("community.announce.status_none", (new, menu_option()))]
        lines: list[Action] = []
        for b in mine:
            key = "status_village" if b.village else "status_district"
            params = {
                "created": b.created,
                "village": b.village,
                "ltsa": b.ltsa,
                "total": b.total,
                "sent": b.sent,
                "waiting": b.waiting,
                "failed": b.failed,
            }
            lines.append(Say(f"community.announce.{key}", params))
        return [
            EndFlow(),
            Say("community.announce.status_header"),
            *lines,
            Ask("community.announce.status_footer", (status_option(), new, menu_option())),
        ]

    async def resume(
        self, turn: Turn, conv: Conversation, store: FlowStore
    ) -> list[Action] | None:
        """Scope, text, then send / change / cancel."""
        if is_cancel(turn, STEP):
            return [EndFlow(), Say("community.announce.cancelled")]
        if turn.intent == FLOW or (turn.is_button and turn.intent != STEP):
            return None  # start() answers it; another button leaves
        info = await store.coordinator()
        if info is None or not info.verified:
            return [EndFlow(), Say("community.announce.cancelled")]
        scope = str(conv.slots.get("scope", ""))
        if conv.state == State.SCOPE:
            chosen = param(turn, "scope")
            if chosen in {"village", "district"}:
                return ask_write(str(chosen))
            return self.ask_scope(info)
        if conv.state == State.WRITE and scope:
            text = None if turn.is_button else validate_text(turn.text)
            if text is None:
                key = "too_long" if len(turn.text.strip()) > MAX_CHARS else "too_short"
                params = {"min": MIN_CHARS, "max": MAX_CHARS}
                return [Ask(f"community.announce.{key}", (cancel_option(STEP),), params)]
            return await self.preview(info, scope, text, store)
        if conv.state == State.PREVIEW and scope:
            text = str(conv.slots.get("text", ""))
            if param(turn, "edit") is True:
                return ask_write(scope)
            if param(turn, "scope") in {"village", "district"} and text:
                chosen = str(param(turn, "scope"))
                return [SetSlot("scope", chosen), *await self.preview(info, chosen, text, store)]
            send = validate_yes(turn, "send")
            if send is None or not text:
                return await self.preview(info, scope, text, store)
            if not send:
                return [EndFlow(), Say("community.announce.cancelled")]
            return [
                QueueBroadcast(scope, text),
                EndFlow(),
                Ask("community.announce.queued", (status_option(), menu_option())),
            ]
        return None

    async def preview(
        self, info: CoordinatorInfo, scope: str, text: str, store: FlowStore
    ) -> list[Action]:
        """The text as it will go out, and to how many subscribers."""
        scope = "village" if scope == "village" else "district"
        village = info.village if scope == "village" else ""
        reach = await store.audience(info.ltsa, village)
        if reach == 0:
            wider = Option("community.button.district.label", payload(STEP, scope="district"))
            none = (wider, cancel_option(STEP)) if village else (cancel_option(STEP),)
            where = {"village": info.village, "ltsa": info.ltsa}
            return [
                SetSlot("text", text),
                Goto(FLOW, State.PREVIEW),
                Ask(f"community.announce.no_audience_{scope}", none, where),
            ]
        options = (
            Option("community.button.send.label", payload(STEP, send=True)),
            Option("community.button.edit.label", payload(STEP, edit=True)),
            cancel_option(STEP),
        )
        key = "preview_village" if village else "preview_district"
        params: dict[str, object] = {"text": text, "village": info.village, "ltsa": info.ltsa}
        params["reach"] = reach
        return [
            SetSlot("text", text),
            Goto(FLOW, State.PREVIEW),
            Ask(f"community.announce.{key}", options, params),
        ]


__all__ = ["AnnounceFlow"]
