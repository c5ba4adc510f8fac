"""Turns a flow's actions into messages in the user's language.

Adjacent `Say`s join into one message; an `Ask` ends the message with its buttons. Parameters
fill `{name}` placeholders; an `ltsa` parameter also provides the LTSA's fields (`{ltsa_name}`,
`{ltsa_address}`, …), an `org` parameter the referral card (`{org_text}`); dates are written in
the user's language.
"""

from __future__ import annotations

import datetime as dt
import logging
import string
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.channels.base import Button, Outgoing
from bot.content import Content
from bot.referrals import format_organisation
from flows.actions import Action, Ask, Option, Say

log = logging.getLogger(__name__)


class _Params(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        log.error("content placeholder {%s} has no value", key)
        return "…"


def placeholders(template: str) -> set[str]:
    """The `{names}` a template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class Renderer:
    """Content keys and parameters -> text and buttons, in one language."""

    def __init__(self, content: Content) -> None:
        self.content = content

    def text(self, language: str, key: str, params: Mapping[str, Any] | None = None) -> str:
        """One content text with its placeholders filled."""
        template = self.content.text(language, key)
        values = _Params(self._values(language, params or {}))
        try:
            return template.format_map(values)
        except (ValueError, IndexError):
            log.error("content text %s is not a valid template", key)
            return template

    def render(
        self, actions: Iterable[Action], language: str, extra: Mapping[str, Any] | None = None
    ) -> list[Outgoing]:
        """The messages for `actions`; `extra` adds parameters to every text (a case number)."""
        messages: list[Outgoing] = []
        pending: list[str] = []
        for action in actions:
            if isinstance(action, Say):
                pending.append(self.text(language, action.key, {**(extra or {}), **action.params}))
            elif isinstance(action, Ask):
                pending.append(self.text(language, action.key, {**(extra or {}), **action.params}))
                buttons = tuple(self.button(language, option) for option in action.options)
                messages.append(Outgoing("\n\n".join(pending), buttons))
                pending = []
        if pending:
            messages.append(Outgoing("\n\n".join(pending)))
        return messages

    def button(self, language: str, option: Option) -> Button:
        title = (
            option.label if option.literal else self.text(language, option.label, option.params)
        )
        return Button(title=title, payload=option.payload)

    def _values(self, language: str, params: Mapping[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, value in params.items():
            values[name] = self._format_value(language, value)
        slug = params.get("ltsa")
        if isinstance(slug, str) and slug in self.content.ltsa:
            values.update(self.ltsa_fields(language, slug))
        org = params.get("org")
        directory = self.content.referrals
        if isinstance(org, str) and directory is not None:
            found = directory.get(org)
            values["org_text"] = format_organisation(found, language) if found else org
        desk = params.get("desk")  # a desk code also gives its name: {desk_name}
        if isinstance(desk, str) and self.content.has(language, f"desk.{desk}"):
            values["desk_name"] = self.content.text(language, f"desk.{desk}")
        return values

    def _format_value(self, language: str, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return f"{self.date(language, value.date())} {value:%H.%M}"
        if isinstance(value, dt.date):
            return self.date(language, value)
        if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
            try:
                return self.date(language, dt.date.fromisoformat(value))
            except ValueError:
                return value
        return value

    def date(self, language: str, day: dt.date) -> str:
        """ "Rabu, 5 Maret 2026" in the user's language."""
        days = self.content.text(language, "calendar.days").split(",")
        months = self.content.text(language, "calendar.months").split(",")
        return (
            f"{days[day.weekday()].strip()}, {day.day} {months[day.month - 1].strip()} {day.year}"
        )

    def ltsa_fields(self, language: str, slug: str) -> dict[str, str]:
        """The LTSA's directory entry as `{ltsa_*}` placeholders."""
        entry = self.content.ltsa[slug]
        data = entry.data
        days = [d.strip() for d in self.content.text(language, "calendar.days").split(",")]
        hours = _lines(
            f"{_day_range(days, h.get('days', ''))}: {h.get('open', '')}–{h.get('close', '')}"
            for h in data.get("hours", ())
        )
        desk_names = {
            desk: self.content.text(language, f"desk.{desk}") for desk in _all_desks(data)
        }
        here = ", ".join(desk_names[d] for d in data.get("desks_here", ()))
        elsewhere = _lines(
            f"{desk_names[desk]}: {place}"
            for desk, place in (data.get("desks_elsewhere") or {}).items()
        )
        contacts = _lines(f"{k}: {v}" for k, v in (data.get("contacts") or {}).items())
        opp = data.get("opp") or {}
        opp_text = ""
        if opp:
            weekday = days[_WEEKDAYS.index(opp["day"])] if opp.get("day") in _WEEKDAYS else ""
            opp_text = f"{weekday} {opp.get('time', '')}, {opp.get('place', '')}".strip(" ,")
        demo = self.content.text(language, "ltsa.demo_note") if entry.demo_fields else ""
        return {
            "ltsa_name": entry.name,
            "ltsa_address": str(data.get("address", "")),
            "ltsa_hours": hours,
            "ltsa_desks_here": here,
            "ltsa_desks_elsewhere": elsewhere,
            "ltsa_contacts": contacts,
            "ltsa_opp": opp_text,
            "ltsa_demo_note": demo,
        }


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _day_range(days: Sequence[str], spec: str) -> str:
    """ "monday-thursday" -> "Senin–Kamis" in the user's language."""
    parts = [p.strip() for p in spec.split("-")]
    names = [days[_WEEKDAYS.index(p)] for p in parts if p in _WEEKDAYS]
    return "–".join(names)


def _all_desks(data: Mapping[str, Any]) -> list[str]:
    return [*data.get("desks_here", ()), *(data.get("desks_elsewhere") or {})]


def _lines(items: Iterable[str]) -> str:
    return "\n".join(f"• {item}" for item in items)
