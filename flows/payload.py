"""Button payloads and commands, in the Rasa convention: `/intent` or `/intent{"key": "value"}`.

A pressed button is sent back as its payload, so it needs no NLU. Commands typed by users
(`/menu`, `/bahasa`, …) map to intents here.
"""

from __future__ import annotations

import json
import re
from typing import Any

COMMANDS = {
    "start": "greet",
    "menu": "ask_menu",
    "bantuan": "ask_menu",
    "help": "ask_menu",
    "bahasa": "change_language",
    "basa": "change_language",
    "petugas": "human_request",
    "hapus": "delete_my_data",
    "privasi": "privacy_info",
    "status": "case_status",
    "kasus": "case_status",
    "langganan": "subscribe",
    "berhenti_langganan": "unsubscribe",
    "stop_langganan": "unsubscribe",
    "koordinator": "coordinator",
    "umumkan": "announce",  # "/umumkan status": the flow reads the word after it
}

_PAYLOAD = re.compile(r"^/(?P<name>[a-z][a-z0-9_]*(?:/[a-z0-9_]+)?)(?P<args>\{.*\})?$", re.DOTALL)


def payload(intent: str, **params: Any) -> str:
    """The payload of a button that sends `intent` with `params`."""
    if not params:
        return f"/{intent}"
    return f"/{intent}" + json.dumps(params, ensure_ascii=False, separators=(",", ":"))


def parse_payload(text: str) -> tuple[str, dict[str, Any]] | None:
    """(intent, params) of a payload or command, or None when the text is not one.

    `/menu@LtsaBot` (Telegram group commands) is accepted; an unknown `/word` is not a payload.
    """
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) > 500:
        return None
    command = stripped[1:].split("@", 1)[0].split(maxsplit=1)
    if command and command[0].lower() in COMMANDS:
        return COMMANDS[command[0].lower()], {}
    match = _PAYLOAD.match(stripped)
    if match is None:
        return None
    params: dict[str, Any] = {}
    if match["args"]:
        try:
            loaded = json.loads(match["args"])
        except ValueError:
            return None
        if not isinstance(loaded, dict):
            return None
        params = loaded
    return match["name"], params
