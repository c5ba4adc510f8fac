"""Main menu and the topic menu.

The user asks for the menu ("menu", "bantuan", /menu) or greets; the bot shows what it can do
as buttons. "Tanya prosedur" opens the topic groups, a group opens its topics, a topic is
answered by the FAQ flow.

```mermaid
flowchart LR
    greet/ask_menu --> main[main menu] -->|Tanya prosedur| groups[topic groups]
    groups --> topics --> faq[FAQ answer]
    main -->|Petugas| handoff
    main -->|Bahasa| language
```
"""

from __future__ import annotations

from typing import ClassVar

from flows.actions import Action, Ask, EndFlow, Option, Say
from flows.base import Stateless
from flows.payload import payload
from flows.store import FlowStore
from flows.turn import Conversation, Turn

FAQ_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "departure",
        (
            "procedure_steps",
            "documents_required",
            "eligibility",
            "family_permission",
            "passport",
            "skck",
            "medical_checkup",
            "training_certificate",
            "work_visa_contract",
        ),
    ),
    (
        "safety",
        ("placement_costs", "legal_recruiter", "illegal_recruitment", "complaint_channels"),
    ),
    ("ltsa", ("ltsa_services", "ltsa_location_hours", "opp_info", "destination_info")),
    ("bpjs", ("bpjs_membership", "bpjs_claim", "remittance")),
    ("family", ("death_repatriation", "sick_stranded_abroad", "returnee_services")),
)


def intent_label(intent: str) -> str:
    """The content key of an intent's short button label."""
    return "intent." + intent.replace("/", ".")


def main_menu(key: str = "menu.prompt") -> Ask:
    """The main menu as buttons under the message `key`."""
    return Ask(
        key,
        (
            Option("menu.faq", payload("menu_faq")),
            Option("menu.human", payload("human_request")),
            Option("menu.language", payload("change_language")),
        ),
    )


class MenuFlow(Stateless):
    """Shows the main menu and the procedure topics."""

    name: ClassVar[str] = "menu"

    def handles(self, intent: str) -> bool:
        return intent in {"ask_menu", "menu_faq"}

    async def start(self, turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
        """Shows the main menu, the topic groups, or the topics of one group."""
        if turn.intent == "ask_menu":
            return [EndFlow(), main_menu()]
        available = set(store.faq_topics())
        group = turn.entity("group")
        groups = {name: topics for name, topics in FAQ_GROUPS}
        if group in groups:
            topics = [t for t in groups[group] if t in available]
            options = tuple(Option(intent_label(f"faq/{t}"), payload(f"faq/{t}")) for t in topics)
            return [
                EndFlow(),
                Ask("menu.topics", (*options, Option("menu.back", payload("menu_faq")))),
            ]
        options = tuple(
            Option(f"menu.group.{name}", payload("menu_faq", group=name))
            for name, topics in FAQ_GROUPS
            if available.intersection(topics)
        )
        if not options:
            return [EndFlow(), Say("faq.none_yet"), main_menu()]
        community = (  # announcements and KOPI coordinators (flows.subscription, .coordinator)
            Option(intent_label("subscribe"), payload("subscribe")),
            Option(intent_label("coordinator"), payload("coordinator")),
        )
        return [
            EndFlow(),
            Ask("menu.groups", (*options, *community, Option("menu.main", payload("ask_menu")))),
        ]
