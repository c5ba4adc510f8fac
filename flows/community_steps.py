"""Steps the community flows share: a village as typed, cancel words, the flows' buttons.

Not a flow itself: `subscription`, `coordinator` and `announce` build on these.
"""

from __future__ import annotations

import re

from flows.actions import Option
from flows.payload import payload
from flows.turn import Turn

_PREFIX = re.compile(r"^(desa|ds\.?|kelurahan|kel\.?|kalurahan)\s+", re.IGNORECASE)
_VILLAGE = re.compile(r"^[^\W\d_][\w'\-]*(?:[ .][\w'\-]+)*$")
# "batal" typed while writing or choosing: the step is left, nothing is kept
_CANCEL = frozenset(
    {"batal", "batalkan", "cancel", "gak jadi", "ga jadi", "nggak jadi", "tidak jadi"}
    | {"ora sida", "mboten sios", "teu jadi", "henteu jadi", "ta' jadi", "tak jadi"}
)


def validate_village(text: str) -> str | None:
    """A village name as typed ("desa paringan" -> "Paringan"); 2-60 characters."""
    cleaned = _PREFIX.sub("", " ".join(text.split()).strip(" .,"))
    if not 2 <= len(cleaned) <= 60 or cleaned.startswith("/") or not _VILLAGE.match(cleaned):
        return None
    return " ".join(word[:1].upper() + word[1:].lower() for word in cleaned.split())


def is_cancel(turn: Turn, step: str) -> bool:
    """True when the user pressed this step's "Batal" or typed a cancel word."""
    if turn.is_button:
        return turn.intent == step and (turn.payload or {}).get("cancel") is True
    return " ".join(turn.text.lower().split()).strip(" .!") in _CANCEL


def cancel_option(step: str) -> Option:
    return Option("community.button.cancel.label", payload(step, cancel=True))


def menu_option() -> Option:
    return Option("menu.main", payload("ask_menu"))
