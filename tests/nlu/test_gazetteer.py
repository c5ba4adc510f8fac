from __future__ import annotations

import pytest

from nlu.client import ParsedEntity
from nlu.gazetteer import Gazetteer


@pytest.mark.parametrize(
    ("entity", "surface", "canonical"),
    [
        ("desk", "capil", "dukcapil"),
        ("desk", "polres", "kepolisian"),
        ("desk", "BP2MI", "kp2mi"),
        ("country", "HK", "Hong Kong"),
        ("ltsa", "lamtim", "Lampung Timur"),
        ("country", "malay", "Malaysia"),
        ("country", "hongkog", "Hong Kong"),  # a typo
        ("ltsa", "Ponorgo", "Ponorogo"),
    ],
)
def test_variants_become_canonical(
    gazetteer: Gazetteer, entity: str, surface: str, canonical: str
) -> None:
    assert gazetteer.canonical(entity, surface) == canonical


def test_mentions_the_model_missed_are_added(gazetteer: Gazetteer) -> None:
    text = "mau bikin skck di polres lamtim terus kerja ke HK"
    found = gazetteer.normalise(text, [])
    assert [(e.entity, e.value) for e in found] == [
        ("desk", "kepolisian"),
        ("ltsa", "Lampung Timur"),
        ("country", "Hong Kong"),
    ]


def test_extracted_values_are_normalised_and_unknown_desks_dropped(gazetteer: Gazetteer) -> None:
    text = "ke capil sama ke kantor bupati"
    extracted = [
        ParsedEntity("desk", "capil", 3, 8),
        ParsedEntity("desk", "kantor bupati", 17, 30),
    ]
    assert [(e.entity, e.value) for e in gazetteer.normalise(text, extracted)] == [
        ("desk", "dukcapil")
    ]


def test_two_letter_variants_only_count_in_capitals(gazetteer: Gazetteer) -> None:
    assert gazetteer.find("ta' bisa mon sg") == []
    assert [v for _, v, _, _ in gazetteer.find("kerja di SG")] == ["Singapura"]


def test_synonyms_for_rasa_list_every_variant(gazetteer: Gazetteer) -> None:
    text = gazetteer.rasa_synonyms()
    assert "- synonym: dukcapil" in text
    assert "    - capil" in text
