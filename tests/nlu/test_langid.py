"""Language identification of chat messages: regional languages, Malay as Indonesian, no crashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.langid import (
    PROFILES_DIR,
    SUPPORTED,
    LanguageDetector,
    build_profile,
    marker_scores,
    neutral_words,
)
from nlu.langid_charlm import CharModel, count_ngrams, normalise
from nlu.langid_corpus import is_dev


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("saya mau tanya syarat bikin paspor", "id"),
        ("gimana cara daftar bpjs ketenagakerjaan ya kak", "id"),
        ("aku arep takon piye carane gawe paspor", "jv"),
        ("kula badhe nyuwun pirsa babagan visa", "jv"),
        ("wis tekan endi berkasku mas", "jv"),
        ("abdi hoyong naros kumaha carana ngadamel paspor", "su"),
        ("punten teh, abdi teu acan gaduh ktp", "su"),
        ("sabaraha biayana ka taiwan kang", "su"),
        ("sengko' terro tanya baramma carana daftar", "mad"),
        ("kaula ta' ngaghungi paspor, baramma?", "mad"),
        ("bada se bisa ebanto ta' tretan", "mad"),
    ],
)
def test_short_chat_messages(detector: LanguageDetector, text: str, language: str) -> None:
    assert detector.detect(text).language == language


@pytest.mark.parametrize(
    "text",
    [
        "saya nak tanya macam mana nak memohon pasport",
        "boleh saya tahu berapa kos untuk permit kerja",
        "terima kasih banyak atas bantuan tuan",
    ],
)
def test_malay_is_reported_as_indonesian(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text).language == "id"


@pytest.mark.parametrize("text", ["", "   ", "👍🙏", "12345", "?!", "😭😭😭 😭"])
def test_text_without_words_falls_back_to_indonesian(
    detector: LanguageDetector, text: str
) -> None:
    detection = detector.detect(text)
    assert detection.language == "id"
    assert detection.words == 0
    assert not detection.confident


def test_detection_is_a_distribution_over_supported(detector: LanguageDetector) -> None:
    detection = detector.detect("aku ora ngerti carane")
    assert set(detection.scores) == set(SUPPORTED)
    assert sum(detection.scores.values()) == pytest.approx(1.0)
    assert detection.confidence == max(detection.scores.values())
    assert detection.language in SUPPORTED


def test_confident_needs_three_words(detector: LanguageDetector) -> None:
    assert not detector.detect("matur nuwun").confident
    assert detector.detect("matur nuwun sanget nggih mas").confident


def test_english_and_emoji_mixed_text_does_not_crash(detector: LanguageDetector) -> None:
    detection = detector.detect("hello 👋 can you help me pls")
    assert detection.language == "id"


def test_detection_is_deterministic(detector: LanguageDetector) -> None:
    texts = ["opp kapan ya", "sampun daftar dereng", "teu acan", "ta' bisa", "ok"]
    first = [detector.detect(t) for t in texts]
    again = LanguageDetector.read()  # a fresh detector, not the cached one
    assert [detector.detect(t) for t in texts] == first
    assert [again.detect(t) for t in texts] == first


def test_marker_words_count_per_language() -> None:
    assert marker_scores(["aku", "ora", "teu"]) == {"jv": 2.0, "su": 1.0}
    assert marker_scores(["saya", "bpjs"]) == {"id": 0.5}


def test_neutral_words_are_equally_frequent_everywhere() -> None:
    words = {
        "id": {"10": "saya", "4": "bpjs", "1": "paspor"},
        "jv": {"10": "aku", "5": "bpjs", "1": "paspor"},
        "su": {"10": "abdi", "4": "bpjs"},
        "mad": {"10": "kaula", "3": "bpjs", "1": "paspor"},
    }
    assert neutral_words(words) == frozenset({"bpjs"})


def test_char_model_prefers_the_language_it_was_built_from() -> None:
    javanese = CharModel(count_ngrams(["aku arep mulih sesuk", "aku ora ngerti"] * 3))
    sundanese = CharModel(count_ngrams(["abdi bade uih enjing", "abdi teu ngartos"] * 3))
    text = normalise("aku arep takon")
    assert javanese.score(text) > sundanese.score(text)


def test_normalise_keeps_apostrophes_and_shortens_stretched_letters() -> None:
    assert normalise("Sengko’ TA`  bisa!!! pisannn 123") == " sengko' ta' bisa pisann "


def test_profiles_built_from_texts_make_a_detector() -> None:
    corpus = {
        "id": ["saya mau pulang besok pagi", "apa syaratnya untuk daftar"],
        "jv": ["aku arep mulih sesuk esuk", "apa syarate kanggo daftar"],
        "su": ["abdi bade uih isukan enjing", "naon syaratna kanggo daptar"],
        "mad": ["sengko' terro mole lagghu", "apa syaratta ghabay daftar"],
    }
    detector = LanguageDetector(
        {lang: build_profile(lang, texts) for lang, texts in corpus.items()}
    )
    assert detector.detect("aku arep mulih").language == "jv"
    assert detector.detect("").language == "id"


def test_dev_split_is_stable_and_about_one_in_five() -> None:
    texts = [f"contoh pesan nomor {n}" for n in range(2000)]
    share = sum(map(is_dev, texts)) / len(texts)
    assert 0.15 < share < 0.25
    assert is_dev("Daftar OPP ") == is_dev("daftar opp")


@pytest.mark.parametrize("path", sorted(PROFILES_DIR.glob("*.json")), ids=lambda p: p.stem)
def test_committed_profiles_stay_small(path: Path) -> None:
    assert path.stat().st_size < 1_000_000
