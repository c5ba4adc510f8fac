"""A message's text: what is stored (`clean_text`) and what the NLU is given (`nlu_text`)."""

from __future__ import annotations

import unicodedata

MAX_NLU_CHARS = 1000
_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f"}


def clean_text(raw: str) -> str:
    """The text as stored: NFC, without NULs and control characters (newlines and tabs kept);
    a lone surrogate (a broken JSON escape) becomes U+FFFD."""
    text = unicodedata.normalize("NFC", raw)
    kept = (ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in kept)


def storable_id(value: str) -> bool:
    """True for an identifier (a sender, a platform message id) that every database stores as it
    is: no control characters (PostgreSQL refuses NUL) and no lone surrogates (not UTF-8)."""
    return not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value)


def nlu_text(text: str) -> str:
    """The text given to the NLU: no invisible characters, collapsed spaces, capped in length."""
    visible = "".join(
        ch for ch in text if ch not in _INVISIBLE and unicodedata.category(ch) != "Mn"
    )
    return " ".join(visible.split())[:MAX_NLU_CHARS]
