"""What the bot says and knows, loaded once from `content/`.

    content/languages.yml          the languages and the fallback
    content/faq.yml                procedure topics: source, last verified, parts, LTSA-dependence
    content/locales/<lang>/*.yml   texts per language, nested keys (flattened to "a.b.c")
    content/ltsa/<slug>.yml        the LTSA directory: address, hours, desks, OPP, local rules
    content/referrals/*.yml        the referral directory (bot.referrals)

LTSA local rules are exposed as texts under `ltsa.<slug>.rules.<topic>` in every language.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from flows.store import FaqTopic

if TYPE_CHECKING:
    from bot.referrals import Directory

log = logging.getLogger(__name__)

# libyaml's loader when PyYAML was built with it: content is read at every start-up
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ContentError(Exception):
    """The content folder cannot be loaded (broken YAML, missing files)."""


@dataclass(frozen=True)
class LtsaRule:
    topic: str
    source: str


@dataclass(frozen=True)
class Ltsa:
    """One LTSA of the directory, as in its YAML file."""

    slug: str
    name: str
    district: str
    province: str
    aliases: tuple[str, ...]
    demo_fields: tuple[str, ...]
    data: Mapping[str, Any]
    rules: Mapping[str, LtsaRule]


@dataclass(frozen=True)
class Content:
    """All content; `text()` is the only way code gets words to show."""

    root: Path
    default_language: str
    language_names: Mapping[str, str]
    texts: Mapping[str, Mapping[str, str]]
    faq: Mapping[str, FaqTopic]
    faq_meta: Mapping[str, Mapping[str, Any]]
    ltsa: Mapping[str, Ltsa]
    referrals: Directory | None = None
    _ltsa_index: Mapping[str, str] = field(default_factory=dict)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.language_names)

    def has(self, language: str, key: str) -> bool:
        return key in self.texts.get(language, {})

    def text(self, language: str, key: str) -> str:
        """The text of `key` in `language`, falling back to the default language."""
        found = self.texts.get(language, {}).get(key)
        if found is None:
            found = self.texts[self.default_language].get(key)
            if found is None:
                log.error("content key missing in every language: %s", key)
                return key
            log.warning(
                "content key %s missing in %s; using %s", key, language, self.default_language
            )
        return found

    def ltsa_slug(self, name: str) -> str | None:
        """The slug of an LTSA from its slug, name, district or an alias (case-insensitive)."""
        return self._ltsa_index.get(_norm(name))


def _norm(name: str) -> str:
    return " ".join(name.lower().replace("-", " ").split())


def read_yaml(path: Path) -> Any:
    """A YAML file of content; ContentError when it cannot be read or parsed."""
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=SAFE_LOADER)  # noqa: S506 (a safe loader)
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path}: {exc}") from exc


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """{"a": {"b": "x"}} -> {"a.b": "x"}; leaves must be strings."""
    flat: dict[str, str] = {}
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, dotted + "."))
        elif isinstance(value, str):
            flat[dotted] = value.strip()
        else:
            raise ContentError(f"{dotted}: expected text, found {type(value).__name__}")
    return flat


def _load_ltsa(path: Path, languages: tuple[str, ...]) -> tuple[Ltsa, dict[str, dict[str, str]]]:
    raw = read_yaml(path)
    if not isinstance(raw, Mapping) or "slug" not in raw:
        raise ContentError(f"{path}: an LTSA file needs at least slug, name, district")
    slug = str(raw["slug"])
    rules: dict[str, LtsaRule] = {}
    texts: dict[str, dict[str, str]] = {lang: {} for lang in languages}
    for topic, rule in (raw.get("rules") or {}).items():
        rules[topic] = LtsaRule(topic=topic, source=str(rule.get("source", "")))
        for lang, body in (rule.get("text") or {}).items():
            texts.setdefault(lang, {})[f"ltsa.{slug}.rules.{topic}"] = str(body).strip()
    ltsa = Ltsa(
        slug=slug,
        name=str(raw.get("name", slug)),
        district=str(raw.get("district", "")),
        province=str(raw.get("province", "")),
        aliases=tuple(str(a) for a in raw.get("aliases", ())),
        demo_fields=tuple(str(f) for f in raw.get("demo_fields", ())),
        data=raw,
        rules=rules,
    )
    return ltsa, texts


def load_content(root: Path) -> Content:
    """Reads the content folder; raises ContentError when it cannot be read."""
    langs = read_yaml(root / "languages.yml")
    names = {str(code): str(meta["name"]) for code, meta in langs["languages"].items()}
    languages = tuple(names)
    texts: dict[str, dict[str, str]] = {}
    for lang in languages:
        texts[lang] = {}
        for path in sorted((root / "locales" / lang).glob("*.yml")):
            texts[lang].update(flatten(read_yaml(path) or {}))
    faq_raw = (read_yaml(root / "faq.yml") or {}).get("topics", {})
    faq: dict[str, FaqTopic] = {}
    for name, meta in faq_raw.items():
        verified = meta.get("last_verified")
        faq[name] = FaqTopic(
            name=name,
            source=str(meta.get("source", "")),
            verified=verified.isoformat() if isinstance(verified, dt.date) else str(verified),
            parts=tuple(meta.get("parts", ())),
            needs_ltsa=bool(meta.get("needs_ltsa", False)),
        )
    ltsa: dict[str, Ltsa] = {}
    index: dict[str, str] = {}
    for path in sorted((root / "ltsa").glob("*.yml")):
        entry, rule_texts = _load_ltsa(path, languages)
        ltsa[entry.slug] = entry
        for lang, extra in rule_texts.items():
            texts.setdefault(lang, {}).update(extra)
        for alias in (entry.slug, entry.name, entry.district, *entry.aliases):
            if alias:
                index[_norm(alias)] = entry.slug
    from bot.referrals import load_referrals  # it reads content too: imported late

    return Content(
        root=root,
        referrals=load_referrals(root),
        default_language=str(langs.get("default", "id")),
        language_names=names,
        texts=texts,
        faq=faq,
        faq_meta=faq_raw,
        ltsa=ltsa,
        _ltsa_index=index,
    )
