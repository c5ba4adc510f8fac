"""Encryption at rest of what people tell the service: message texts and case notes.

The key is derived from `LTSA_SECRET_KEY` with HKDF-SHA256 (its own `info`, so the session
signing key and this one never coincide) and used with Fernet (AES-128-CBC + HMAC-SHA256, a
random IV per value). `EncryptedText` is the column type: values are written as
`enc:v1:<fernet token>` and read back as text; rows written before encryption (no prefix) are
read as they are, so the migration does not have to rewrite old data.

The key is set once per process at start-up (`configure`, in `bot.services.start`); a command
that opens the database without it (`ltsa content gaps`, …) gets the key the service would use,
from the settings, on first use.

    CryptoError
     └── EncryptionKeyMissing   LTSA_SECRET_KEY is empty
    (an unreadable value is returned as UNREADABLE and logged, never raised)

Changing `LTSA_SECRET_KEY` makes the texts stored under the old key unreadable.
"""

from __future__ import annotations

import base64
import logging

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Dialect, Text, TypeDecorator

log = logging.getLogger(__name__)

PREFIX = "enc:v1:"
UNREADABLE = "⚠ [teks tidak bisa dibuka: kunci berbeda]"
_INFO = b"ltsa-assistant/at-rest/v1"

_fernet: Fernet | None = None


class CryptoError(Exception):
    """Encryption at rest cannot work."""


class EncryptionKeyMissing(CryptoError):
    """A text column was used before `configure()` set the key."""


def derive_key(secret: str, info: bytes = _INFO) -> bytes:
    """32 bytes of key material for `info`, derived from the service's secret."""
    if not secret:
        raise EncryptionKeyMissing("LTSA_SECRET_KEY is empty")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info)
    return hkdf.derive(secret.encode("utf-8"))


def configure(secret: str) -> None:
    """Sets the process's encryption key from LTSA_SECRET_KEY (idempotent)."""
    global _fernet
    _fernet = Fernet(base64.urlsafe_b64encode(derive_key(secret)))


def _cipher() -> Fernet:
    if _fernet is None:
        from bot.settings import load_settings  # the same key as the service, read once

        configure(load_settings().secret_key)
    if _fernet is None:  # pragma: no cover - configure() sets it or raises
        raise EncryptionKeyMissing("no encryption key")
    return _fernet


def encrypt(text: str) -> str:
    """The stored form of a text."""
    return PREFIX + _cipher().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(stored: str) -> str:
    """The text of a stored value; values without the prefix were stored in clear."""
    if not stored.startswith(PREFIX):
        return stored
    try:
        return _cipher().decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        log.error("an encrypted text could not be decrypted (was LTSA_SECRET_KEY changed?)")
        return UNREADABLE


class EncryptedText(TypeDecorator[str]):
    """A Text column whose values are encrypted at rest."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else decrypt(value)
