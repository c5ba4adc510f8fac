"""Conversation flows: pure logic that turns an understood message into actions.

Flows know no channel and no language; they name content keys. `dispatch` is the only entry.
"""

from flows.actions import Action, Ask, Option, Say
from flows.dispatch import FLOWS, dispatch, is_known_intent
from flows.payload import parse_payload, payload
from flows.store import FaqTopic, FlowStore
from flows.turn import Conversation, Entity, Turn

__all__ = [
    "FLOWS",
    "Action",
    "Ask",
    "Conversation",
    "Entity",
    "FaqTopic",
    "FlowStore",
    "Option",
    "Say",
    "Turn",
    "dispatch",
    "is_known_intent",
    "parse_payload",
    "payload",
]
