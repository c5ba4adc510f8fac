"""The referral directory: where the protection flows send people, most local first.

    content/referrals/*.yml               organisations: national, one file per province, abroad
    content/locales/<lang>/referrals.yml  the few words a referral card needs (`referral.*`)
    content/ltsa/*.yml                    read for each LTSA's province

`Directory.find()` ranks by area: the missions in the user's country, then organisations of the
user's LTSA district, then of the province, then national ones; within a level, file order.
Services: `exploitation` is wages, a passport held, the contract; `family_support` is lost
contact, death or sickness abroad. Entries and fields not from a source are marked `demo` /
`demo_fields`; the card says so in the user's language. Broken files raise
`bot.content.ContentError`; what is merely wrong (an unknown service, a missing language) is
for `ltsa content check` to report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.content import ContentError, flatten, read_yaml

SERVICES = (
    "emergency",
    "violence",
    "counselling",
    "shelter",
    "legal_aid",
    "trafficking",
    "exploitation",
    "complaint",
    "family_support",
    "repatriation",
    "health",
)
KINDS = ("government", "ngo", "union", "hotline", "mission")
CHANNELS = ("phone", "phone_abroad", "whatsapp", "sms", "app", "email", "website", "address")
HOURS = ("24h", "office")
COSTS = ("free", "unknown")
NOTES = ("ask_ltsa", "ask_ltsa_or_sapa", "ask_kp2mi", "at_ltsa", "safe_travel")
HOTLINES = ("police", "kp2mi", "sapa-129")  # the always-on lines, in the order they are shown
DEMO_FIELDS = ("hours", "cost", "services", "districts", "about", "channels")


@dataclass(frozen=True)
class Labels:
    """The `referral.*` texts of every language, with the fallback language."""

    default: str
    texts: Mapping[str, Mapping[str, str]]

    def get(self, language: str, key: str) -> str:
        """The text of `referral.<key>` in `language`, else in the fallback language."""
        full = f"referral.{key}"
        found = self.texts.get(language, {}).get(full)
        return found if found is not None else self.texts.get(self.default, {}).get(full, full)


@dataclass(frozen=True)
class Channel:
    kind: str
    value: str
    demo: bool = False


@dataclass(frozen=True)
class Organisation:
    """One referral organisation, as in its YAML entry."""

    id: str
    name: str
    kind: str
    file: str
    services: tuple[str, ...]
    channels: tuple[Channel, ...]
    about: Mapping[str, str]
    source: str
    labels: Labels = field(compare=False, repr=False)
    national: bool = False
    province: str | None = None
    districts: tuple[str, ...] = ()
    country: str | None = None
    hours: str | None = None
    cost: str = "unknown"
    women_focus: bool = False
    note: str | None = None
    demo: bool = False
    demo_fields: tuple[str, ...] = ()

    @property
    def has_demo(self) -> bool:
        """True when the entry or any of its fields is example data."""
        return self.demo or bool(self.demo_fields) or any(c.demo for c in self.channels)

    def is_demo(self, name: str) -> bool:
        """True when the field `name` is example data."""
        return self.demo or name in self.demo_fields


def _key(name: str) -> str:
    return " ".join(name.casefold().replace("-", " ").split())


@dataclass(frozen=True)
class Directory:
    """Every referral organisation, and the lookups the flows use."""

    organisations: tuple[Organisation, ...]
    ltsa_provinces: Mapping[str, str]
    labels: Labels
    _by_id: Mapping[str, Organisation] = field(default_factory=dict, repr=False)

    def get(self, id: str) -> Organisation | None:
        """The organisation with this id, or None."""
        return self._by_id.get(id)

    def hotlines(self) -> list[Organisation]:
        """Police 110/112, KP2MI 0800-1000 and SAPA 129, in that order."""
        return [self._by_id[i] for i in HOTLINES if i in self._by_id]

    def mission(self, country: str) -> list[Organisation]:
        """The Indonesian missions (KBRI, KJRI, KDEI) in a country, embassy first."""
        return [o for o in self.organisations if o.country and _key(o.country) == _key(country)]

    def find(
        self,
        service: str,
        *,
        ltsa: str | None,
        province: str | None,
        country: str | None,
        women: bool = False,
        limit: int = 3,
    ) -> list[Organisation]:
        """Organisations offering `service`, most local first; `women`: women's services first."""
        if service not in SERVICES:
            raise ValueError(f"unknown referral service {service!r}")
        if province is None and ltsa is not None:
            province = self.ltsa_provinces.get(ltsa)
        ranked: list[tuple[int, bool, int, Organisation]] = []
        for index, org in enumerate(self.organisations):
            level = _level(org, ltsa, province, country)
            if service in org.services and level is not None:
                ranked.append((level, women and not org.women_focus, index, org))
        ranked.sort(key=lambda item: item[:3])
        return [org for *_, org in ranked[:limit]]


def _level(
    org: Organisation, ltsa: str | None, province: str | None, country: str | None
) -> int | None:
    """0 mission in the user's country, 1 the user's district, 2 province, 3 another district
    of the province (only when the district is unknown), 4 national; None: not for this user."""
    if org.country is not None:
        return 0 if country is not None and _key(org.country) == _key(country) else None
    if org.province is not None:
        if province is None or _key(org.province) != _key(province):
            return None
        if not org.districts:
            return 2
        if ltsa is None:
            return 3
        return 1 if ltsa in org.districts else None
    return 4 if org.national else None


def format_organisation(org: Organisation, language: str) -> str:
    """A short chat card: name, about, channels, hours, cost, a note and the demo warning."""
    label = org.labels.get
    mark = " " + label(language, "demo_mark")
    lines = [org.name]
    about = org.about.get(language) or org.about.get(org.labels.default)
    if about:
        lines.append(about)
    for kind in CHANNELS:
        values = [
            c.value + (mark if c.demo and not org.demo else "")
            for c in org.channels
            if c.kind == kind
        ]
        if values:
            lines.append(f"{label(language, 'channel.' + kind)}: {', '.join(values)}")
    if org.hours:
        demo = mark if org.is_demo("hours") and not org.demo else ""
        lines.append(
            f"{label(language, 'field.hours')}: {label(language, 'hours.' + org.hours)}{demo}"
        )
    if org.cost == "free":
        lines.append(label(language, "free"))
    if org.note:
        lines.append(label(language, "note." + org.note))
    if org.demo:
        lines.append(label(language, "demo_note"))
    elif org.has_demo:
        lines.append(label(language, "demo_fields_note"))
    return "\n".join(lines)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str | int):
        return (str(value),)
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return tuple(str(v) for v in value)
    raise ContentError(f"{where}: expected a text or a list of texts")


def _channels(raw: Any, demo_fields: tuple[str, ...], where: str) -> tuple[Channel, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise ContentError(f"{where}: channels must map a kind (phone, whatsapp…) to values")
    whole = "channels" in demo_fields
    return tuple(
        Channel(
            str(kind),
            value,
            whole
            or f"channels.{kind}" in demo_fields
            or f"channels.{kind}={value}" in demo_fields,
        )
        for kind, values in raw.items()
        for value in _strings(values, f"{where}: channels.{kind}")
    )


def _organisation(raw: Any, file: str, labels: Labels) -> Organisation:
    if not isinstance(raw, Mapping) or not raw.get("id") or not raw.get("name"):
        raise ContentError(f"referrals/{file}: every entry needs at least an id and a name")
    where = f"referrals/{file}: {raw['id']}"
    about = raw.get("about") or {}
    if not isinstance(about, Mapping):
        raise ContentError(f"{where}: about must map a language to a sentence")
    demo_fields = _strings(raw.get("demo_fields"), f"{where}: demo_fields")

    def optional(name: str) -> str | None:
        return None if raw.get(name) is None else str(raw[name])

    return Organisation(
        id=str(raw["id"]),
        name=str(raw["name"]),
        kind=str(raw.get("kind", "")),
        file=file,
        services=_strings(raw.get("services"), f"{where}: services"),
        channels=_channels(raw.get("channels"), demo_fields, where),
        about={str(lang): str(text).strip() for lang, text in about.items() if text},
        source=str(raw.get("source") or "").strip(),
        national=bool(raw.get("national", False)),
        province=optional("province"),
        districts=_strings(raw.get("districts"), f"{where}: districts"),
        country=optional("country"),
        hours=optional("hours"),
        cost=str(raw.get("cost", "unknown")),
        women_focus=bool(raw.get("women_focus", False)),
        note=optional("note"),
        demo=bool(raw.get("demo", False)),
        demo_fields=demo_fields,
        labels=labels,
    )


def load_referrals(root: Path) -> Directory:
    """Reads the referral directory under the content folder `root`; raises ContentError."""
    languages = read_yaml(root / "languages.yml") or {}
    texts: dict[str, dict[str, str]] = {}
    for path in sorted(root.glob("locales/*/referrals.yml")):
        raw = read_yaml(path) or {}
        if not isinstance(raw, Mapping):
            raise ContentError(f"{path}: expected keys under referral:")
        texts[path.parent.name] = flatten(raw)
    labels = Labels(str(languages.get("default", "id")), texts)
    provinces: dict[str, str] = {}
    for path in sorted((root / "ltsa").glob("*.yml")):
        raw = read_yaml(path)
        if isinstance(raw, Mapping) and raw.get("slug"):
            provinces[str(raw["slug"])] = str(raw.get("province", ""))
    files = sorted((root / "referrals").glob("*.yml"))
    if not files:
        raise ContentError(f"{root / 'referrals'}: no referral files")
    organisations: list[Organisation] = []
    by_id: dict[str, Organisation] = {}
    for path in files:
        raw = read_yaml(path)
        entries = raw.get("organisations") if isinstance(raw, Mapping) else None
        if not isinstance(entries, list):
            raise ContentError(f"{path}: expected a list under organisations:")
        for entry in entries:
            org = _organisation(entry, path.name, labels)
            if org.id in by_id:
                raise ContentError(f"referrals/{path.name}: id {org.id} is used twice")
            by_id[org.id] = org
            organisations.append(org)
    return Directory(tuple(organisations), provinces, labels, by_id)
