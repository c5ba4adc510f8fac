"""Routes one understood message to a flow and returns that flow's actions.

Order: while a case worker has the conversation, `flows.human` keeps the bot silent (only the
language and privacy buttons pass); safety intents interrupt everything; a button or command
for a global intent (menu, language, person, privacy) interrupts the active flow; otherwise the
active flow continues if the message is for it; otherwise the intent starts its flow; otherwise
the fallback clarifies.
"""

from __future__ import annotations

from flows.actions import Action, ResetMisses
from flows.announce import AnnounceFlow
from flows.base import DICTATION_STATES, PROTECTION_FLOWS, SAFETY_INTENTS, Flow
from flows.booking_desk import BookDeskFlow
from flows.booking_manage import ManageBookingFlow
from flows.booking_opp import BookOppFlow
from flows.case_status import CaseStatusFlow
from flows.channel_input import ChannelInputFlow
from flows.coordinator import CoordinatorFlow
from flows.disclosure import DisclosureFlow
from flows.emergency import EmergencyFlow
from flows.fallback import FallbackFlow
from flows.family import FamilyFlow
from flows.faq import FaqFlow
from flows.feedback import FeedbackFlow
from flows.handoff import HandoffFlow
from flows.human import HUMAN, WithPersonFlow, passes_through
from flows.language import LanguageFlow
from flows.menu import MenuFlow
from flows.opp_schedule import OppScheduleFlow
from flows.privacy import PrivacyFlow
from flows.smalltalk import SmalltalkFlow
from flows.store import FlowStore
from flows.subscription import SubscriptionFlow
from flows.turn import Conversation, Turn

FALLBACK = FallbackFlow()
WITH_PERSON = WithPersonFlow()

# Every flow, listed explicitly; the first that handles an intent starts on it.
FLOWS: tuple[Flow, ...] = (
    EmergencyFlow(),
    DisclosureFlow(),
    FamilyFlow(),
    CaseStatusFlow(),
    SmalltalkFlow(),
    MenuFlow(),
    LanguageFlow(),
    FaqFlow(),
    FeedbackFlow(),
    HandoffFlow(),
    WITH_PERSON,
    PrivacyFlow(),
    BookOppFlow(),
    BookDeskFlow(),
    OppScheduleFlow(),
    ManageBookingFlow(),
    SubscriptionFlow(),
    CoordinatorFlow(),
    AnnounceFlow(),
    ChannelInputFlow(),
    FALLBACK,
)
_BY_NAME = {flow.name: flow for flow in FLOWS}

GLOBAL_INTENTS = frozenset(
    {"greet", "ask_menu", "change_language", "human_request", "delete_my_data", "privacy_info"}
    | {"subscribe", "unsubscribe"}  # the buttons under announcements work from anywhere
)


def flow_for(intent: str | None) -> Flow | None:
    """The flow that starts on `intent`, if any."""
    if intent is None:
        return None
    return next((flow for flow in FLOWS if flow.handles(intent)), None)


def is_known_intent(intent: str) -> bool:
    """True when some flow handles the intent (used to accept button payloads)."""
    return flow_for(intent) is not None


async def dispatch(turn: Turn, conv: Conversation, store: FlowStore) -> list[Action]:
    """The actions answering `turn` in conversation `conv`."""
    if conv.mode == HUMAN and not passes_through(turn):
        return await WITH_PERSON.with_person(turn, conv, store)
    active = _BY_NAME.get(conv.flow or "")
    held = conv.flow in PROTECTION_FLOWS or (conv.flow, conv.state) in DICTATION_STATES
    safety = turn.intent in SAFETY_INTENTS and (not held or turn.intent == "emergency")
    interrupt = safety or (turn.is_button and turn.intent in GLOBAL_INTENTS)
    if active is not None and not interrupt:
        resumed = await active.resume(turn, conv, store)
        if resumed is not None:
            return [ResetMisses(), *resumed]
    flow = flow_for(turn.intent) or FALLBACK
    actions = await flow.start(turn, conv, store)
    return actions if flow is FALLBACK else [ResetMisses(), *actions]
