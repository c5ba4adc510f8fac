"""The evaluation's arithmetic: folds, scores, the training-data format."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import yaml

from nlu.client import Parse
from nlu.eval_cv import earlier_rows
from nlu.eval_run import component_times
from nlu.evaluate import Example, macro_f1, plain, rasa_training_yaml, score, stratified_folds
from tests.conftest import ROOT


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


def test_a_configuration_not_re_run_shows_its_last_dated_measurement() -> None:
    """Rasa's default pipeline takes most of an hour a fold: a run that skips it shows the
    row it last measured, saying when and on how much data, next to the fresh rows."""
    record = json.loads((ROOT / "nlu" / "cv_record.json").read_text("utf-8"))
    assert {"ours (config.yml)", "Rasa default"} <= set(record)
    rows = earlier_rows(record, measured={"ours (config.yml)"})
    [default] = rows
    row = record["Rasa default"]
    assert default.startswith(
        f"| Rasa default: not re-run; measured {row['date']} on {row['examples']} examples"
    )
    cells = [c.strip() for c in default.strip("|").split("|")]
    assert cells[1:5] == [f"{row['accuracy'][lang]:.3f}" for lang in ("id", "jv", "su", "mad")]
    assert cells[-1] == f"{row['seconds']} s"
    assert earlier_rows(record, measured=set(record)) == []


def test_the_bias_table_shows_each_bias_at_the_threshold_used_and_each_threshold_at_the_bias_used() -> (
    None
):
    from nlu.eval_cv import ALARM_THRESHOLDS, BIASES, _label, bias_table
    from nlu.understand import ALARM_THRESHOLD, PROTECTION_BIAS

    rows = [[b, t, 0.8, 0.9, 0.02] for b in BIASES for t in ALARM_THRESHOLDS]
    lines = bias_table(rows)
    biases, thresholds = "\n".join(lines).split("alarm-detector threshold")
    assert biases.count("\n| ") == len(BIASES) + 1  # the header and one row per bias
    assert thresholds.count("\n| ") == len(ALARM_THRESHOLDS)
    assert f"| {_label(PROTECTION_BIAS, PROTECTION_BIAS)} |" in biases
    assert f"| {_label(ALARM_THRESHOLD, ALARM_THRESHOLD)} |" in thresholds
    assert biases.count("(used)") == thresholds.count("(used)") == 1
    # a record written before the detector (bias, accuracy, recall, false alarms) still reads
    old = bias_table([[b, 0.8, 0.9, 0.02] for b in BIASES])
    assert len(old) == len(BIASES) + 2 and "alarm-detector" not in "\n".join(old)
