"""The referral directory: it loads, finds the most local help first, and its cards say
what is example data, in every language; the content check catches broken entries."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.content_check import check_content
from bot.referrals import Directory, Organisation, format_organisation, load_referrals
from tests.conftest import ROOT

LANGUAGES = ("id", "jv", "su", "mad")
DEMO_NOTE = {
    "id": "(Data contoh",
    "jv": "(Data conto",
    "su": "(Data conto",
    "mad": "(Data conto",
}
_NUMBER = re.compile(r"\+?\d[\d.,/–-]*\d|\d")


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_referrals(ROOT / "content")


def _ids(found: list[Organisation]) -> list[str]:
    return [org.id for org in found]


def test_the_directory_loads_every_area(directory: Directory) -> None:
    files = {org.file for org in directory.organisations}
    assert files == {
        "national.yml",
        "jawa-timur.yml",
        "jawa-barat.yml",
        "jawa-tengah.yml",
        "lampung.yml",
        "abroad.yml",
    }
    assert len({org.id for org in directory.organisations}) == len(directory.organisations)
    assert directory.ltsa_provinces["ponorogo"] == "Jawa Timur"
    assert directory.get("wcc-mawar-balqis") is not None
    assert directory.get("no-such-id") is None
    for slug in ("tulungagung", "blitar", "cirebon", "lampung-timur"):
        assert any(o.id == f"mrc-{slug}" and slug in o.districts for o in directory.organisations)


def test_a_ponorogo_violence_referral_is_local_first(directory: Directory) -> None:
    found = directory.find("violence", ltsa="ponorogo", province=None, country=None, limit=6)
    assert _ids(found)[:2] == ["uptd-ppa-ponorogo", "uptd-ppa-jawa-timur"]
    assert all(o.national for o in found[2:])
    assert not any(o.country or (o.province and o.province != "Jawa Timur") for o in found)


def test_a_woman_in_cirebon_gets_the_womens_crisis_centre(directory: Directory) -> None:
    found = directory.find("violence", ltsa="cirebon", province=None, country=None, women=True)
    assert found[0].id == "wcc-mawar-balqis"
    assert found[0].women_focus
    everyone = directory.find("counselling", ltsa="cirebon", province=None, country=None)
    assert "mrc-cirebon" in _ids(everyone)


def test_district_services_stay_in_their_district(directory: Directory) -> None:
    found = directory.find("violence", ltsa="blitar", province=None, country=None, limit=20)
    assert "uptd-ppa-ponorogo" not in _ids(found)
    assert _ids(found)[0] in {"mrc-blitar", "uptd-ppa-blitar"}


def test_missions_are_found_by_country(directory: Directory) -> None:
    missions = directory.mission("Malaysia")
    assert missions[0].id == "kbri-kuala-lumpur"
    assert {"kjri-johor-bahru", "kjri-kuching"} <= set(_ids(missions))
    assert all(o.kind == "mission" and o.country == "Malaysia" for o in missions)
    found = directory.find("exploitation", ltsa="ponorogo", province=None, country="Malaysia")
    assert found[0].id == "kbri-kuala-lumpur"
    at_home = directory.find("exploitation", ltsa="ponorogo", province=None, country=None)
    assert not any(o.kind == "mission" for o in at_home)
    for country in ("Taiwan", "Hong Kong", "Singapura", "Korea Selatan", "Jepang", "Arab Saudi"):
        assert directory.mission(country), country


def test_hotlines_come_in_a_fixed_order_with_the_exact_numbers(directory: Directory) -> None:
    police, kp2mi, sapa = directory.hotlines()
    assert (police.id, kp2mi.id, sapa.id) == ("police", "kp2mi", "sapa-129")

    def values(org: Organisation, kind: str) -> list[str]:
        return [c.value for c in org.channels if c.kind == kind]

    assert values(police, "phone")[0] == "110"
    assert values(kp2mi, "phone") == ["0800-1000"]
    assert values(kp2mi, "phone_abroad") == ["+62-21-2924-4800"]
    assert values(sapa, "phone")[0] == "129"
    assert values(sapa, "whatsapp") == ["08111-129-129"]


def test_an_unknown_service_is_a_programming_error(directory: Directory) -> None:
    with pytest.raises(ValueError):
        directory.find("visa", ltsa=None, province=None, country=None)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_card_shows_the_channels_and_says_what_is_example_data(
    directory: Directory, language: str
) -> None:
    for org in directory.organisations:
        card = format_organisation(org, language)
        assert card.startswith(org.name + "\n")
        assert org.about[language] in card
        for channel in org.channels:
            assert channel.value in card, (org.id, channel)
        assert (DEMO_NOTE[language] in card) == org.demo, org.id
    uptd = directory.get("uptd-ppa-ponorogo")
    assert uptd is not None and "SAPA 129" in format_organisation(uptd, language)
    police = format_organisation(directory.hotlines()[0], language)
    mark = directory.labels.get(language, "demo_mark")
    assert f"112 {mark}" in police and f"110 {mark}" not in police
    assert directory.labels.get(language, "demo_fields_note") in police


def test_the_labels_exist_in_every_language(directory: Directory) -> None:
    keys = set(directory.labels.texts["id"])
    assert keys
    for language in LANGUAGES:
        assert set(directory.labels.texts[language]) == keys


def test_every_about_has_the_same_numbers_in_every_language(directory: Directory) -> None:
    differ = [
        (org.id, language)
        for org in directory.organisations
        for language in LANGUAGES[1:]
        if sorted(_NUMBER.findall(org.about[language])) != sorted(_NUMBER.findall(org.about["id"]))
    ]
    assert differ == []


def _broken_copy(tmp_path: Path, entry: str) -> Path:
    root = tmp_path / "content"
    shutil.copytree(ROOT / "content", root)
    with (root / "referrals" / "national.yml").open("a", encoding="utf-8") as fh:
        fh.write(entry)
    return root


def test_the_content_check_passes_and_warns_on_demo_entries() -> None:
    report = check_content(ROOT / "content")
    assert [e for e in report.errors if "referrals" in e] == []
    assert any("referrals/jawa-timur.yml: demo data in" in w for w in report.warnings)


def test_the_content_check_catches_a_bad_entry(tmp_path: Path) -> None:
    root = _broken_copy(
        tmp_path,
        """
  - id: broken
    name: Broken entry
    kind: charity
    province: Jawa Timur
    districts: [surabaya]
    services: [violence, visa]
    source: ""
    about:
      id: Hanya bahasa Indonesia.
""",
    )
    errors = "\n".join(check_content(root).errors)
    for problem in (
        "broken: unknown service visa",
        "broken: no about in jv",
        "broken: unknown LTSA surabaya",
        "broken: unknown kind charity",
        "broken: needs services, a source, and a channel or a note",
    ):
        assert problem in errors


def test_the_content_check_catches_a_bad_mission_and_a_duplicate_id(tmp_path: Path) -> None:
    mission = """
  - id: kbri-atlantis
    name: KBRI Atlantis
    kind: mission
    country: Atlantis
    national: true
    services: [emergency]
    note: safe_travel
    source: none
    about: {id: a, jv: a, su: a, mad: a}
"""
    errors = "\n".join(check_content(_broken_copy(tmp_path / "a", mission)).errors)
    assert "kbri-atlantis: country Atlantis is not a gazetteer name" in errors
    assert "kbri-atlantis: needs exactly one area" in errors
    duplicate = mission.replace("kbri-atlantis", "police")
    errors = "\n".join(check_content(_broken_copy(tmp_path / "b", duplicate)).errors)
    assert "cannot load" in errors and "id police is used twice" in errors
