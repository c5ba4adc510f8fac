"""Measures language identification on the dev split and held-out texts: `reports/langid.md`.

The dev split is what the weights and the temperature were chosen on; the held-out sets are
measured, never tuned on. Besides accuracy, the report shows each kind of evidence alone and
how far `confidence` can be trusted (the bot switches languages on `Detection.confident`).
"""

from __future__ import annotations

import platform
import time
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path

from nlu.langid import (
    DECOYS,
    LANGDETECT_TRIALS,
    LANGDETECT_WEIGHT,
    MARKER_WEIGHT,
    NEUTRAL_RATIO,
    SUPPORTED,
    TEMPERATURE,
    Detection,
    LanguageDetector,
)
from nlu.langid_corpus import (
    chunks,
    dev_chat,
    dev_sentences,
    heldout_chat,
    heldout_sentences,
    training_examples,
)

Texts = Mapping[str, list[str]]


def accuracy(
    predict: Callable[[str], str], texts: Texts
) -> tuple[dict[str, float], Counter[tuple[str, str]], int]:
    """Per-language accuracy, confusions (gold, predicted) and the number of texts."""
    result: dict[str, float] = {}
    confusions: Counter[tuple[str, str]] = Counter()
    total = 0
    for lang, items in texts.items():
        if not items:
            continue
        right = 0
        for text in items:
            predicted = predict(text)
            right += predicted == lang
            if predicted != lang:
                confusions[(lang, predicted)] += 1
        result[lang] = right / len(items)
        total += len(items)
    return result, confusions, total


def _best(scores: Mapping[str, float]) -> str:
    """The supported language with the highest score, decoys counted as Indonesian."""
    merged = dict.fromkeys(SUPPORTED, float("-inf"))
    for name, score in scores.items():
        lang = DECOYS.get(name, name)
        merged[lang] = max(merged[lang], score)
    return max(SUPPORTED, key=lambda lang: merged[lang])


def _cells(scores: Mapping[str, float]) -> str:
    return " | ".join(f"{scores[lang]:.3f}" if lang in scores else "–" for lang in SUPPORTED)


def _accuracy_rows(detector: LanguageDetector, sets: Mapping[str, Texts]) -> list[str]:
    rows = [
        "| set | texts | " + " | ".join(SUPPORTED) + " | worst confusions | ms/text |",
        "|---|---|" + "---|" * len(SUPPORTED) + "---|---|",
    ]
    for name, texts in sets.items():
        started = time.perf_counter()
        scores, confusions, total = accuracy(lambda t: detector.detect(t).language, texts)
        per_text = (time.perf_counter() - started) * 1000 / max(total, 1)
        worst = ", ".join(f"{g}→{p} {n}" for (g, p), n in confusions.most_common(3))
        rows.append(f"| {name} | {total} | {_cells(scores)} | {worst} | {per_text:.2f} |")
    return rows


def _component_rows(detector: LanguageDetector, sets: Mapping[str, Texts]) -> list[str]:
    predictors: dict[str, Callable[[str], str]] = {
        "langdetect alone": lambda t: _best(detector.ngram_scores(t)),
        "character model alone (neutral words dropped)": lambda t: _best(detector.char_scores(t)),
        "combined (shipped)": lambda t: detector.detect(t).language,
    }
    rows = [
        "| set | evidence | " + " | ".join(SUPPORTED) + " | mean |",
        "|---|---|" + "---|" * len(SUPPORTED) + "---|",
    ]
    for name, texts in sets.items():
        for label, predict in predictors.items():
            scores, _, _ = accuracy(predict, texts)
            mean = sum(scores.values()) / len(scores)
            rows.append(f"| {name} | {label} | {_cells(scores)} | {mean:.3f} |")
    return rows


def _calibration_rows(detector: LanguageDetector, sets: Mapping[str, Texts]) -> list[str]:
    rows = [
        "| set | mean confidence | accuracy | p ≥ 0.9: share | p ≥ 0.9: right "
        "| `confident` (p ≥ 0.9, ≥ 3 words): share | `confident`: right |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, texts in sets.items():
        pairs: list[tuple[Detection, str]] = [
            (detector.detect(text), lang) for lang, items in texts.items() for text in items
        ]
        high = [(d, g) for d, g in pairs if d.confidence >= 0.9]
        sure = [(d, g) for d, g in pairs if d.confident]
        mean_conf = sum(d.confidence for d, _ in pairs) / len(pairs)
        right = sum(d.language == g for d, g in pairs) / len(pairs)
        rows.append(
            f"| {name} | {mean_conf:.3f} | {right:.3f} | {len(high) / len(pairs):.2f} "
            f"| {_share_right(high)} | {len(sure) / len(pairs):.2f} | {_share_right(sure)} |"
        )
    return rows


def _share_right(pairs: list[tuple[Detection, str]]) -> str:
    return f"{sum(d.language == g for d, g in pairs) / len(pairs):.3f}" if pairs else "–"


def write_langid_report(detector: LanguageDetector, data: Path, out: Path) -> Path:
    """Measures the detector on the dev split and the held-out sets; writes the report."""
    dev = dev_sentences(data)
    test = heldout_sentences(data)
    dev_sets: dict[str, Texts] = {
        "dev: training examples held back, 2–12 words": dev_chat(),
        "dev: NusaX + NusaWrites valid, full": dev,
        "dev: NusaX + NusaWrites valid, first 3–6 words": {
            lang: chunks(items, 3, 6) for lang, items in dev.items()
        },
    }
    chat = heldout_chat()
    # some held-out messages also occur, word for word, among the training examples
    seen = {lang: {t.lower().strip() for t in training_examples(lang)} for lang in chat}
    held_sets: dict[str, Texts] = {
        "held out: our chat messages, 2–12 words": chat,
        "held out: the same, minus those also in the training examples": {
            lang: [t for t in items if t.lower().strip() not in seen[lang]]
            for lang, items in chat.items()
        },
        "held out: NusaX + NusaWrites test, full": test,
        "held out: NusaX + NusaWrites test, first 3–6 words": {
            lang: chunks(items, 3, 6) for lang, items in test.items()
        },
    }
    chat_sets = {
        "dev chat": dev_sets["dev: training examples held back, 2–12 words"],
        "held-out chat": held_sets["held out: our chat messages, 2–12 words"],
    }
    lines = [
        "# Language identification",
        "",
        "Per language, one profile built from one corpus (`ltsa nlu langid build`: NusaX and "
        "NusaWrites train splits, CC BY-SA 4.0, plus the project's own training examples "
        "outside the dev split and Malay decoy text): a character 5-gram model, a langdetect "
        "profile and word counts (to find neutral words). Combined with regional marker words; "
        f"weights (langdetect {LANGDETECT_WEIGHT}, {LANGDETECT_TRIALS} trial; markers "
        f"{MARKER_WEIGHT}), neutral-word "
        f"ratio ({NEUTRAL_RATIO}) and softmax temperature ({TEMPERATURE}) were chosen on the "
        "dev split only. Malay and English count as Indonesian.",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}.",
        "",
        "## Accuracy",
        "",
        *_accuracy_rows(detector, {**dev_sets, **held_sets}),
        "",
        "## Each kind of evidence alone",
        "",
        *_component_rows(detector, chat_sets),
        "",
        "## Can `confidence` be trusted?",
        "",
        "`bot/language.py` switches or offers a language only on `Detection.confident`.",
        "",
        *_calibration_rows(detector, chat_sets),
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out
