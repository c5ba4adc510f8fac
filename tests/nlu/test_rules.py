"""Short closed-class messages are decided by rule, in every language."""

from __future__ import annotations

import pytest

from nlu.rules import rule_parse


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("ya", "affirm"),
        ("iyaaa", "affirm"),
        ("Ok!", "affirm"),
        ("nggih", "affirm"),
        ("muhun", "affirm"),
        ("engghi", "affirm"),
        ("gak", "deny"),
        ("nggak usah", "deny"),
        ("mboten", "deny"),
        ("teu", "deny"),
        ("bunten", "deny"),
        ("makasiiih kak", "thanks"),
        ("matur nuwun", "thanks"),
        ("hatur nuhun", "thanks"),
        ("sakalangkong", "thanks"),
        ("P", "greet"),
        ("assalamualaikum", "greet"),
        ("sugeng enjing", "greet"),
        ("sampurasun", "greet"),
        ("salamet pagi", "greet"),
        ("menu", "ask_menu"),
        ("petugas", "human_request"),
        ("dadah", "goodbye"),
        ("halo 👋", "greet"),
    ],
)
def test_short_messages_are_decided_by_rule(text: str, intent: str) -> None:
    parse = rule_parse(text)
    assert parse is not None
    assert (parse.intent, parse.source) == (intent, "rule")


@pytest.mark.parametrize(
    "text",
    ["ya saya mau daftar opp", "tolong", "gak bisa pulang", "halo saya dikunci majikan", "", "😀"],
)
def test_anything_longer_or_unknown_goes_to_the_model(text: str) -> None:
    assert rule_parse(text) is None


@pytest.mark.parametrize(
    "text", ["a" * 20_000, "aaaaaaaaaaaaaaaaaaaaaa", "hahahahahahahaha", "x" * 61 + " paspor"]
)
def test_gibberish_is_not_understood_by_guessing(text: str) -> None:
    parse = rule_parse(text)
    assert parse is not None and parse.intent == "nlu_fallback"


@pytest.mark.parametrize(
    "text",
    [
        "tolong tolong tolong tolong",  # few letters, but words: the danger lexicon reads it
        "syarat bikin paspor apa aja",
        "cek https://example.org/" + "a" * 80,
    ],
)
def test_words_are_not_gibberish(text: str) -> None:
    parse = rule_parse(text)
    assert parse is None or parse.intent != "nlu_fallback"
