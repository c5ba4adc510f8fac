"""Reading Rasa's parse result: one ranking over full intent names, threshold, entities."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlu.client import FALLBACK_INTENT, combine_ranking, to_parse
from nlu.gazetteer import Gazetteer

RECORDED = json.loads((Path(__file__).parent / "fixtures" / "rasa_parse_faq.json").read_text())


def test_retrieval_topics_are_ranked_with_the_faq_probability() -> None:
    ranking = dict(combine_ranking(RECORDED))
    p_faq = RECORDED["intent_ranking"][0]["confidence"]
    p_topic = RECORDED["response_selector"]["faq"]["ranking"][0]["confidence"]
    assert ranking["faq/passport"] == pytest.approx(p_faq * p_topic)
    assert "faq" not in ranking
    assert sum(ranking.values()) == pytest.approx(1.0, abs=1e-6)


def test_a_selector_without_a_retrieval_intent_answers_under_default() -> None:
    """Rasa's default pipeline (ResponseSelector without retrieval_intent): same ranking."""
    moved = {**RECORDED, "response_selector": {"default": RECORDED["response_selector"]["faq"]}}
    assert combine_ranking(moved) == combine_ranking(RECORDED)


def test_a_confident_parse_names_the_full_intent(gazetteer: Gazetteer) -> None:
    parse = to_parse(RECORDED, threshold=0.3, gazetteer=gazetteer)
    assert parse.intent == "faq/passport"
    assert parse.top == "faq/passport"


def test_below_the_threshold_the_intent_is_fallback_but_the_ranking_stays(
    gazetteer: Gazetteer,
) -> None:
    parse = to_parse(RECORDED, threshold=0.99, gazetteer=gazetteer)
    assert parse.intent == FALLBACK_INTENT
    assert parse.top == "faq/passport"


def test_rasa_fallback_entries_are_ignored_and_entities_normalised(gazetteer: Gazetteer) -> None:
    result = {
        "text": "bikin skck di polres lamtim",
        "intent": {"name": "nlu_fallback", "confidence": 0.3},
        "intent_ranking": [
            {"name": "nlu_fallback", "confidence": 0.3},
            {"name": "book_desk", "confidence": 0.6},
            {"name": "greet", "confidence": 0.1},
        ],
        "entities": [{"entity": "desk", "value": "polres", "start": 14, "end": 20}],
    }
    parse = to_parse(result, threshold=0.45, gazetteer=gazetteer)
    assert parse.ranking[0] == ("book_desk", 0.6)
    assert parse.intent == "book_desk"
    assert [(e.entity, e.value) for e in parse.entities] == [
        ("desk", "kepolisian"),
        ("ltsa", "Lampung Timur"),
    ]


def test_an_empty_result_is_a_fallback(gazetteer: Gazetteer) -> None:
    parse = to_parse({"text": "x"}, threshold=0.45, gazetteer=gazetteer)
    assert parse.intent == FALLBACK_INTENT
    assert parse.confidence == 0.0


@pytest.mark.parametrize(
    ("alarm", "read"),
    [
        ({"intent": "report_exploitation", "score": 0.83}, ("report_exploitation", 0.83)),
        (None, None),  # a model trained without the alarm detector
        ({"intent": "emergency"}, None),  # malformed: no opinion rather than a crash
        ({"intent": "emergency", "score": "high"}, None),
        ("emergency", None),
    ],
)
def test_the_alarm_detectors_opinion_is_read_when_it_is_there(
    gazetteer: Gazetteer, alarm: object, read: tuple[str, float] | None
) -> None:
    result = {"text": "gaji ga dibayar", "intent_ranking": [{"name": "greet", "confidence": 0.9}]}
    if alarm is not None:
        result["alarm"] = alarm
    assert to_parse(result, threshold=0.45, gazetteer=gazetteer).alarm == read


def test_the_tfidf_ranking_is_mixed_in_with_rasa_weight() -> None:
    """A model with the TF-IDF classifier: each intent gets weight × Rasa's confidence plus
    the rest × the classifier's; an intent only the classifier ranks still appears."""
    rasa = dict(combine_ranking(RECORDED, weight=1.0))
    second = [
        {"name": "faq/skck", "confidence": 0.7},
        {"name": "faq/passport", "confidence": 0.2},
        {"name": "legal_aid", "confidence": 0.1},
    ]
    mixed = combine_ranking({**RECORDED, "tfidf_ranking": second}, weight=0.4)
    ranking = dict(mixed)
    assert ranking["faq/skck"] == pytest.approx(0.4 * rasa.get("faq/skck", 0.0) + 0.6 * 0.7)
    assert ranking["faq/passport"] == pytest.approx(0.4 * rasa["faq/passport"] + 0.6 * 0.2)
    assert ranking["legal_aid"] == pytest.approx(0.4 * rasa.get("legal_aid", 0.0) + 0.6 * 0.1)
    assert [p for _, p in mixed] == sorted((p for _, p in mixed), reverse=True)
    assert sum(ranking.values()) == pytest.approx(1.0, abs=1e-6)


def test_without_the_tfidf_ranking_rasa_ranks_alone() -> None:
    assert combine_ranking(RECORDED) == combine_ranking(RECORDED, weight=1.0)
