"""What the browser tests share: Debian's Chromium, and `ltsa serve` run for real."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.helpers import closed_port

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LTSA = str(ROOT / ".venv" / "bin" / "ltsa")


def service_env(tmp: Path, secret: str, **extra: str) -> dict[str, str]:
    """The environment of `ltsa serve` under test: a free port, SQLite and var/ in `tmp`, the
    NLU unreachable (typed text degrades to buttons), no escalation sweeps during the test."""
    return {
        **os.environ,
        "PORT": str(closed_port()),
        "DATABASE_URL": f"sqlite:///{tmp}/ltsa.db",
        "LTSA_VAR_DIR": str(tmp / "var"),
        "RASA_URL": f"http://127.0.0.1:{closed_port()}",
        "RASA_TOKEN": "t",
        "LTSA_SECRET_KEY": secret,
        "LTSA_CASE_SWEEP_SECONDS": "3600",
        **extra,
    }


def need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser)")


def add_staff(env: dict[str, str], *account: str) -> None:
    """`ltsa staff add …` against the service's database."""
    added = subprocess.run(
        [LTSA, "staff", "add", *account],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert added.returncode == 0, added.stderr


@contextmanager
def serving(env: dict[str, str], tmp: Path) -> Iterator[str]:
    """`ltsa serve` with `env` (PORT set) until it is healthy; its URL; stopped afterwards."""
    log = (tmp / "serve.log").open("w")
    process = subprocess.Popen([LTSA, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{env['PORT']}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, (tmp / "serve.log").read_text()[-3000:]
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the service did not start in 90 s"
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
