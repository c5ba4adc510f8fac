"""Short messages decided before the model: "ya", "nggak", "makasih", "P", "menu".

One- and two-word messages are where a statistical model errs most (they carry no context),
and they are a closed set in every language. A message matches only when *all* its words form
a known phrase, so "ya saya mau daftar OPP" still goes to the model.
"""

from __future__ import annotations

import re

from nlu.client import Parse

PHRASES: dict[str, str] = {
    "greet": """
        halo|hallo|helo|hello|hai|hay|hi|hy|p|pp|ping|permisi|misi|tes|test|selamat pagi
        |selamat siang|selamat sore|selamat malam|pagi|siang|sore|malam|met pagi|met siang
        |met sore|met malam
        |assalamualaikum|assalamu'alaikum|assalamualaikum wr wb|asalamualaikum|assalamualaikum min
        |salam|salam kenal|halo min|halo kak|hai kak|hai min|pagi min|pagi kak|siang min|min|kak
        |sugeng enjing|sugeng siang|sugeng sonten|sugeng dalu|kulonuwun|kula nuwun|nuwun sewu
        |punten|sampurasun|wilujeng enjing|wilujeng siang|wilujeng sonten|wilujeng wengi
        |salamet pagi|salamet siang|salamet sore|salamet malem|halo lur|mas|mbak|bu|pak
        """,
    "thanks": """
        makasih|makasi|makasih ya|makasih kak|makasih min|makasih banyak|terima kasih|terimakasih
        |trimakasih|trima kasih|terima kasih banyak|thanks|thank you|thx|tq|ty|tks|trims|mksh|mks
        |suwun|matur nuwun|maturnuwun|matur suwun|maturnuwun sanget|matur nuwun sanget|nuwun
        |suwun lur|hatur nuhun|haturnuhun|nuhun|nuhun pisan|hatur nuhun pisan|sakalangkong
        |kalangkong|sakalangkong ongghu|oke makasih|ok makasih|siap makasih
        """,
    "affirm": """
        ya|iya|iyaa|iyah|y|yes|yup|yap|ok|oke|okay|okey|okee|sip|siap|setuju|betul|benar|bener
        |boleh|mau|iya mau|ya mau|bisa|lanjut|gas|iya kak|ya kak|iya min|nggih|nggeh|inggih
        |enggih|injih|iyo|yo|ho oh|hooh|he'em|heem|iya lur|muhun|enya|sumuhun|heueuh|leres
        |mangga|engghi|enggi|iye|iyeh|sae|cocok
        """,
    "deny": """
        tidak|tdk|gak|ga|gk|nggak|ngga|enggak|engga|no|nope|bukan|jangan|ndak|nda|tak|nggak usah
        |gak usah|ga usah|tidak usah|tidak mau|gak mau|ga mau|nanti saja|nanti aja|ora|emoh|mboten
        |boten|ora usah|ra usah|mboten usah|teu|henteu|moal|embung|teu acan|teu kedah|enja'
        |enje'|enjek|bunten|bhunten|ta' usah|tak usah|sanes|banne
        """,
    "goodbye": """
        bye|bye bye|dadah|dah|daah|sampai jumpa|sampai nanti|pamit|pamit dulu|permisi dulu
        |wassalam|wassalamualaikum|selamat tinggal|see you|cu|pareng|pamit rumiyin
        |nyuwun pamit|mangga ah|dugi ka pendak deui|pamit heula
        """,
    "ask_menu": """
        menu|help|bantuan|mulai|start|menu utama|lihat menu|daftar menu|pilihan|info|informasi
        |layanan|menu dong|menune|menuna
        """,
    # announcements (flows.subscription); inside a protection conversation a typed
    # "berhenti …" still ends that conversation first (flows.safety.is_stop)
    "unsubscribe": """
        berhenti langganan|stop langganan|berhenti berlangganan|batal langganan|henti langganan
        |hentikan langganan|keluar langganan|unsubscribe|gak mau langganan lagi
        |tidak mau langganan lagi|mandheg langganan|mandeg langganan|mandek langganan
        |mboten langganan malih|ora langganan maneh|wis ora langganan|eureun langganan
        |ngeureunkeun langganan|tos teu langganan|teu hoyong langganan deui|ambu langganan
        |ta' langganan pole|tak langganan pole
        """,
    "subscribe": """
        langganan|mau langganan|mau langganan info|langganan info|langganan pengumuman
        |ikut langganan|daftar langganan|mau dapat info|mau dapat pengumuman|berlangganan
        |badhe langganan|badhe langganan info|kersa langganan info|pengin langganan info
        |arep langganan info|melu langganan|hoyong langganan|hoyong langganan info
        |bade langganan info|palay langganan info|terro langganan|terro langganan info
        |endha' langganan info|ngereng langganan info
        """,
    "human_request": """
        petugas|admin|cs|operator|customer service|manusia|staf|staff|operator dong
        |admin dong|hubungi petugas|minta petugas
        """,
}

_INDEX = {
    phrase.strip(): intent
    for intent, phrases in PHRASES.items()
    for phrase in re.split(r"\|", " ".join(phrases.split()))
    if phrase.strip()
}
_REPEAT = re.compile(r"(\w)\1{2,}")  # "makasiiih" -> "makasih", "yaaa" -> "ya"
_PUNCT = re.compile(r"[^\w\s']")


def normalise(text: str) -> str:
    """Lower case, no punctuation or emoji, letters repeated for emphasis collapsed."""
    lowered = _PUNCT.sub(" ", text.lower().replace("’", "'"))
    return " ".join(_REPEAT.sub(r"\1", lowered).split())


def is_gibberish(text: str) -> bool:
    """Keyboard mashing or one letter held down ("aaaaaaaa…", "asdfasdfasdf…"): no words to
    read, whatever the model would guess from its characters."""
    letters = [ch for ch in text.lower() if ch.isalpha()]
    if len(letters) >= 12 and len(set(letters)) <= 3:
        return True
    return any(len(word) > 60 and not word.startswith("http") for word in text.split())


def rule_parse(text: str) -> Parse | None:
    """The intent of a short closed-class message (or `nlu_fallback` for gibberish), or None
    to ask the model."""
    key = normalise(text)
    intent = None
    if key and len(key.split()) <= 4:
        intent = _INDEX.get(key)
        if intent is None:
            key = _REPEAT_TWO.sub(r"\1", key)  # "yaa" once more after collapsing to two
            intent = _INDEX.get(key)
    if intent is None and is_gibberish(text):
        intent = "nlu_fallback"
    if intent is None:
        return None
    return Parse(text=text, intent=intent, confidence=1.0, ranking=((intent, 1.0),), source="rule")


_REPEAT_TWO = re.compile(r"(\w)\1+")
