"""Scoring the NLU: examples, stratified folds, and the numbers the report shows.

Accuracy counts the likeliest intent (what the bot acts on, or offers first when unsure);
"accepted" counts those also above the confidence threshold. Protection recall is the share
of `emergency` and `report_*` messages that reach a protection flow (any of those four
intents): missing a cry for help is the worst error.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from nlu.client import Parse
from nlu.intents import PROTECTION

LANGUAGES = ("id", "jv", "su", "mad")
ALARM_INTENTS = frozenset(
    {"emergency", "report_violence", "report_exploitation", "report_trafficking"}
)
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\(([^)]+)\)|\{([^}]+)\})")


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    language: str
    raw: str = ""  # the annotated training line
    entities: tuple[tuple[str, str], ...] = ()


def plain(raw: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The text of an annotated example and its (entity, surface) pairs."""
    entities: list[tuple[str, str]] = []

    def strip(match: re.Match[str]) -> str:
        name = match.group(2) or json.loads("{" + match.group(3) + "}").get("entity", "")
        entities.append((name, match.group(1)))
        return match.group(1)

    return _ANNOTATION.sub(strip, raw), tuple(entities)


def training_examples(root: Path, languages: Sequence[str] = LANGUAGES) -> list[Example]:
    """The training examples of `nlu/<lang>/*.yml`."""
    examples: list[Example] = []
    for lang in languages:
        for path in sorted((root / "nlu" / lang).glob("*.yml")):
            for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
                if "intent" not in item:
                    continue
                for line in str(item.get("examples", "")).splitlines():
                    line = line.strip()
                    if line.startswith("- "):
                        text, entities = plain(line[2:].strip())
                        examples.append(
                            Example(text, item["intent"], lang, line[2:].strip(), entities)
                        )
    return examples


def heldout_examples(
    root: Path, languages: Sequence[str] = LANGUAGES, folder: str = "heldout"
) -> list[Example]:
    """The held-out messages of `nlu/<folder>/<lang>.jsonl` (none when the folder is absent)."""
    examples: list[Example] = []
    for lang in languages:
        path = root / "nlu" / folder / f"{lang}.jsonl"
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                entities = tuple((e["entity"], e["value"]) for e in item.get("entities", []))
                examples.append(Example(item["text"], item["intent"], lang, entities=entities))
    return examples


def stratified_folds(examples: Sequence[Example], k: int, seed: int = 0) -> list[list[int]]:
    """k folds of example indices; every (language, intent) spread evenly over the folds."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, example in enumerate(examples):
        groups[(example.language, example.intent)].append(index)
    rng = random.Random(seed)  # noqa: S311 - reproducible sampling, not security
    folds: list[list[int]] = [[] for _ in range(k)]
    offset = 0
    for key in sorted(groups):
        members = groups[key]
        rng.shuffle(members)
        for position, index in enumerate(members):
            folds[(position + offset) % k].append(index)
        offset += len(members)
    return folds


def rasa_training_yaml(examples: Iterable[Example]) -> str:
    """A Rasa NLU training file with the examples' annotated lines."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for example in examples:
        by_intent[example.intent].append(example.raw or example.text)
    lines = ['version: "3.1"', "nlu:"]
    for intent in sorted(by_intent):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {raw}" for raw in by_intent[intent]]
    return "\n".join(lines) + "\n"


@dataclass
class Scores:
    """The numbers of one evaluation, per language."""

    n: dict[str, int] = field(default_factory=dict)
    accuracy: dict[str, float] = field(default_factory=dict)
    accepted: dict[str, float] = field(default_factory=dict)
    macro_f1: dict[str, float] = field(default_factory=dict)
    protection_recall: float = 1.0
    protection_strict: dict[str, float] = field(default_factory=dict)
    false_alarms: float = 0.0
    entity_recall: float = 1.0
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[tuple[str, str, str, str]] = field(default_factory=list)  # lang, text, gold, got


def macro_f1(pairs: Sequence[tuple[str, str]]) -> float:
    """Macro-averaged F1 over the gold labels present."""
    labels = {gold for gold, _ in pairs}
    total = 0.0
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        total += 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)
    return total / len(labels) if labels else 0.0


def score(examples: Sequence[Example], parses: Sequence[Parse]) -> Scores:
    """Scores of predictions against gold labels."""
    result = Scores()
    by_lang: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
    alarms = [0, 0]
    false_alarm = [0, 0]
    strict: dict[str, list[bool]] = defaultdict(list)
    entities_seen = entities_found = 0
    for example, parse in zip(examples, parses, strict=True):
        top = parse.top
        accepted = parse.intent == top
        by_lang[example.language].append((example.intent, top, accepted))
        if top != example.intent:
            result.confusions[(example.intent, top)] += 1
            result.misses.append((example.language, example.text, example.intent, top))
        if example.intent in ALARM_INTENTS:
            alarms[0] += 1
            alarms[1] += top in ALARM_INTENTS
            strict[example.intent].append(top == example.intent)
        elif example.intent not in PROTECTION:
            false_alarm[0] += 1
            false_alarm[1] += top in ALARM_INTENTS
        for entity, value in example.entities:
            entities_seen += 1
            entities_found += any(e.entity == entity and e.value == value for e in parse.entities)
    for lang, rows in by_lang.items():
        result.n[lang] = len(rows)
        result.accuracy[lang] = sum(g == p for g, p, _ in rows) / len(rows)
        result.accepted[lang] = sum(g == p and a for g, p, a in rows) / len(rows)
        result.macro_f1[lang] = macro_f1([(g, p) for g, p, _ in rows])
    result.protection_recall = alarms[1] / alarms[0] if alarms[0] else 1.0
    result.protection_strict = {k: sum(v) / len(v) for k, v in sorted(strict.items())}
    result.false_alarms = false_alarm[1] / false_alarm[0] if false_alarm[0] else 0.0
    result.entity_recall = entities_found / entities_seen if entities_seen else 1.0
    return result


def mean_scores(runs: Sequence[Scores]) -> Scores:
    """The average of several folds' scores (confusions summed)."""
    result = Scores()
    for lang in LANGUAGES:
        present = [r for r in runs if lang in r.accuracy]
        if not present:
            continue
        result.n[lang] = sum(r.n[lang] for r in present)
        for name in ("accuracy", "accepted", "macro_f1"):
            getattr(result, name)[lang] = sum(getattr(r, name)[lang] for r in present) / len(
                present
            )
    result.protection_recall = sum(r.protection_recall for r in runs) / len(runs)
    result.false_alarms = sum(r.false_alarms for r in runs) / len(runs)
    result.entity_recall = sum(r.entity_recall for r in runs) / len(runs)
    for run in runs:
        result.confusions.update(run.confusions)
    return result
