"""`ltsa nlu eval`: the held-out evaluation and the cross-validation, written to reports/nlu.md.

1. Trains config.yml on all training data (timed, per component) and scores the held-out set
   (written separately from the training data) with our full NLU: rules, then the model.
2. Stratified k-fold cross-validation over the training data, our config.yml against Rasa's
   recommended default pipeline on the same folds, scored per language.
3. Language identification on the held-out messages of 2–12 words.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlu.client import THRESHOLD, Parse
from nlu.eval_run import Training, parse_batch, train
from nlu.evaluate import (
    LANGUAGES,
    Example,
    Scores,
    heldout_examples,
    mean_scores,
    score,
    stratified_folds,
    training_examples,
)
from nlu.intents import INTENTS
from nlu.langid import LanguageDetector
from nlu.understand import PROTECTION_BIAS, with_safety_net

TARGETS = {"id": 0.95, "jv": 0.93, "su": 0.95, "mad": 0.90}
LANGID_TARGETS = {"id": 0.95, "jv": 0.95, "su": 0.95, "mad": 0.85}


@dataclass
class HeldOut:
    training: Training
    scores: Scores
    langid: dict[str, float]
    langid_n: dict[str, int]
    fresh: list[FreshSet] = field(default_factory=list)


@dataclass
class FreshSet:
    """A held-out set written after the first by someone who never saw the training data."""

    folder: str
    note: str
    scores: Scores
    langid: dict[str, float]


# The later held-out sets, oldest first, with what is known of their use.
FRESH_SETS = (
    (
        "heldout2",
        "Written on 2026-12-03 without sight of the training data. Its misses were printed "
        "in an earlier report and directed the Javanese and Sundanese data round of "
        "2026-12-06 (a few of their phrasings were given to its writers as examples of a "
        "confusion), so its jv and su numbers are no longer a clean measure.",
    ),
    (
        "heldout3",
        "Written on 2026-12-06, after that data round, without sight of the training data or "
        "of the other sets. Never used to tune, but its worst confusions were read before the "
        "second data round of 2026-12-07 chose its targets (by topic; none of its messages "
        "was shown to the writers), so it is no longer entirely clean.",
    ),
    (
        "heldout4",
        "Written on 2026-12-07, in parallel with the second data round of that day, without "
        "sight of the training data or of the other sets; never used to tune. Measured first "
        "with the protection bias at 0.20 (recall 0.953, the same), before the bias was lowered "
        "on the cross-validation numbers. A later protection data round was measured on "
        "it too, and reverted on its cross-validation numbers (recall flat), as decided "
        "beforehand. The unbiased measure.",
    ),
)


def langid_accuracy(
    detector: LanguageDetector, examples: Sequence[Example]
) -> tuple[dict[str, float], dict[str, int]]:
    """Detection accuracy per language on held-out messages of 2–12 words."""
    right: dict[str, int] = {}
    total: dict[str, int] = {}
    for example in examples:
        if not 2 <= len(example.text.split()) <= 12:
            continue
        total[example.language] = total.get(example.language, 0) + 1
        right[example.language] = right.get(example.language, 0) + (
            detector.detect(example.text).language == example.language
        )
    return {lang: right[lang] / total[lang] for lang in total}, total


def evaluate_heldout(root: Path, work: Path) -> HeldOut:
    training = train(training_examples(root), root / "config.yml", work, "heldout-ours")
    examples = heldout_examples(root)
    fresh = {folder: (note, heldout_examples(root, folder=folder)) for folder, note in FRESH_SETS}
    texts = [e.text for e in examples] + [e.text for _, f in fresh.values() for e in f]
    parses = parse_batch(training.model, texts, THRESHOLD)
    detector = LanguageDetector.load()
    langid, langid_n = langid_accuracy(detector, examples)
    held = HeldOut(training, score(examples, parses[: len(examples)]), langid, langid_n)
    start = len(examples)
    for folder, (note, sample) in fresh.items():
        if sample:
            scores = score(sample, parses[start : start + len(sample)])
            held.fresh.append(FreshSet(folder, note, scores, langid_accuracy(detector, sample)[0]))
        start += len(sample)
    return held


def heldout_lines(scores: Scores, langid: dict[str, float]) -> list[str]:
    """The table and protection lines of one held-out set."""
    s = scores
    return [
        "| | " + " | ".join(LANGUAGES) + " |",
        "|---|" + "---|" * len(LANGUAGES),
        "| messages | " + " | ".join(str(s.n.get(lang, 0)) for lang in LANGUAGES) + " |",
        _row("intent accuracy (target)", s.accuracy, TARGETS),
        _row("macro-F1", s.macro_f1),
        _row("accepted (≥ threshold and right)", s.accepted),
        _row("language identification, 2–12 words", langid, LANGID_TARGETS),
        "",
        f"- Protection recall (emergency and report_* reaching a protection flow): "
        f"**{s.protection_recall:.3f}** (target 1.00); per intent, exact: "
        + ", ".join(f"{k} {v:.2f}" for k, v in s.protection_strict.items()),
        f"- False alarms (other messages read as emergency/report_*): {s.false_alarms:.3f}",
        f"- Entity recall (desk, ltsa, country with canonical value): {s.entity_recall:.3f}",
    ]


NO_BIAS = 2.0  # above any confidence: the model's own first choice


def cross_validate(
    root: Path, configs: dict[str, Path], k: int, work: Path, limits: dict[str, int] | None = None
) -> tuple[dict[str, list[tuple[Training, Scores]]], list[tuple[Example, Parse]]]:
    """Per configuration, each fold's training and scores (a configuration in `limits` only on
    that many first folds); and the first configuration's out-of-fold parses without the
    protection bias (to choose the bias on)."""
    examples = training_examples(root)
    folds = stratified_folds(examples, k)
    results: dict[str, list[tuple[Training, Scores]]] = {name: [] for name in configs}
    unbiased: list[tuple[Example, Parse]] = []
    first = next(iter(configs))
    for number, fold in enumerate(folds):
        held = set(fold)
        train_set = [e for i, e in enumerate(examples) if i not in held]
        test_set = [examples[i] for i in fold]
        for name, config in configs.items():
            if number >= (limits or {}).get(name, k):
                continue
            training = train(train_set, config, work, f"cv-{name}-{number}")
            raw = parse_batch(training.model, [e.text for e in test_set], THRESHOLD, NO_BIAS)
            parses = [with_safety_net(e.text, p) for e, p in zip(test_set, raw, strict=True)]
            results[name].append((training, score(test_set, parses)))
            if name == first:
                unbiased.extend(zip(test_set, raw, strict=True))
            training.model.unlink(missing_ok=True)
    return results, unbiased


BIASES = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, NO_BIAS)


def bias_rows(pairs: Sequence[tuple[Example, Parse]]) -> list[list[float]]:
    """[bias, accuracy, protection recall, false alarms] for each bias on the out-of-fold
    predictions (NO_BIAS for none)."""
    examples = [e for e, _ in pairs]
    rows = []
    for bias in BIASES:
        scores = score(examples, [with_safety_net(e.text, p, bias) for e, p in pairs])
        total = sum(scores.n.values())
        accuracy = sum(scores.accuracy[lang] * n for lang, n in scores.n.items()) / total
        rows.append([bias, accuracy, scores.protection_recall, scores.false_alarms])
    return rows


def bias_table(rows: Sequence[Sequence[float]]) -> list[str]:
    """Report lines: what each protection bias does to the out-of-fold predictions."""
    lines = [
        "| protection bias | accuracy (all) | protection recall | false alarms |",
        "|---|---|---|---|",
    ]
    for bias, accuracy, recall, alarms in rows:
        label = "none" if bias == NO_BIAS else f"{bias:.2f}"
        mark = " (used)" if bias == PROTECTION_BIAS else ""
        lines.append(f"| {label}{mark} | {accuracy:.3f} | {recall:.3f} | {alarms:.3f} |")
    return lines


def confusion_png(examples: Sequence[Example], scores: Scores, path: Path) -> None:
    """A heat map of the held-out confusions (rows: gold intent, columns: predicted)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(INTENTS)
    index = {label: i for i, label in enumerate(labels)}
    counts = [[0] * len(labels) for _ in labels]
    gold_counts: dict[str, int] = {}
    for example in examples:
        gold_counts[example.intent] = gold_counts.get(example.intent, 0) + 1
    for gold, n in gold_counts.items():
        if gold in index:
            counts[index[gold]][index[gold]] = n
    for (gold, got), n in scores.confusions.items():
        if gold in index and got in index:
            counts[index[gold]][index[got]] += n
            counts[index[gold]][index[gold]] -= n
    fig, ax = plt.subplots(figsize=(14, 13))
    ax.imshow([[min(c, 12) for c in row] for row in counts], cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    for i, row in enumerate(counts):
        for j, value in enumerate(row):
            if value and i != j:
                ax.text(j, i, str(value), ha="center", va="center", fontsize=6, color="red")
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title("Held-out confusions, all languages (off-diagonal counts in red)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _row(label: str, values: dict[str, float], targets: dict[str, float] | None = None) -> str:
    cells = []
    for lang in LANGUAGES:
        if lang not in values:
            cells.append("–")
            continue
        mark = ""
        if targets is not None:
            mark = " ✓" if values[lang] >= targets[lang] else " ✗"
        cells.append(f"{values[lang]:.3f}{mark}")
    return f"| {label} | " + " | ".join(cells) + " |"


def _times(training: Training) -> str:
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
        if name not in measured and name != BIAS_KEY
    ]


def write_report(
    held: HeldOut,
    n_training: int,
    cv: dict[str, list[tuple[Training, Scores]]],
    k: int,
    out: Path,
    unbiased: Sequence[tuple[Example, Parse]] = (),
    earlier: dict[str, Any] | None = None,
) -> Path:
    s = held.scores
    lines = [
        "# NLU evaluation",
        "",
        f"Written by `ltsa nlu eval` on {platform.machine()}, Python "
        f"{platform.python_version()}. Intent = the likeliest of our full NLU (short-message "
        f"rules, then Rasa with `config.yml`); confidence threshold {THRESHOLD}.",
        "",
        "## Held-out set (`nlu/heldout/`, written separately from the training data)",
        "",
        "Used during development: its error *categories* (not its texts) guided new training "
        "examples, and the forced-labour indicators were written after its misses were read. "
        "Its numbers are therefore optimistic; the later sets below are the better measure.",
        "",
        *heldout_lines(s, held.langid),
        f"- Training `config.yml` on all {n_training} examples: {_times(held.training)}",
        "- Confusion matrix: [nlu-confusion.png](nlu-confusion.png)",
        "",
        "Worst confusions (gold → predicted):",
        "",
    ]
    lines += [f"- {gold} → {got}: {n}" for (gold, got), n in s.confusions.most_common(12)]
    for fresh in held.fresh:
        lines += [
            "",
            f"## Later held-out set (`nlu/{fresh.folder}/`)",
            "",
            fresh.note,
            "",
            *heldout_lines(fresh.scores, fresh.langid),
            "",
            "Worst confusions (gold → predicted):",
            "",
            *(
                f"- {gold} → {got}: {n}"
                for (gold, got), n in fresh.scores.confusions.most_common(12)
            ),
        ]
    cv = {name: runs for name, runs in cv.items() if runs}
    if cv or earlier:
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
        lines += earlier_rows(earlier or {}, set(cv))
        if cv:
            lines += ["", "Where the training time goes (first fold):", ""]
            lines += [f"- {name}: {_times(runs[0][0])}" for name, runs in cv.items()]
    biases = bias_record(unbiased, n_training) if unbiased else (earlier or {}).get(BIAS_KEY)
    if biases:
        measured = (
            "" if unbiased else f" (measured {biases['date']} on {biases['examples']} examples)"
        )
        lines += [
            "",
            f"## Protection bias, chosen on the out-of-fold predictions of `config.yml`{measured}",
            "",
            "A protection intent the model gives at least this confidence wins over its first "
            "choice (`nlu/understand.py`); the danger lexicon applies in every row.",
            "",
            *bias_table(biases["rows"]),
        ]
    lines += [
        "",
        "## Held-out misses",
        "",
        "| lang | message | gold | predicted |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {lang} | {text.replace('|', '/')[:90]} | {gold} | {got} |"
        for lang, text, gold, got in sorted(s.misses)
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def baseline(held: HeldOut) -> dict[str, object]:
    """What the regression gate compares with: held-out accuracy per language."""
    return {
        "accuracy": {lang: round(v, 4) for lang, v in held.scores.accuracy.items()},
        "protection_recall": round(held.scores.protection_recall, 4),
        "langid": {lang: round(v, 4) for lang, v in held.langid.items()},
    }


def run(
    root: Path, k: int, with_cv: bool, update_baseline: bool, default_folds: int | None = None
) -> Path:
    work = root / "var" / "eval"
    work.mkdir(parents=True, exist_ok=True)
    held = evaluate_heldout(root, work)
    examples = heldout_examples(root)
    confusion_png(examples, held.scores, root / "reports" / "nlu-confusion.png")
    configs = {
        "ours (config.yml)": root / "config.yml",
        "Rasa default": root / "nlu" / "configs" / "rasa-default.yml",
    }
    limits = {"Rasa default": default_folds} if default_folds is not None else None
    cv, unbiased = cross_validate(root, configs, k, work, limits) if with_cv else ({}, [])
    if update_baseline:
        path = root / "nlu" / "heldout" / "baseline.json"
        path.write_text(json.dumps(baseline(held), indent=2) + "\n", encoding="utf-8")
    n_training = len(training_examples(root))
    record_path = root / "nlu" / "cv_record.json"
    earlier = json.loads(record_path.read_text("utf-8")) if record_path.exists() else {}
    if with_cv:
        record = earlier | cv_record(cv, n_training)
        if unbiased:
            record[BIAS_KEY] = bias_record(unbiased, n_training)
        record_path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return write_report(held, n_training, cv, k, root / "reports" / "nlu.md", unbiased, earlier)
