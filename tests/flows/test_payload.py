from __future__ import annotations

import pytest

from flows.payload import parse_payload, payload


def test_payloads_round_trip() -> None:
    text = payload("faq_part", topic="passport", part="where")
    assert parse_payload(text) == ("faq_part", {"topic": "passport", "part": "where"})
    assert parse_payload("/faq/passport") == ("faq/passport", {})


@pytest.mark.parametrize(
    ("command", "intent"),
    [
        ("/start", "greet"),
        ("/menu", "ask_menu"),
        ("/bahasa", "change_language"),
        ("/petugas", "human_request"),
        ("/hapus", "delete_my_data"),
        ("/privasi", "privacy_info"),
        ("/menu@LtsaBot", "ask_menu"),
        ("/MENU", "ask_menu"),
    ],
)
def test_commands_map_to_intents(command: str, intent: str) -> None:
    assert parse_payload(command) == (intent, {})


@pytest.mark.parametrize(
    "text", ["halo", "/", "/faq{not json}", '/x["a"]', "// comment", "/" + "a" * 600, ""]
)
def test_ordinary_text_is_not_a_payload(text: str) -> None:
    assert parse_payload(text) is None
