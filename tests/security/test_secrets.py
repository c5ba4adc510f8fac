"""The secret scan finds what it must (tokens built here at run time, so this file holds none)
and the repository holds none of it."""

from __future__ import annotations

from bot.security import scan, scan_text, tracked_files

DIGITS = "1234567890"
TELEGRAM = DIGITS[:9] + ":AA" + "Fq3xZ_k9" * 4 + "b"
META = "EAA" + "Gm0PX4ZCps" * 8
KEY = "-----BEGIN " + "PRIVATE KEY-----"
URL = "postgresql://ltsa:" + "s3cr3t-pw" + "@db.example.org/ltsa"


def test_each_kind_of_credential_is_found() -> None:
    text = "\n".join(
        [f"TELEGRAM_TOKEN={TELEGRAM}", f"token = '{META}'", KEY, f"DATABASE_URL={URL}"]
    )
    kinds = [f.kind for f in scan_text(text, "x.env")]
    assert kinds == ["Telegram bot token", "Meta access token", "private key", "password in a URL"]
    assert [f.line for f in scan_text(text, "x.env")] == [1, 2, 3, 4]


def test_placeholders_and_marked_fakes_are_not_findings() -> None:
    text = "\n".join(
        [
            "TELEGRAM_TOKEN=",
            "DATABASE_URL=postgresql://ltsa@127.0.0.1:5432/ltsa",
            "url = 'postgresql://user:${PASSWORD}@host/db'",
            f"FAKE = '{TELEGRAM}'  # allow-secret: the fake API's token",
            "123456:ABC",
        ]
    )
    assert scan_text(text, "x") == []


def test_the_repository_holds_no_credentials() -> None:
    assert scan(tracked_files()) == []
