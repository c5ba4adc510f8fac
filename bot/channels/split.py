"""Long texts cut into platform-sized parts: at paragraphs, else lines, else words.

Lengths are counted the way a platform counts them (`measure`): Telegram counts UTF-16 code
units, so an emoji takes two.
"""

from __future__ import annotations

from collections.abc import Callable

Measure = Callable[[str], int]
_SEPARATORS = ("\n\n", "\n", " ")


def utf16_length(text: str) -> int:
    """The length of `text` in UTF-16 code units (what Telegram's limits count)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int, measure: Measure = len) -> list[str]:
    """`text` in parts of at most `limit`, cut at the largest boundary that fits."""
    if limit < 1:
        raise ValueError("limit must be positive")
    text = text.strip()
    if measure(text) <= limit:
        return [text]
    return [part for part in _split(text, limit, measure, 0) if part]


def _split(text: str, limit: int, measure: Measure, level: int) -> list[str]:
    if measure(text) <= limit:
        return [text.strip()]
    if level == len(_SEPARATORS):
        return _hard_cut(text, limit, measure)
    separator = _SEPARATORS[level]
    parts: list[str] = []
    current = ""
    for piece in text.split(separator):
        candidate = f"{current}{separator}{piece}" if current else piece
        if measure(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current.strip())
        if measure(piece) <= limit:
            current = piece
        else:
            parts += _split(piece, limit, measure, level + 1)
            current = ""
    if current:
        parts.append(current.strip())
    return parts


def _hard_cut(text: str, limit: int, measure: Measure) -> list[str]:
    """A word longer than the limit (a URL, a wall of characters): cut by characters."""
    parts: list[str] = []
    current = ""
    for ch in text:
        if measure(current + ch) > limit:
            parts.append(current)
            current = ""
        current += ch
    if current:
        parts.append(current)
    return parts
