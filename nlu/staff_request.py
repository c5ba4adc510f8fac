"""Asking for a female case worker: "mau petugas perempuan", "nyuwun petugas estri",
"hoyong petugas istri", "ngiding petugas bine'".

A closed set of words, matched by rule in every language (with Rasa up or down): a word for a
woman together with a word for a staff member or for talking to one. "Saya perempuan, mau
tanya paspor" is not a request: it names no staff member. The pipeline adds the entity
`staff_gender: female` to the message; the handoff flow reads it.
"""

from __future__ import annotations

import re

FEMALE = frozenset(
    {
        *("perempuan", "prempuan", "perempun", "wanita", "cewek", "cewe"),
        *("wedok", "wadon", "estri", "setri"),  # Javanese
        *("istri", "awewe", "awéwé", "bikang"),  # Sundanese
        *("bine'", "bine", "binè'", "binè", "bini'", "binik", "babine'"),  # Madurese
    }
)
# "istri" is also "wife" in Indonesian: with a verb alone ("bicara dgn istri") it is no request
AMBIGUOUS = frozenset({"istri", "estri", "setri"})
STAFF = frozenset(
    {
        *("petugas", "petugase", "petugasipun", "staf", "staff", "admin", "pegawai"),
        *("pendamping", "konselor", "operator", "cs"),
    }
)
TALK = frozenset(
    {"bicara", "ngobrol", "ngomong", "matur", "nyarios", "dilayani", "ditangani", "diladosi"}
)


def _words(text: str) -> set[str]:
    lowered = text.lower().replace("’", "'")
    return {w.strip("-") for w in re.findall(r"[\wéè'-]+", lowered)}


def female_staff_requested(text: str) -> bool:
    """True when the message asks for a female staff member."""
    words = _words(text)
    female = words & FEMALE
    return bool(female and (words & STAFF or (female - AMBIGUOUS and words & TALK)))
