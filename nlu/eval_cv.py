"""Cross-validation for `ltsa nlu eval`: folds, the protection-bias table, and the record of
what was last measured (`nlu/cv_record.json`), so that a run which skips a slow configuration
(Rasa's default, about 47 min a fold) still shows its last row, dated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nlu.client import RASA_WEIGHT, THRESHOLD, Parse
from nlu.eval_run import Training, parses_of, raw_batch, train
from nlu.evaluate import (
    LANGUAGES,
    Example,
    Scores,
    mean_scores,
    score,
    stratified_folds,
    training_examples,
)
from nlu.understand import ALARM_THRESHOLD, OFF, PROTECTION_BIAS, with_safety_net

NO_BIAS = OFF  # above any confidence: the model's own first choice


Raw = dict[str, Any]  # Rasa's JSON for one text


def cross_validate(
    root: Path, configs: dict[str, Path], k: int, work: Path, limits: dict[str, int] | None = None
) -> tuple[dict[str, list[tuple[Training, Scores]]], list[tuple[Example, Raw]]]:
    """Per configuration, each fold's training and scores (a configuration in `limits` only on
    that many first folds); and the first configuration's out-of-fold results as Rasa gave
    them (to choose the protection bias and the mixing weight on)."""
    examples = training_examples(root)
    folds = stratified_folds(examples, k)
    results: dict[str, list[tuple[Training, Scores]]] = {name: [] for name in configs}
    out_of_fold: list[tuple[Example, Raw]] = []
    first = next(iter(configs))
    for number, fold in enumerate(folds):
        held = set(fold)
        train_set = [e for i, e in enumerate(examples) if i not in held]
        test_set = [examples[i] for i in fold]
        for name, config in configs.items():
            if number >= (limits or {}).get(name, k):
                continue
            training = train(train_set, config, work, f"cv-{name}-{number}")
            texts = [e.text for e in test_set]
            raw = raw_batch(training.model, texts)
            parses = parses_of(texts, raw, THRESHOLD)
            results[name].append((training, score(test_set, parses)))
            if name == first:
                out_of_fold.extend(zip(test_set, raw, strict=True))
            training.model.unlink(missing_ok=True)
    return results, out_of_fold


def unbiased(out_of_fold: Sequence[tuple[Example, Raw]]) -> list[tuple[Example, Parse]]:
    """The out-of-fold parses without the protection bias or the alarm detector (the bias
    table applies them itself)."""
    texts = [e.text for e, _ in out_of_fold]
    parses = parses_of(texts, [r for _, r in out_of_fold], THRESHOLD, NO_BIAS, NO_BIAS)
    return list(zip([e for e, _ in out_of_fold], parses, strict=True))


WEIGHTS = (1.0, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.0)
WEIGHT_KEY = "rasa weight"  # in the record: the mixing table


def weight_record(out_of_fold: Sequence[tuple[Example, Raw]], n_training: int) -> dict[str, Any]:
    """Per share of Rasa in the mixed ranking (1.0: Rasa alone, 0.0: the TF-IDF classifier
    alone): accuracy per language, protection recall and false alarms, with the safety net
    in use, on the out-of-fold results; dated, for the record."""
    examples = [e for e, _ in out_of_fold]
    texts = [e.text for e in examples]
    raw = [r for _, r in out_of_fold]
    rows = []
    for weight in WEIGHTS:
        scores = score(examples, parses_of(texts, raw, THRESHOLD, weight=weight))
        accuracy = [round(scores.accuracy.get(lang, 0.0), 4) for lang in LANGUAGES]
        recall, alarms = round(scores.protection_recall, 4), round(scores.false_alarms, 4)
        rows.append([weight, *accuracy, recall, alarms])
    return {"date": dt.date.today().isoformat(), "examples": n_training, "rows": rows}


def weight_table(record: dict[str, Any]) -> list[str]:
    """Report lines of the mixing table."""
    langs = " | ".join(f"acc {lang}" for lang in LANGUAGES)
    lines = [
        "",
        f"## Mixing Rasa with the TF-IDF classifier (out-of-fold, measured {record['date']} "
        f"on {record['examples']} examples)",
        "",
        "The intent ranking is Rasa's share × Rasa's ranking + the rest × the ranking of "
        "`nlu/components/intent_tfidf.py` (`RASA_WEIGHT` in `nlu/client.py`); the danger "
        "lexicon and the alarm detector apply as in use.",
        "",
        f"| Rasa's share | {langs} | protection recall | false alarms |",
        "|---|" + "---|" * (len(LANGUAGES) + 2),
    ]
    for weight, *values in record["rows"]:
        label = f"{weight:.1f}" + (" (used)" if weight == RASA_WEIGHT else "")
        lines.append(f"| {label} | " + " | ".join(f"{v:.3f}" for v in values) + " |")
    return lines


BIASES = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, NO_BIAS)
ALARM_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, NO_BIAS)


def bias_rows(pairs: Sequence[tuple[Example, Parse]]) -> list[list[float]]:
    """[bias, alarm threshold, accuracy, protection recall, false alarms] for each pair of
    protection bias and alarm-detector threshold on the out-of-fold predictions (NO_BIAS for
    none)."""
    examples = [e for e, _ in pairs]
    rows = []
    for bias in BIASES:
        for threshold in ALARM_THRESHOLDS:
            parses = [with_safety_net(e.text, p, bias, threshold) for e, p in pairs]
            scores = score(examples, parses)
            total = sum(scores.n.values())
            accuracy = sum(scores.accuracy[lang] * n for lang, n in scores.n.items()) / total
            rows.append([bias, threshold, accuracy, scores.protection_recall, scores.false_alarms])
    return rows


def _label(value: float, used: float) -> str:
    return ("none" if value == NO_BIAS else f"{value:.2f}") + (" (used)" if value == used else "")


def bias_table(rows: Sequence[Sequence[float]]) -> list[str]:
    """Report lines: what each protection bias does at the alarm threshold in use, and what
    each alarm threshold does at the bias in use, on the out-of-fold predictions."""
    if rows and len(rows[0]) == 4:  # recorded before the alarm detector: bias only
        rows = [[bias, NO_BIAS, *rest] for bias, *rest in rows]
    head = "| accuracy (all) | protection recall | false alarms |"
    lines = [f"| protection bias {head}", "|---|---|---|---|"]
    for bias, threshold, accuracy, recall, alarms in rows:
        if threshold == ALARM_THRESHOLD or len({r[1] for r in rows}) == 1:
            label = _label(bias, PROTECTION_BIAS)
            lines.append(f"| {label} | {accuracy:.3f} | {recall:.3f} | {alarms:.3f} |")
    thresholds = [r for r in rows if r[0] == PROTECTION_BIAS]
    if len(thresholds) > 1:
        lines += ["", f"| alarm-detector threshold {head}", "|---|---|---|---|"]
        for _, threshold, accuracy, recall, alarms in thresholds:
            lines.append(
                f"| {_label(threshold, ALARM_THRESHOLD)} | {accuracy:.3f} | {recall:.3f} "
                f"| {alarms:.3f} |"
            )
    return lines


def times(training: Training) -> str:
    parts = ", ".join(
        f"{name} {seconds:.0f} s" for name, seconds in training.components.items() if seconds >= 1
    )
    return f"{training.seconds:.0f} s ({parts})"


def cv_record(cv: dict[str, list[tuple[Training, Scores]]], n_training: int) -> dict[str, Any]:
    """The mean cross-validation row of each configuration that ran, to show again (dated)
    when a later run skips it (Rasa's default takes most of an hour a fold)."""
    record: dict[str, Any] = {}
    for name, runs in cv.items():
        if not runs:
            continue
        mean = mean_scores([r for _, r in runs])
        record[name] = {
            "date": dt.date.today().isoformat(),
            "examples": n_training,
            "folds": len(runs),
            "accuracy": {lang: round(mean.accuracy.get(lang, 0), 3) for lang in LANGUAGES},
            "macro_f1": {lang: round(mean.macro_f1.get(lang, 0), 3) for lang in LANGUAGES},
            "protection_recall": round(mean.protection_recall, 3),
            "seconds": round(sum(t.seconds for t, _ in runs) / len(runs)),
        }
    return record


def _cv_row(
    name: str, accuracy: dict[str, float], f1: dict[str, float], recall: float, seconds: float
) -> str:
    return (
        f"| {name} | "
        + " | ".join(f"{accuracy.get(lang, 0):.3f}" for lang in LANGUAGES)
        + " | "
        + " | ".join(f"{f1.get(lang, 0):.3f}" for lang in LANGUAGES)
        + f" | {recall:.3f} | {seconds:.0f} s |"
    )


BIAS_KEY = "protection bias"  # in the record beside the configurations: the bias table


def bias_record(pairs: Sequence[tuple[Example, Parse]], n_training: int) -> dict[str, Any]:
    """The bias table's numbers, dated, for the record."""
    rows = [[round(v, 4) for v in row] for row in bias_rows(pairs)]
    return {"date": dt.date.today().isoformat(), "examples": n_training, "rows": rows}


def earlier_rows(earlier: dict[str, Any], measured: set[str]) -> list[str]:
    """Table rows of configurations not run this time, as last measured (dated)."""
    return [
        _cv_row(
            f"{name}: not re-run; measured {row['date']} on {row['examples']} examples, "
            f"{row['folds']} fold(s)",
            row["accuracy"],
            row["macro_f1"],
            row["protection_recall"],
            row["seconds"],
        )
        for name, row in earlier.items()
        if name not in measured and name not in {BIAS_KEY, WEIGHT_KEY}
    ]


def cv_lines(
    cv: dict[str, list[tuple[Training, Scores]]],
    k: int,
    record: dict[str, Any],
    fresh_biases: bool,
) -> list[str]:
    """The report's cross-validation and protection-bias sections: `cv` measured now, the
    rest of `record` (configurations not re-run, the bias table unless `fresh_biases`) dated."""
    lines: list[str] = []
    cv = {name: runs for name, runs in cv.items() if runs}
    if cv or record:
        lines += [
            "",
            f"## Cross-validation, {k} stratified folds of the training data, same folds",
            "",
            "| configuration | "
            + " | ".join(f"acc {lang}" for lang in LANGUAGES)
            + " | "
            + " | ".join(f"F1 {lang}" for lang in LANGUAGES)
            + " | protection recall | training per fold |",
            "|---|" + "---|" * (2 * len(LANGUAGES) + 2),
        ]
        shared = min((len(runs) for runs in cv.values()), default=0)
        rows = [(name, runs) for name, runs in cv.items()]
        if any(len(runs) > shared for runs in cv.values()):
            rows += [
                (f"{name}, first {shared} fold(s)", runs[:shared]) for name, runs in cv.items()
            ]
        for name, runs in rows:
            mean = mean_scores([r for _, r in runs])
            seconds = sum(t.seconds for t, _ in runs) / len(runs)
            lines.append(
                _cv_row(name, mean.accuracy, mean.macro_f1, mean.protection_recall, seconds)
            )
        lines += earlier_rows(record, set(cv))
        if cv:
            lines += ["", "Where the training time goes (first fold):", ""]
            lines += [f"- {name}: {times(runs[0][0])}" for name, runs in cv.items()]
    biases = record.get(BIAS_KEY)
    if biases:
        measured = (
            ""
            if fresh_biases
            else f" (measured {biases['date']} on {biases['examples']} examples)"
        )
        lines += [
            "",
            f"## Protection bias, chosen on the out-of-fold predictions of `config.yml`{measured}",
            "",
            "A protection intent the model gives at least this confidence wins over its first "
            "choice; an emergency or report wins when the alarm detector "
            "(`nlu/components/alarm.py`) gives it at least the threshold "
            "(`nlu/understand.py`). The danger lexicon applies in every row.",
            "",
            *bias_table(biases["rows"]),
        ]
    if WEIGHT_KEY in record:
        lines += weight_table(record[WEIGHT_KEY])
    return lines
