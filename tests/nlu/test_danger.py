"""The danger lexicon: a present danger is caught in every language; ordinary questions are not."""

from __future__ import annotations

import pytest

from nlu.client import Parse
from nlu.danger import danger_match, indicator_match
from nlu.understand import with_safety_net


@pytest.mark.parametrize(
    "text",
    [
        # Indonesian
        "tolong saya disekap majikan",
        "sy lagi dalam bahaya",
        "saya dikurung di kamar sama agen, ga boleh keluar rumah",
        "majikan ngancam mau bunuh saya",
        "TOLOOONG",
        "saya mau bunuh diri",
        # Javanese
        "tulung tulung",
        "aku dikunci majikan ning gudang",
        "majikan ngancam arep mateni aku",
        "kula ora oleh metu saka omah",
        # Sundanese
        "tulungan abdi",
        "abdi dikonci ku majikan di kamar",
        "teu kenging kaluar ti bumi",
        # Madurese
        "tolong sengko'",
        "kaula e konce' majikan, tolong",
        "tak olle kaluar dari roma",
    ],
)
def test_a_present_danger_is_caught(text: str) -> None:
    assert danger_match(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "help",
        "tolong info syarat paspor",
        "tolong dibantu daftar opp",
        "buka pukul 8 pagi kan?",
        "dokumen darurat apa saja",
        "tulung aku didaftarke opp rebo ngarep",
        "tolong kaula terro ngobrol kalaban admin",
        "paspor saya ditahan agen",  # exploitation: the classifier's job, not an emergency
        "berapa biaya skck",
    ],
)
def test_ordinary_questions_are_not_an_emergency(text: str) -> None:
    assert danger_match(text) is None


def test_the_net_overrides_a_misreading_but_keeps_a_protection_intent() -> None:
    misread = Parse("sy disekap majikan tolong", "faq/passport", 0.6, (("faq/passport", 0.6),))
    caught = with_safety_net(misread.text, misread)
    assert (caught.intent, caught.source) == ("emergency", "lexicon")
    assert caught.ranking[0] == ("emergency", 1.0)
    violence = Parse("tolong saya dipukuli majikan", "report_violence", 0.9)
    assert with_safety_net(violence.text, violence) is violence


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("paspor saya ditahan agen sejak datang", "report_exploitation"),
        ("wis 4 sasi gajiku durung dibayar majikan", "report_exploitation"),
        ("gajih abdi teu acan dibayar 3 bulan", "report_exploitation"),
        ("kerja 18 jam sehari tanpa libur", "report_exploitation"),
        ("berangkat pakai visa turis terus dipaksa kerja scam di kamboja", "report_trafficking"),
        ("lowongan di fb suruh transfer 5 juta, sekarang orangnya ilang", "report_trafficking"),
        # deception and being moved (written for this test, not taken from a held-out set)
        ("katanya kerja di restoran ternyata disuruh melayani tamu karaoke", "report_trafficking"),
        ("jarene dadi pelayan toko, jebule aku didol nang wong liya", "report_trafficking"),
        ("cenah rek digawekeun di pabrik, geuning dibawa ka kapal", "report_trafficking"),
        ("adik saya dipaksa kerja di tempat hiburan malam", "report_trafficking"),
        ("aku diliwatke jalur tikus karo calo", "report_trafficking"),
        # restricted movement and contact, wages, food, debt, intimidation
        ("sama agen ga boleh pulang sebelum 2 tahun", "report_exploitation"),
        ("hp ku disita majikan, ora oleh ngabari keluarga", "report_exploitation"),
        ("abdi teu dibere tuang ku majikan", "report_exploitation"),
        ("utange ora lunas lunas, gaji dipotong terus", "report_exploitation"),
        ("diancam dideportasi kalau lapor", "report_exploitation"),
        ("gaji sy ditahan majikan katanya buat tabungan", "report_exploitation"),
        # abuse, past or present
        ("nyonya sering nampar aku kalau masakan asin", "report_violence"),
        ("abdi sok diteunggeul ku salaki", "report_violence"),
        ("anak majikan suka grepe2 saya kalau malam, sy dilecehkan", "report_violence"),
        ("tiap hari dimaki2 sm nyonya", "report_violence"),
        ("majikan sering mokol kaula mon salah", "report_violence"),
    ],
)
def test_forced_labour_indicators_point_to_a_report(text: str, intent: str) -> None:
    assert indicator_match(text) == intent
    misread = Parse(text, "faq/passport", 0.8, (("faq/passport", 0.8),))
    assert with_safety_net(text, misread).intent == intent


@pytest.mark.parametrize(
    "text",
    [
        "syarat bikin paspor apa aja",
        "berapa gaji di taiwan",
        "iraha paspor tiasa dicandak",
        "paspor expired ga bisa pulang",  # stranded: a question for the FAQ, not a report
        "data sy dijual ga",
        "kalau kontrak belum habis boleh pulang ga",
        "gaji pertama kapan cair",
    ],
)
def test_questions_about_passports_and_wages_are_not_reports(text: str) -> None:
    assert indicator_match(text) is None


def test_the_alarm_detector_promotes_its_alarm_from_the_threshold_on() -> None:
    ranking = (("seek_counseling", 0.7), ("faq/complaint_channels", 0.2))
    text = "bapak saya kerja di kapal, katanya ga pernah dikasih istirahat"
    at = Parse(text, "seek_counseling", 0.7, ranking, alarm=("report_exploitation", 0.6))
    caught = with_safety_net(text, at, alarm_threshold=0.6)
    assert (caught.intent, caught.source) == ("report_exploitation", "detector")
    assert caught.ranking[:2] == (("report_exploitation", 1.0), ("seek_counseling", 0.7))
    below = with_safety_net(text, at, alarm_threshold=0.61)
    assert below.intent == "seek_counseling"  # a protection intent the model chose is kept


def test_the_models_own_alarm_and_the_lexicon_come_before_the_detector() -> None:
    violence = Parse(
        "majikan mukul adik sy",
        "report_violence",
        0.8,
        (("report_violence", 0.8),),
        alarm=("report_exploitation", 0.9),
    )
    assert with_safety_net(violence.text, violence) is violence
    danger = Parse(
        "tolong saya disekap majikan",
        "faq/passport",
        0.6,
        (("faq/passport", 0.6),),
        alarm=("report_trafficking", 0.9),
    )
    assert with_safety_net(danger.text, danger).intent == "emergency"
    calm = Parse("halo min", "greet", 0.9, (("greet", 0.9),), alarm=("emergency", 0.1))
    assert with_safety_net(calm.text, calm) is calm
