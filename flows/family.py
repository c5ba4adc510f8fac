"""A family asks for help with a worker abroad: lost contact, sickness, or death.

The bot first says what it will ask and why, and asks for consent; without it, the family gets
the guidance and the lines and nothing is recorded. With consent it asks four short questions —
the worker's name, the country, the employer or agency, and when they last heard from them
(each may be "I don't know") — shows them back for confirmation, and opens a case. The family
gets a case number and a PIN to ask for its status later, and the guidance for their situation
(repatriation, BPJS claims, a sick or stranded worker). "Berhenti" ends it at any point.

```mermaid
flowchart LR
    start[family_lost_contact / family_report] --> consent{consent?}
    consent -->|no| guide[guidance + lines, nothing kept]
    consent -->|yes| name --> country --> employer --> last[last contact] --> confirm
    confirm -->|right| case[case number + PIN + guidance]
    confirm -->|change| name
```
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import ClassVar

from flows.actions import Action, Ask, EndFlow, Goto, OpenFamilyCase, Option, Say, SetSlot
from flows.menu import intent_label
from flows.payload import payload
from flows.safety import COUNTRY, is_stop, stop_option, stopped
from flows.store import FlowStore
from flows.turn import Conversation, Turn

KINDS = ("lost_contact", "sick", "death")
FIELDS = ("worker_name", "country", "employer", "last_contact")
# The FAQ topics that guide the family, per kind.
GUIDANCE = {
    "lost_contact": ("faq/complaint_channels", "faq/sick_stranded_abroad"),
    "sick": ("faq/sick_stranded_abroad", "faq/bpjs_claim"),
    "death": ("faq/death_repatriation", "faq/bpjs_claim"),
}
COUNTRIES = ("Malaysia", "Taiwan", "Hong Kong", "Singapura", "Arab Saudi", "Korea Selatan")
_UNKNOWN = re.compile(
    r"^(tidak tahu|gak tau|ga tau|nggak tahu|tdk tahu|gatau|ora ngerti|mboten ngertos|"
    r"teu terang|teu nyaho|tak taoh|ta' taoh|tak tau|belum tahu|lupa)$"
)


# The flow's own buttons; pressed after the flow ended, they start it again.
BUTTONS = frozenset({"family_consent", "family_unknown", "family_country", "family_confirm"})
UNKNOWN = "–"  # shown for "I don't know"


class State(StrEnum):
    CONSENT = "consent"
    WORKER_NAME = "worker_name"
    COUNTRY = "country"
    EMPLOYER = "employer"
    LAST_CONTACT = "last_contact"
    CONFIRM = "confirm"


def _free_text(turn: Turn, longest: int) -> str | None:
    """A typed answer (not a button), trimmed; "tidak tahu" is a valid answer."""
    if turn.is_button:
        return UNKNOWN if turn.intent == "family_unknown" else None
    text = " ".join(turn.text.split())
    if _UNKNOWN.match(text.lower()):
        return UNKNOWN
    return text[:longest] if len(text) >= 2 else None


def validate_worker_name(turn: Turn) -> str | None:
    """The worker's name as the family writes it (2–80 characters, with a letter)."""
    name = _free_text(turn, 80)
    return name if name and (name == UNKNOWN or any(ch.isalpha() for ch in name)) else None


def validate_country(turn: Turn) -> str | None:
    """The country from a button, the entity in the message, or the text as typed."""
    chosen = (turn.payload or {}).get("country")
    if isinstance(chosen, str) and chosen:
        return chosen
    return turn.entity("country") or _free_text(turn, 60)


def validate_employer(turn: Turn) -> str | None:
    """The employer's or agency's name, as typed."""
    return _free_text(turn, 120)


def validate_last_contact(turn: Turn) -> str | None:
    """When the family last heard from the worker, in their words ("2 minggu lalu")."""
    return _free_text(turn, 80)


VALIDATORS = {
    State.WORKER_NAME: validate_worker_name,
    State.COUNTRY: validate_country,
    State.EMPLOYER: validate_employer,
    State.LAST_CONTACT: validate_last_contact,
}
NEXT = {
    State.WORKER_NAME: State.COUNTRY,
    State.COUNTRY: State.EMPLOYER,
    State.EMPLOYER: State.LAST_CONTACT,
    State.LAST_CONTACT: State.CONFIRM,
}


def unknown_option() -> Option:
    return Option("family.unknown", payload("family_unknown"))


def question(state: State, slots: dict[str, object]) -> list[Action]:
    """The question of `state` (the confirmation shows every answer)."""
    if state == State.COUNTRY:
        options = tuple(
            Option(c, payload("family_country", country=c), literal=True) for c in COUNTRIES
        )
        return [Ask("family.ask.country", (*options, unknown_option(), stop_option()))]
    if state == State.CONFIRM:
        shown = {f: slots.get(f, UNKNOWN) for f in FIELDS}
        return [
            Ask(
                "family.confirm",
                (
                    Option("family.confirm_yes", payload("family_confirm", ok=True)),
                    Option("family.confirm_change", payload("family_confirm", ok=False)),
                    stop_option(),
                ),
                shown,
            )
        ]
    return [Ask(f"family.ask.{state.value}", (unknown_option(), stop_option()))]


def guidance(kind: str) -> Ask:
    """Buttons to the answers that help a family in this situation."""
    options = tuple(Option(intent_label(t), payload(t)) for t in GUIDANCE[kind])
    return Ask("family.guidance", (*options, Option("menu.human", payload("human_request"))))


class FamilyFlow:
    """Takes a family's report with consent and gives it a case number and a PIN."""

    name: ClassVar[str] = "family"

    def handles(self, intent: str) -> bool:
        return intent in {"family_lost_contact", "family_report"} or intent in BUTTONS

    async def start(self, turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
        """Says what will be asked and why, and asks for consent (a stale button starts over)."""
        kind = str((turn.payload or {}).get("kind", "lost_contact"))
        kind = kind if kind in KINDS else "lost_contact"
        actions: list[Action] = [Goto(self.name, State.CONSENT), SetSlot("kind", kind)]
        if turn.entity("country"):
            actions.append(SetSlot("country", turn.entity("country")))
        return [
            *actions,
            Say(f"family.ack.{kind}"),
            Say("protection.lines_short"),
            Ask(
                "family.ask_consent",
                (
                    Option("family.consent_yes", payload("family_consent", consent=True)),
                    Option("family.consent_no", payload("family_consent", consent=False)),
                    stop_option(),
                ),
            ),
        ]

    async def resume(
        self, turn: Turn, conv: Conversation, store: FlowStore
    ) -> list[Action] | None:
        """Takes the answer to the current question and asks the next."""
        if is_stop(turn):
            return stopped()
        kind = str(conv.slots.get("kind", "lost_contact"))
        if conv.state == State.CONSENT:
            return self._consent(turn, conv, kind)
        if conv.state == State.CONFIRM:
            return self._confirm(turn, conv, kind)
        try:
            state = State(conv.state or "")
        except ValueError:
            return None
        validate = VALIDATORS.get(state)
        if validate is None:
            return None
        value = validate(turn)
        if value is None:
            if turn.is_button:
                return None
            return [Say("family.again"), *question(state, dict(conv.slots))]
        slots = {**conv.slots, state.value: value}
        nxt = NEXT[state]
        # a country named at the start need not be asked again
        if nxt == State.COUNTRY and slots.get("country"):
            nxt = State.EMPLOYER
        actions: list[Action] = [SetSlot(state.value, value), Goto(self.name, nxt)]
        if state == State.COUNTRY and value != UNKNOWN:
            actions.append(SetSlot(COUNTRY, value))
        return [*actions, *question(nxt, slots)]

    def _consent(self, turn: Turn, conv: Conversation, kind: str) -> list[Action] | None:
        """With consent: the first question; without: guidance only, nothing recorded."""
        value = (turn.payload or {}).get("consent")
        if not isinstance(value, bool):
            value = {"affirm": True, "deny": False}.get(turn.intent or "")
        if value is None:
            return None
        if not value:
            return [
                EndFlow(),
                Say("family.no_consent"),
                Say("protection.hotlines"),
                guidance(kind),
            ]
        return [Goto(self.name, State.WORKER_NAME), *question(State.WORKER_NAME, {})]

    def _confirm(self, turn: Turn, conv: Conversation, kind: str) -> list[Action] | None:
        """Opens the case when the answers are right; starts again when they are not."""
        ok = (turn.payload or {}).get("ok")
        if not isinstance(ok, bool):
            ok = {"affirm": True, "deny": False}.get(turn.intent or "")
        if ok is None:
            return None
        if not ok:
            return [Goto(self.name, State.WORKER_NAME), *question(State.WORKER_NAME, {})]
        details = {f: str(conv.slots.get(f, UNKNOWN)) for f in FIELDS}
        return [
            EndFlow(),
            OpenFamilyCase(kind, details),
            Say("family.opened"),
            guidance(kind),
        ]
