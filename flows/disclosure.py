"""Someone tells of violence, exploitation or trafficking, or asks for counselling or legal help.

The bot believes them and says so, without a question about the story. It opens a case for the
MRC (urgent for violence and trafficking), gives the emergency lines in the same message, and
asks whether they are safe now. Then it explains who will see the conversation and what happens
next, with a tip for a shared phone, and offers choices: a case worker (a woman if they prefer),
counselling, a shelter, legal aid, reporting to the police or to KP2MI, or information only.
Before anything is recorded or anyone is referred, it asks for consent; without consent it
still gives the organisations' contacts, and records nothing. It asks only what the chosen
service needs. "Berhenti" ends it at any point.

```mermaid
flowchart TD
    msg[report_* / seek_counseling / legal_aid] --> ack[believe + lines + case] --> safe{safe now?}
    safe -->|not safe| lines[emergency lines, urgent] --> choose
    safe -->|safe| conf[confidentiality + tip] --> choose{choices}
    choose -->|info only| info[information, end]
    choose -->|a service| consent{consent asked?}
    consent -->|not yet| ask[may we record / refer?] --> service
    consent -->|given or refused| service[referral or case worker; recorded only with consent]
    service --> choose
    any[any state] -->|berhenti| stop[stop + lines + tip]
```
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum
from typing import ClassVar

from flows.actions import (
    Action,
    Ask,
    EndFlow,
    Goto,
    HandOff,
    Option,
    RecordConsent,
    RecordReferral,
    Say,
    SetSlot,
)
from flows.payload import payload
from flows.safety import country_of, hotlines, is_stop, stop_option, stopped
from flows.store import FlowStore
from flows.turn import Conversation, Turn

DISCLOSURES = (
    "report_violence",
    "report_exploitation",
    "report_trafficking",
    "seek_counseling",
    "legal_aid",
)
URGENT = frozenset({"report_violence", "report_trafficking", "emergency"})
BUTTONS = frozenset(
    {
        "protection_services",
        "protection_safe",
        "protection_choice",
        "protection_consent",
        "protection_stop",
    }
)


class State(StrEnum):
    ASK_SAFE = "ask_safe"
    CHOOSE = "choose"
    ASK_CONSENT = "ask_consent"


# The choices offered for each kind of disclosure, in order.
CHOICES: dict[str, tuple[str, ...]] = {
    "report_violence": (
        "worker",
        "worker_female",
        "counselling",
        "shelter",
        "legal_aid",
        "report_police",
        "info",
    ),
    "report_trafficking": (
        "worker",
        "worker_female",
        "shelter",
        "report_police",
        "report_kp2mi",
        "legal_aid",
        "info",
    ),
    "report_exploitation": ("worker", "report_kp2mi", "legal_aid", "counselling", "info"),
    "seek_counseling": ("worker", "worker_female", "counselling", "info"),
    "legal_aid": ("legal_aid", "worker", "report_kp2mi", "info"),
    "emergency": (
        "worker",
        "worker_female",
        "shelter",
        "counselling",
        "legal_aid",
        "report_police",
        "report_kp2mi",
        "info",
    ),
}
# Which directory service each referral choice looks up.
SERVICE = {
    "counselling": "counselling",
    "shelter": "shelter",
    "legal_aid": "legal_aid",
    "report_police": "violence",
    "report_kp2mi": "complaint",
}


def priority_of(kind: str) -> str:
    return "urgent" if kind in URGENT else "high"


def validate_safe(turn: Turn) -> bool | None:
    """True (safe now), False (not safe), or None when the message does not answer it."""
    value = (turn.payload or {}).get("safe")
    if isinstance(value, bool):
        return value
    if turn.intent in {"affirm", "deny"}:
        return turn.intent == "affirm"
    return None


def validate_choice(turn: Turn, kind: str) -> str | None:
    """The chosen service, when it is one offered for this kind of disclosure."""
    choice = (turn.payload or {}).get("choice") if turn.intent == "protection_choice" else None
    return choice if isinstance(choice, str) and choice in CHOICES[kind] else None


def validate_consent(turn: Turn) -> bool | None:
    """True or False from the consent buttons or a plain yes/no; None otherwise."""
    value = (turn.payload or {}).get("consent")
    if isinstance(value, bool):
        return value
    if turn.intent in {"affirm", "deny"}:
        return turn.intent == "affirm"
    return None


def choices(kind: str, done: tuple[str, ...] = ()) -> tuple[Option, ...]:
    """The service buttons for a kind of disclosure (those already given left out)."""
    options = tuple(
        Option(f"protection.choice.{c}", payload("protection_choice", choice=c))
        for c in CHOICES[kind]
        if c not in done
    )
    return (*options, stop_option())


def consent_ask() -> Ask:
    """May the details be recorded and the person referred?"""
    return Ask(
        "protection.ask_consent",
        (
            Option("protection.consent_yes", payload("protection_consent", consent=True)),
            Option("protection.consent_no", payload("protection_consent", consent=False)),
            stop_option(),
        ),
    )


def ask_safe() -> Ask:
    return Ask(
        "protection.ask_safe",
        (
            Option("protection.safe_yes", payload("protection_safe", safe=True)),
            Option("protection.safe_no", payload("protection_safe", safe=False)),
            stop_option(),
        ),
    )


class DisclosureFlow:
    """Listens, keeps the person safe, and refers with consent."""

    name: ClassVar[str] = "disclosure"

    def handles(self, intent: str) -> bool:
        return intent in DISCLOSURES or intent in BUTTONS

    async def start(self, turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
        """Believes the person, opens the case, gives the lines, asks if they are safe."""
        if turn.intent == "protection_stop":
            return stopped()
        if turn.intent in BUTTONS:  # from the emergency answer, or a button of an ended flow
            return [
                Goto(self.name, State.CHOOSE),
                SetSlot("kind", "emergency"),
                Ask("protection.choose", choices("emergency")),
            ]
        kind = turn.intent or "report_violence"
        actions: list[Action] = [
            Goto(self.name, State.ASK_SAFE),
            SetSlot("kind", kind),
            HandOff(kind, priority=priority_of(kind), kind="protection"),
            Say(f"protection.ack.{kind}"),
        ]
        if turn.entity("country"):
            actions += [a for a in hotlines(turn, conv, store) if isinstance(a, SetSlot)]
        return [*actions, Say("protection.lines_short"), ask_safe()]

    async def resume(
        self, turn: Turn, conv: Conversation, store: FlowStore
    ) -> list[Action] | None:
        """Continues with the answer to the last question; "berhenti" ends it."""
        if is_stop(turn):
            return stopped()
        kind = str(conv.slots.get("kind", "report_violence"))
        if kind not in CHOICES:
            return None
        if conv.state == State.ASK_SAFE:
            return self._after_safe(turn, conv, store, kind)
        if conv.state == State.CHOOSE:
            choice = validate_choice(turn, kind)
            if choice is None:
                return self._heard(turn, kind)
            return self._chosen(choice, turn, conv, store, kind)
        if conv.state == State.ASK_CONSENT:
            consent = validate_consent(turn)
            pending = str(conv.slots.get("pending", ""))
            if consent is None or pending not in CHOICES[kind]:
                return self._heard(turn, kind, consent_question=True)
            recorded: list[Action] = [RecordConsent("record")] if consent else []
            updated = replace(conv, slots={**conv.slots, "consent": consent})
            return [
                *recorded,
                SetSlot("consent", consent),
                *self._perform(pending, turn, updated, store, kind),
            ]
        return None

    def _heard(self, turn: Turn, kind: str, consent_question: bool = False) -> list[Action] | None:
        """More of the story typed instead of a choice: acknowledged, and the question stands.

        Other buttons and clear requests (menu, a booking) leave the flow (None)."""
        if turn.is_button or turn.intent not in {*DISCLOSURES, "nlu_fallback", None}:
            return None
        question = consent_ask() if consent_question else Ask("protection.choose", choices(kind))
        return [Say("protection.heard"), question]

    def _after_safe(
        self, turn: Turn, conv: Conversation, store: FlowStore, kind: str
    ) -> list[Action] | None:
        """Safe: explains confidentiality and offers the choices; not safe: the lines first."""
        safe = validate_safe(turn)
        if safe is None:
            if turn.is_button or turn.intent not in {*DISCLOSURES, "nlu_fallback", None}:
                return None
            # more of the story: acknowledged, never questioned; the question stands
            return [Say("protection.heard"), ask_safe()]
        if safe:
            return [
                Goto(self.name, State.CHOOSE),
                Say("protection.confidentiality"),
                Say("protection.safety_tip"),
                Ask("protection.choose", choices(kind)),
            ]
        return [
            Goto(self.name, State.CHOOSE),
            HandOff(kind, priority="urgent", kind="protection"),
            Say("protection.not_safe"),
            *hotlines(turn, conv, store),
            Ask("protection.choose", choices(kind)),
        ]

    def _chosen(
        self, choice: str, turn: Turn, conv: Conversation, store: FlowStore, kind: str
    ) -> list[Action]:
        """Information at once; a service after consent has been asked once."""
        if choice == "info":
            return [EndFlow(), Say(f"protection.info.{kind}"), Say("protection.lines_short")]
        if "consent" not in conv.slots:
            return [Goto(self.name, State.ASK_CONSENT), SetSlot("pending", choice), consent_ask()]
        return self._perform(choice, turn, conv, store, kind)

    def _perform(
        self, choice: str, turn: Turn, conv: Conversation, store: FlowStore, kind: str
    ) -> list[Action]:
        """A case worker, or the organisations for a service (recorded only with consent)."""
        consent = bool(conv.slots.get("consent"))
        if choice in {"worker", "worker_female"}:
            return [
                EndFlow(),
                HandOff(
                    "female_worker" if choice == "worker_female" else kind,
                    priority=priority_of(kind),
                    kind="protection",
                ),
                Say(f"protection.{choice}"),
                Say("protection.lines_short"),
            ]
        women = bool(conv.slots.get("female")) or kind == "report_violence"
        orgs = store.referrals(SERVICE[choice], conv.ltsa, country_of(turn, conv), women)
        actions: list[Action] = [
            Goto(self.name, State.CHOOSE),
            SetSlot("done", [*conv.slots.get("done", ()), choice]),
            Say(f"protection.service.{choice}"),
            *(Say("referral.item", {"org": org}) for org in orgs),
        ]
        if consent and orgs:
            actions.append(RecordReferral(orgs[0], SERVICE[choice]))
            actions.append(Say("protection.referral_recorded"))
        elif not orgs:
            actions.append(Say("protection.no_referral"))
        done = (*conv.slots.get("done", ()), choice)
        return [*actions, Ask("protection.more", choices(kind, done))]
