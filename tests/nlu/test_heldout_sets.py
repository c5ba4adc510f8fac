"""The held-out sets measure only if they stay out of the training data and speak the contract."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from nlu.eval_report import FRESH_SETS
from nlu.evaluate import LANGUAGES, heldout_examples, training_examples
from nlu.intents import COMMUNITY, INTENTS
from tests.conftest import ROOT

FOLDERS = ["heldout", *(folder for folder, _note in FRESH_SETS)]
# the contract's intents; the community ones are reached by commands and buttons, not by text
CONTRACT = set(INTENTS) - set(COMMUNITY)


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_intent_of_the_contract_is_in_every_language(folder: str) -> None:
    examples = heldout_examples(ROOT, folder=folder)
    for lang in LANGUAGES:
        counts = Counter(e.intent for e in examples if e.language == lang)
        assert set(counts) == CONTRACT, (lang, CONTRACT ^ set(counts))


@pytest.mark.parametrize("folder", FOLDERS)
def test_no_held_out_message_is_in_the_training_data(folder: str) -> None:
    """Two-word messages ("halo min", "iya kak") are everyone's; from three words on, a
    held-out message found in the training data would be measured on what was learnt."""
    trained = {_key(e.text) for e in training_examples(ROOT)}
    leaked = [
        e.text
        for e in heldout_examples(ROOT, folder=folder)
        if len(_key(e.text).split()) >= 3 and _key(e.text) in trained
    ]
    assert leaked == []
