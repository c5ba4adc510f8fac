"""The corpus the language profiles are built from, the dev split, and the held-out texts.

Sources (`../shared/data/`, CC BY-SA 4.0): NusaX sentiment sentences (ind, jav, sun, mad, eng)
and NusaWrites "kalimat" pairs (ind <-> jav, sun, mad). Three parts, never mixed:

- profiles: the train splits, the project's own training examples (`nlu/<lang>/`) outside the
  dev split, and its Malay decoy sentences (`nlu/langid/ms.txt`);
- dev (weights and thresholds are chosen on it): the valid splits, and one training example
  in five, picked by a hash of its text so the split is stable when examples are added;
- held out (measured once, at the end): the test splits and the project's held-out chat
  messages (`nlu/heldout/`), which nothing here is built or tuned from.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
LANGUAGES = ("id", "jv", "su", "mad", "ms", "en")

_NUSAX = {
    "id": "indonesian",
    "jv": "javanese",
    "su": "sundanese",
    "mad": "madurese",
    "en": "english",
}
_WRITES = {"jv": "jav", "su": "sun", "mad": "mad"}
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]+\)|\{[^}]+\})")
_URL = re.compile(r"https?://\S+|@\w+|#\w+|\[[A-Z_]+\]")  # [USERNAME] placeholders too
# Requests to switch language are written in the language asked for, not the file's language.
_NOT_IN_LANGUAGE = frozenset({"change_language"})
DEV_SHARE = 5  # one training example in DEV_SHARE goes to the dev split


def _clean(text: str) -> str:
    return " ".join(_URL.sub(" ", text).split())


def is_dev(text: str) -> bool:
    """Whether a training example belongs to the dev split (stable: a hash of its text)."""
    digest = hashlib.sha1(text.strip().lower().encode("utf-8"), usedforsecurity=False)
    return int(digest.hexdigest(), 16) % DEV_SHARE == 0


def _nusax(data: Path, lang: str, splits: tuple[str, ...]) -> Iterator[str]:
    for split in splits:
        path = data / "nusax" / "datasets" / "sentiment" / _NUSAX[lang] / f"{split}.csv"
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                yield _clean(row["text"])


def _writes(data: Path, lang: str, splits: tuple[str, ...], column: str) -> Iterator[str]:
    for split in splits:
        path = data / "nusa-writes" / f"nusa_kalimat-mt-{_WRITES[lang]}-{split}.csv"
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                yield _clean(row[column])


def training_examples(
    lang: str, root: Path = ROOT, skip: frozenset[str] = frozenset()
) -> list[str]:
    """The project's NLU training examples in one language, without entity annotations."""
    texts: list[str] = []
    for path in sorted((root / "nlu" / lang).glob("*.yml")):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if item.get("intent") in skip:
                continue
            for line in str(item.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    texts.append(_ANNOTATION.sub(r"\1", line[2:]).strip())
    return texts


def profile_corpus(data: Path = DEFAULT_DATA, root: Path = ROOT) -> dict[str, list[str]]:
    """language -> texts that build its profile."""
    train = ("train",)
    corpus: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
    for lang in _NUSAX:
        corpus[lang].extend(_nusax(data, lang, train))
    for lang in _WRITES:
        corpus[lang].extend(_writes(data, lang, train, "tgt_text"))
    # Indonesian side of one NusaWrites set, so Indonesian is not outweighed by its neighbours
    corpus["id"].extend(_writes(data, "jv", train, "ind_text"))
    for lang in ("id", "jv", "su", "mad"):
        examples = training_examples(lang, root, _NOT_IN_LANGUAGE)
        corpus[lang].extend(_clean(t) for t in examples if not is_dev(t))
    corpus["ms"].extend(
        line.strip()
        for line in (root / "nlu" / "langid" / "ms.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    return {lang: [t for t in texts if t] for lang, texts in corpus.items()}


def dev_chat(root: Path = ROOT, lo: int = 2, hi: int = 12) -> dict[str, list[str]]:
    """Training examples of the dev split with lo..hi words, per language (all intents)."""
    return {
        lang: [
            t for t in training_examples(lang, root) if is_dev(t) and lo <= len(t.split()) <= hi
        ]
        for lang in ("id", "jv", "su", "mad")
    }


def dev_sentences(data: Path = DEFAULT_DATA) -> dict[str, list[str]]:
    """Valid-split sentences per supported language (full length)."""
    dev: dict[str, list[str]] = {lang: list(_nusax(data, lang, ("valid",))) for lang in _WRITES}
    dev["id"] = list(_nusax(data, "id", ("valid",)))
    dev["id"].extend(_writes(data, "jv", ("valid",), "ind_text"))
    for lang in _WRITES:
        dev[lang].extend(_writes(data, lang, ("valid",), "tgt_text"))
    return {lang: [t for t in dev[lang] if t] for lang in ("id", "jv", "su", "mad")}


def heldout_sentences(data: Path = DEFAULT_DATA) -> dict[str, list[str]]:
    """Test-split sentences per supported language (full length)."""
    held: dict[str, list[str]] = {lang: [] for lang in ("id", "jv", "su", "mad")}
    for lang in held:
        held[lang].extend(_nusax(data, lang, ("test",)))
    for lang in _WRITES:
        held[lang].extend(_writes(data, lang, ("test",), "tgt_text"))
    return held


def chunks(sentences: list[str], lo: int, hi: int, seed: int = 0) -> list[str]:
    """The first lo..hi words of each sentence ("chat length")."""
    rng = random.Random(seed)  # noqa: S311 - sampling for a measurement, not security
    out = []
    for sentence in sentences:
        words = sentence.split()
        if len(words) >= lo:
            out.append(" ".join(words[: rng.randint(lo, min(hi, len(words)))]))
    return out


def heldout_chat(root: Path = ROOT, lo: int = 2, hi: int = 12) -> dict[str, list[str]]:
    """The project's held-out chat messages of lo..hi words, per language."""
    held: dict[str, list[str]] = {}
    for path in sorted((root / "nlu" / "heldout").glob("*.jsonl")):
        texts = [
            json.loads(line)["text"]
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        held[path.stem] = [t for t in texts if lo <= len(t.split()) <= hi]
    return held
