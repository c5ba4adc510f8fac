"""Long texts cut at paragraphs, then lines, then words, then characters; never over the limit."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.channels.split import split_text, utf16_length


def test_a_short_text_is_one_part() -> None:
    assert split_text("  halo  ", 10) == ["halo"]


def test_paragraphs_are_kept_together_when_they_fit() -> None:
    text = "satu dua\n\ntiga empat\n\nlima"
    assert split_text(text, 20) == ["satu dua\n\ntiga empat", "lima"]


def test_a_long_paragraph_is_cut_at_lines_then_words() -> None:
    assert split_text("aaa bbb\nccc ddd", 8) == ["aaa bbb", "ccc ddd"]
    assert split_text("aaa bbb ccc", 7) == ["aaa bbb", "ccc"]


def test_a_word_longer_than_the_limit_is_cut_by_characters() -> None:
    assert split_text("x" * 10, 4) == ["xxxx", "xxxx", "xx"]


def test_emoji_count_twice_in_utf16() -> None:
    assert utf16_length("🛂a") == 3
    assert split_text("🛂🛂🛂", 4, utf16_length) == ["🛂🛂", "🛂"]


@given(st.text(alphabet=st.sampled_from("ab \n🛂é"), max_size=400), st.integers(2, 50))
def test_no_part_is_over_the_limit_and_no_word_is_lost(text: str, limit: int) -> None:
    parts = split_text(text, limit, utf16_length)
    assert all(utf16_length(p) <= limit for p in parts)
    assert "".join(parts).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace(
        "\n", ""
    )
