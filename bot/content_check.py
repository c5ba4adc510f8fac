"""`ltsa content check`: is `content/` complete and consistent?

Errors (the check fails): unreadable files, a key missing in a language, placeholders that
differ between languages, a topic without source, an answer longer than a phone screen, an
LTSA entry missing fields, a referral entry without source, languages or a known service, area
or channel. Warnings: `last_verified` older than 12 months, long button labels, demo referrals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from bot import referrals
from bot.content import Content, ContentError, load_content
from bot.render import placeholders
from nlu.gazetteer import Gazetteer
from nlu.intents import FAQ_TOPICS, INTENTS

MAX_ANSWER = 600
MAX_LABEL = 24  # WhatsApp list rows; reply buttons take 20
LTSA_FIELDS = (
    "slug",
    "name",
    "district",
    "province",
    "address",
    "hours",
    "desks_here",
    "contacts",
    "sources",
)
DESKS = ("imigrasi", "kepolisian", "kesehatan", "dukcapil", "disnaker", "kp2mi", "bpjs", "bank")


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_content(root: Path, today: dt.date | None = None) -> Report:
    """Every problem found in the content folder."""
    report = Report()
    try:
        content = load_content(root)
    except (ContentError, KeyError, TypeError, AttributeError) as exc:
        report.errors.append(f"cannot load content: {exc}")
        return report
    _check_keys(content, report)
    _check_faq(content, report, today or dt.date.today())
    _check_labels(content, report)
    _check_ltsa(content, report)
    _check_referrals(content, report)
    return report


def _check_keys(content: Content, report: Report) -> None:
    base = content.default_language
    keys = set(content.texts[base])
    for lang in content.languages:
        have = set(content.texts.get(lang, {}))
        report.errors += [f"{lang}: missing {k}" for k in sorted(keys - have)]
        report.errors += [f"{lang}: {k} is not in {base}" for k in sorted(have - keys)]
        for key in sorted(keys & have):
            if placeholders(content.texts[lang][key]) != placeholders(content.texts[base][key]):
                report.errors.append(f"{lang}: {key} has placeholders different from {base}")
    for lang in content.languages:
        days = content.texts[lang].get("calendar.days", "").split(",")
        months = content.texts[lang].get("calendar.months", "").split(",")
        if len(days) != 7 or len(months) != 12:
            report.errors.append(f"{lang}: calendar needs 7 days and 12 months")
    for intent in INTENTS:
        key = "intent." + intent.replace("/", ".")
        if key not in keys:
            report.errors.append(f"{base}: no button label {key}")


def _check_faq(content: Content, report: Report, today: dt.date) -> None:
    for name, topic in content.faq.items():
        if name not in FAQ_TOPICS:
            report.errors.append(f"faq.yml: {name} is not a faq intent of the contract")
        if not topic.source.strip():
            report.errors.append(f"faq.yml: {name} has no source")
        try:
            verified = dt.date.fromisoformat(topic.verified)
        except ValueError:
            report.errors.append(f"faq.yml: {name} last_verified is not a date")
        else:
            if (today - verified).days > 365:
                report.warnings.append(
                    f"faq.yml: {name} last verified {verified}, over 12 months ago"
                )
        keys = [f"faq.{name}.answer"]
        for part in topic.parts:
            keys += [f"faq.{name}.parts.{part}.label", f"faq.{name}.parts.{part}.text"]
        for lang in content.languages:
            for key in keys:
                text = content.texts[lang].get(key)
                if text is None:
                    report.errors.append(f"{lang}: missing {key}")
                elif not key.endswith(".label") and len(text) > MAX_ANSWER:
                    report.errors.append(
                        f"{lang}: {key} has {len(text)} characters (at most {MAX_ANSWER})"
                    )


def _check_labels(content: Content, report: Report) -> None:
    for lang in content.languages:
        for key, text in content.texts[lang].items():
            is_label = key.startswith(("intent.", "menu.")) or key.endswith(".label")
            if (
                is_label
                and key not in {"menu.prompt", "menu.groups", "menu.topics"}
                and len(text) > MAX_LABEL
            ):
                report.errors.append(
                    f"{lang}: button label {key} has {len(text)} characters (at most {MAX_LABEL})"
                )


def _check_ltsa(content: Content, report: Report) -> None:
    for slug, entry in content.ltsa.items():
        data = entry.data
        for name in LTSA_FIELDS:
            if not data.get(name):
                report.errors.append(f"ltsa/{slug}.yml: missing {name}")
        for desk in [*data.get("desks_here", ()), *(data.get("desks_elsewhere") or {})]:
            if desk not in DESKS:
                report.errors.append(f"ltsa/{slug}.yml: unknown desk {desk}")
        for topic, rule in entry.rules.items():
            if topic not in FAQ_TOPICS:
                report.errors.append(f"ltsa/{slug}.yml: rule for unknown topic {topic}")
            if not rule.source:
                report.errors.append(f"ltsa/{slug}.yml: rule {topic} has no source")
            for lang in content.languages:
                if f"ltsa.{slug}.rules.{topic}" not in content.texts[lang]:
                    report.errors.append(f"ltsa/{slug}.yml: rule {topic} has no {lang} text")
        if entry.demo_fields:
            report.warnings.append(f"ltsa/{slug}.yml: demo data in {', '.join(entry.demo_fields)}")


def _check_referrals(content: Content, report: Report) -> None:
    try:
        directory = referrals.load_referrals(content.root)
    except ContentError as exc:
        report.errors.append(f"cannot load referrals: {exc}")
        return
    countries = set(Gazetteer.load().values.get("country", {}))
    provinces = {entry.province for entry in content.ltsa.values()}
    demo: dict[str, list[str]] = {}
    for org in directory.organisations:
        bad = [f"unknown service {s}" for s in org.services if s not in referrals.SERVICES]
        bad += [
            f"unknown channel {c.kind}" for c in org.channels if c.kind not in referrals.CHANNELS
        ]
        bad += [f"no about in {lang}" for lang in content.languages if not org.about.get(lang)]
        bad += [f"unknown LTSA {d}" for d in org.districts if d not in content.ltsa]
        bad += [f"unknown demo field {f}" for f in org.demo_fields if not _demo_field(f)]
        if not org.services or not org.source or not (org.channels or org.note):
            bad.append("needs services, a source, and a channel or a note")
        if [org.national, org.province is not None, org.country is not None].count(True) != 1:
            bad.append("needs exactly one area: national, province or country")
        if org.province is not None and org.province not in provinces:
            bad.append(f"no LTSA in province {org.province}")
        if org.country is not None and org.country not in countries:
            bad.append(f"country {org.country} is not a gazetteer name")
        for name, value, allowed in (
            ("kind", org.kind, referrals.KINDS),
            ("hours", org.hours, referrals.HOURS),
            ("cost", org.cost, referrals.COSTS),
            ("note", org.note, referrals.NOTES),
        ):
            if value is not None and value not in allowed:
                bad.append(f"unknown {name} {value}")
        report.errors += [f"referrals/{org.file}: {org.id}: {problem}" for problem in bad]
        if org.has_demo:
            demo.setdefault(org.file, []).append(org.id)
    for hotline in referrals.HOTLINES:
        if directory.get(hotline) is None:
            report.errors.append(f"referrals: the hotline {hotline} is missing")
    for file, ids in demo.items():
        report.warnings.append(f"referrals/{file}: demo data in {', '.join(ids)}")


def _demo_field(name: str) -> bool:
    """`hours`, `channels`, `channels.phone` or one value, `channels.phone=112`."""
    kind = name.split("=")[0].removeprefix("channels.")
    return name in referrals.DEMO_FIELDS or (
        name.startswith("channels.") and kind in referrals.CHANNELS
    )
