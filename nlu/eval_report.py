"""`ltsa nlu eval`: the held-out evaluation and the cross-validation, written to reports/nlu.md.

1. Trains config.yml on all training data (timed, per component) and scores the held-out set
   (written separately from the training data) with our full NLU: rules, then the model.
2. Stratified k-fold cross-validation over the training data, our config.yml against Rasa's
   recommended default pipeline on the same folds, scored per language.
3. Language identification on the held-out messages of 2–12 words.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlu.client import RASA_WEIGHT, THRESHOLD
from nlu.eval_cv import (
    BIAS_KEY,
    WEIGHT_KEY,
    bias_record,
    cross_validate,
    cv_lines,
    cv_record,
    unbiased,
    weight_record,
)
from nlu.eval_cv import times as _times
from nlu.eval_run import Training, parse_batch, train
from nlu.evaluate import (
    LANGUAGES,
    Example,
    Scores,
    heldout_examples,
    score,
    training_examples,
)
from nlu.intents import INTENTS
from nlu.langid import LanguageDetector

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
        "beforehand. Measured again once with the alarm detector (2026-12-07).",
    ),
    (
        "heldout5",
        "Written on 2026-12-07 without sight of the training data or of the other sets "
        "(nlu/heldout5/README.md); 6 lines already in the training data were removed unread. "
        "First measured with the alarm detector, whose threshold had been chosen on "
        "cross-validation before. Never used to tune, but the counts of its worst confusions "
        "(pairs of intents, no messages) were printed in that report and seen before the data "
        "round of the same day, whose targets came from a cross-validation fold; some pairs "
        "are the same (human_request/bot_challenge, legal_aid, the OPP intents). Measured a "
        "second time after that round and the TF-IDF mix, so no longer entirely clean.",
    ),
    (
        "heldout6",
        "Written on 2026-12-07 without sight of the training data or of the other sets "
        "(nlu/heldout6/README.md), while the data round and the TF-IDF mix were made; lines "
        "already in the training data were removed unread. Measured once, after the model "
        "was settled on cross-validation; never used to tune. The unbiased measure.",
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


def write_report(
    held: HeldOut,
    n_training: int,
    cv: dict[str, list[tuple[Training, Scores]]],
    k: int,
    out: Path,
    record: dict[str, Any] | None = None,
    fresh_biases: bool = False,
) -> Path:
    s = held.scores
    lines = [
        "# NLU evaluation",
        "",
        f"Written by `ltsa nlu eval` on {platform.machine()}, Python "
        f"{platform.python_version()}. Intent = the likeliest of our full NLU (short-message "
        f"rules, then Rasa with `config.yml`, its ranking mixed with the TF-IDF classifier's "
        f"at Rasa weight {RASA_WEIGHT}); confidence threshold {THRESHOLD}.",
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
    lines += cv_lines(cv, k, record or {}, fresh_biases)
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
    cv, out_of_fold = cross_validate(root, configs, k, work, limits) if with_cv else ({}, [])
    if update_baseline:
        path = root / "nlu" / "heldout" / "baseline.json"
        path.write_text(json.dumps(baseline(held), indent=2) + "\n", encoding="utf-8")
    n_training = len(training_examples(root))
    record_path = root / "nlu" / "cv_record.json"
    record = json.loads(record_path.read_text("utf-8")) if record_path.exists() else {}
    if with_cv:  # the bias table is computed once, here, and read back by the report
        record |= cv_record(cv, n_training)
        if out_of_fold:
            record[BIAS_KEY] = bias_record(unbiased(out_of_fold), n_training)
            record[WEIGHT_KEY] = weight_record(out_of_fold, n_training)
        record_path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    out = root / "reports" / "nlu.md"
    return write_report(held, n_training, cv, k, out, record, fresh_biases=bool(out_of_fold))
