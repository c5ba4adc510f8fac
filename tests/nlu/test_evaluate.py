"""The evaluation's arithmetic: folds, scores, the training-data format."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from nlu.client import Parse
from nlu.eval_run import component_times
from nlu.evaluate import Example, macro_f1, plain, rasa_training_yaml, score, stratified_folds


def test_annotations_are_stripped_and_entities_kept() -> None:
    text, entities = plain('bikin skck di [polres](desk) [lamtim]{"entity": "ltsa"}')
    assert text == "bikin skck di polres lamtim"
    assert entities == (("desk", "polres"), ("ltsa", "lamtim"))


def test_folds_are_stratified_by_language_and_intent() -> None:
    examples = [Example(f"t{i}", f"i{i % 4}", "id" if i % 2 else "jv") for i in range(120)]
    folds = stratified_folds(examples, 3)
    assert sorted(i for fold in folds for i in fold) == list(range(120))
    for fold in folds:
        counts = Counter((examples[i].language, examples[i].intent) for i in fold)
        assert set(counts.values()) == {10}


def test_scores_per_language_and_protection_recall() -> None:
    examples = [
        Example("a", "greet", "id"),
        Example("b", "emergency", "id"),
        Example("c", "report_violence", "jv"),
        Example("d", "faq/skck", "jv"),
    ]
    parses = [
        Parse("a", "greet", 0.9, (("greet", 0.9),)),
        Parse("b", "report_trafficking", 0.5, (("report_trafficking", 0.5),)),
        Parse("c", "thanks", 0.5, (("thanks", 0.5),)),
        Parse("d", "nlu_fallback", 0.2, (("faq/skck", 0.2),)),
    ]
    scores = score(examples, parses)
    assert scores.accuracy == {"id": 0.5, "jv": 0.5}
    assert scores.accepted == {"id": 0.5, "jv": 0.0}
    assert scores.protection_recall == 0.5  # the emergency reached a protection flow, one did not
    assert scores.protection_strict == {"emergency": 0.0, "report_violence": 0.0}
    assert scores.confusions[("report_violence", "thanks")] == 1


def test_macro_f1() -> None:
    assert macro_f1([("a", "a"), ("b", "b")]) == 1.0
    assert macro_f1([("a", "b"), ("b", "a")]) == 0.0
    assert macro_f1([("a", "a"), ("a", "b"), ("b", "b")]) == pytest.approx((2 / 3 + 2 / 3) / 2)


def test_training_yaml_is_valid_rasa_data() -> None:
    data = yaml.safe_load(
        rasa_training_yaml([Example("x", "faq/skck", "id", "skck di [polres](desk)")])
    )
    assert data["nlu"][0] == {"intent": "faq/skck", "examples": "- skck di [polres](desk)\n"}


def test_training_time_per_component_is_read_from_rasa_logs() -> None:
    log = (
        "2026-11-23 07:04:40 INFO rasa.engine.training.hooks  - Starting to train component 'DIETClassifier'.\n"
        "2026-11-23 07:06:10 INFO rasa.engine.training.hooks  - Finished training component 'DIETClassifier'.\n"
    )
    assert component_times(log) == {"DIETClassifier": 90.0}
