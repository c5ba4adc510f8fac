"""Entity values: canonical names and the variants people write, from `nlu/shared/gazetteer.yml`.

Used twice: to generate Rasa's synonyms for training, and at parse time to normalise what DIET
extracted (capil -> dukcapil, HK -> Hong Kong, lamtim -> Lampung Timur) and to add mentions it
missed.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from nlu.client import ParsedEntity

GAZETTEER_PATH = Path(__file__).resolve().parent / "shared" / "gazetteer.yml"


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


@dataclass(frozen=True)
class Gazetteer:
    """entity -> canonical value -> variants."""

    values: Mapping[str, Mapping[str, tuple[str, ...]]]

    @classmethod
    def load(cls, path: Path = GAZETTEER_PATH) -> Gazetteer:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls(
            {
                entity: {
                    str(canon): tuple(_norm(str(v)) for v in [canon, *variants])
                    for canon, variants in canon_map.items()
                }
                for entity, canon_map in raw.items()
            }
        )

    def canonical(self, entity: str, surface: str) -> str | None:
        """The canonical value of a surface form, exact or close (typos), or None."""
        index = self._index(entity)
        key = _norm(surface)
        if key in index:
            return index[key]
        close = difflib.get_close_matches(key, list(index), n=1, cutoff=0.84)
        return index[close[0]] if close else None

    def _index(self, entity: str) -> dict[str, str]:
        return self._indexes.get(entity, {})

    @cached_property
    def _indexes(self) -> dict[str, dict[str, str]]:
        return {
            entity: {v: canon for canon, variants in canon_map.items() for v in variants}
            for entity, canon_map in self.values.items()
        }

    @cached_property
    def _patterns(self) -> list[tuple[re.Pattern[str], str, str, str]]:
        """(pattern, variant, entity, canonical), longest variants first."""
        variants = sorted(
            (
                (v, entity, canon)
                for entity, index in self._indexes.items()
                for v, canon in index.items()
            ),
            key=lambda item: -len(item[0]),
        )
        return [
            (
                re.compile(r"(?<![\w])" + r"\s+".join(map(re.escape, v.split())) + r"(?![\w])"),
                v,
                entity,
                canon,
            )
            for v, entity, canon in variants
        ]

    def find(self, text: str) -> list[tuple[str, str, int, int]]:
        """(entity, canonical value, start, end) of every variant found in `text`."""
        found: list[tuple[str, str, int, int]] = []
        taken: list[tuple[int, int]] = []
        lowered = text.lower()
        for pattern, variant, entity, canon in self._patterns:
            if variant.split()[0] not in lowered:
                continue
            for match in pattern.finditer(lowered):
                span = match.span()
                # two-letter variants (hk, sg, ta) are common syllables: only when in capitals
                if len(variant) < 3 and not text[span[0] : span[1]].isupper():
                    continue
                if any(span[0] < end and start < span[1] for start, end in taken):
                    continue
                taken.append(span)
                found.append((entity, canon, span[0], span[1]))
        return sorted(found, key=lambda item: item[2])

    def normalise(self, text: str, extracted: Iterable[ParsedEntity]) -> list[ParsedEntity]:
        """Extracted entities with canonical values, plus gazetteer mentions DIET missed."""
        from nlu.client import ParsedEntity

        result: list[ParsedEntity] = []
        for e in extracted:
            canon = self.canonical(e.entity, text[e.start : e.end] or e.value) or self.canonical(
                e.entity, e.value
            )
            if canon is None and e.entity != "country":
                continue  # a desk or LTSA we do not know is not one
            result.append(ParsedEntity(e.entity, canon or e.value.title(), e.start, e.end))
        for entity, canon, start, end in self.find(text):
            if not any(start < e.end and e.start < end for e in result):
                result.append(ParsedEntity(entity, canon, start, end))
        return sorted(result, key=lambda e: e.start)

    def rasa_synonyms(self) -> str:
        """The gazetteer as a Rasa training file of synonyms."""
        lines = ['version: "3.1"', "nlu:"]
        for canon_map in self.values.values():
            for canon, variants in canon_map.items():
                others = sorted({v for v in variants if v != canon.lower()})
                if not others:
                    continue
                lines.append(f"- synonym: {canon}")
                lines.append("  examples: |")
                lines.extend(f"    - {v}" for v in others)
        return "\n".join(lines) + "\n"
