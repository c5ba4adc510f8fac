"""`ltsa staff add` / `list`: console accounts from the command line (interfaces.md)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main, staff_cmd
from bot.console.auth import password_matches
from bot.db import staff_queries as sq
from bot.db.engine import Database
from bot.db.models import Staff
from tests.conftest import ROOT


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/ltsa.db")
    monkeypatch.setenv("LTSA_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("LTSA_SECRET_KEY", "test-secret-key")
    return tmp_path


def stored(tmp_path: Path, email: str) -> Staff:
    async def read() -> Staff | None:
        db = Database(f"sqlite:///{tmp_path}/ltsa.db", ROOT)
        try:
            async with db.transaction() as session:
                return await sq.staff_by_email(session, email)
        finally:
            await db.dispose()

    staff = asyncio.run(read())
    assert staff is not None
    return staff


def test_staff_add_with_a_password(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    account = ["--email", "Admin@LTSA.test", "--name", "Admin", "--role", "ltsa_admin"]
    extra = ["--password", "a long enough password", "--ltsa", "ponorogo", "--gender", "female"]
    code = main(["staff", "add", *account, *extra])
    assert code == 0
    assert "admin@ltsa.test (ltsa_admin)" in capsys.readouterr().out
    staff = stored(env, "admin@ltsa.test")
    assert (staff.role, staff.ltsa_slug, staff.gender) == ("ltsa_admin", "ponorogo", "female")
    assert staff.password_hash.startswith("$argon2id$")
    assert password_matches(staff.password_hash, "a long enough password")
    assert main(["staff", "list"]) == 0
    assert "admin@ltsa.test" in capsys.readouterr().out


def test_staff_add_asks_for_the_password_twice(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["typed on the terminal", "typed on the terminal"])
    monkeypatch.setattr(staff_cmd.getpass, "getpass", lambda prompt: next(answers))
    assert (
        main(["staff", "add", "--email", "s@ltsa.test", "--name", "S", "--role", "supervisor"])
        == 0
    )
    assert password_matches(stored(env, "s@ltsa.test").password_hash, "typed on the terminal")


@pytest.mark.parametrize(
    "argv",
    [
        ["--password", "short"],
        ["--password", "a long enough password", "--email", "dup@ltsa.test"],
    ],
)
def test_staff_add_refuses_short_passwords_and_duplicates(
    env: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["staff", "add", "--email", "dup@ltsa.test", "--name", "D", "--role", "case_worker"]
    assert main([*base, "--password", "a long enough password"]) == 0
    assert main([*base, *argv]) == 1
    assert capsys.readouterr().err


def test_staff_add_knows_the_roles(env: Path) -> None:
    with pytest.raises(SystemExit):
        main(["staff", "add", "--email", "x@ltsa.test", "--name", "X", "--role", "boss"])


def test_a_deactivated_account_is_kept_but_cannot_log_in(env: Path) -> None:
    base = ["staff", "add", "--email", "old@ltsa.test", "--name", "O", "--role", "case_worker"]
    assert main([*base, "--password", "a long enough password"]) == 0
    assert main(["staff", "deactivate", "--email", "OLD@ltsa.test"]) == 0
    staff = stored(env, "old@ltsa.test")
    assert not staff.active and staff.session_epoch == 1
    assert main(["staff", "deactivate", "--email", "nobody@ltsa.test"]) == 1
