"""`.env.example` stays true to the settings: every variable once, nothing it does not read."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import fields
from pathlib import Path

from bot.settings import ROOT, Settings, load_settings

ASSIGNMENT = re.compile(r"^#?\s*([A-Z][A-Z0-9_]+)=", re.MULTILINE)


def _example() -> Counter[str]:
    return Counter(ASSIGNMENT.findall((ROOT / ".env.example").read_text(encoding="utf-8")))


def test_every_setting_is_in_env_example_exactly_once() -> None:
    names = [f.metadata["env"] for f in fields(Settings)]
    listed = _example()
    assert [n for n in names if n not in listed] == []
    assert [n for n, count in listed.items() if count > 1] == []
    assert [n for n in listed if n not in names] == []


def test_the_example_values_load_as_they_are(tmp_path: Path) -> None:
    """Copying .env.example to .env changes nothing surprising: every value parses."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    pairs = dict(
        line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#")
    )
    settings = load_settings(pairs, secret_key="x" * 32)
    assert settings.port == 8000
    assert settings.var_dir == ROOT / "var"
    assert settings.cache_dir == Path.home() / ".cache" / "ltsa-assistant"
    assert not settings.telegram_enabled and not settings.whatsapp_enabled
