"""`ltsa broadcast send` queues an announcement for the running service; `status` follows it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main
from bot.community.subscriptions import subscribe
from bot.db import queries as q
from bot.db.engine import Database
from tests.conftest import ROOT

TEXT = "Pendaftaran OPP bulan depan dibuka hari Senin di kantor LTSA.\n"


async def _subscriber(url: str) -> None:
    db = Database(url, ROOT)
    await db.migrate()
    async with db.transaction() as session:
        for sender, village in (("a", "Paringan"), ("b", "Ngrayun")):
            user = await q.user_for(session, "web", sender)
            await subscribe(session, user.id, "ponorogo", village)
    await db.dispose()


def test_broadcast_send_and_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/ltsa.db"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("LTSA_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("LTSA_SECRET_KEY", "test-secret-key")
    asyncio.run(_subscriber(url))
    text = tmp_path / "pengumuman.txt"
    text.write_text(TEXT, encoding="utf-8")
    args = ["broadcast", "send", "--ltsa", "ponorogo", "--text-file", str(text)]
    assert main([*args, "--village", "desa paringan", "--dry-run"]) == 0
    assert "would reach 1 subscriber(s) (ponorogo, village Paringan)" in capsys.readouterr().out
    assert main(args) == 0
    assert "queued for 2 subscriber(s) (ponorogo, whole district)" in capsys.readouterr().out
    assert main(["broadcast", "status", "--ltsa", "ponorogo"]) == 0
    listing = capsys.readouterr().out
    assert "cli" in listing and "sent 0/2, waiting 2, failed 0" in listing
    assert main(["broadcast", "send", "--ltsa", "atlantis", "--text-file", str(text)]) == 2
    assert "unknown LTSA" in capsys.readouterr().out
    text.write_text("pendek", encoding="utf-8")
    assert main(args) == 2
    assert "10 to 600 characters" in capsys.readouterr().out
