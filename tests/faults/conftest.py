"""Fixtures for fault tests: a private PostgreSQL server to restart, a gateway process to kill.

The private server is the machine's PostgreSQL binaries (/usr/lib/postgresql/*/bin) with its
own data directory in a temporary folder and its own loopback port: restarting it never
touches the shared server on 5432. initdb refuses to run as root, so as root it runs as the
`postgres` system user (which Debian's server package creates).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.helpers import closed_port


def _postgres_bin() -> Path | None:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name)
    )
    return found[-1].parent if found else None


@dataclass
class PrivatePostgres:
    """A PostgreSQL server of our own: start, stop, restart it at will."""

    bin: Path
    data: Path
    port: int
    user: str | None  # run as this system user (when we are root)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        return subprocess.run(
            [*prefix, *command], capture_output=True, text=True, timeout=timeout, check=True
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.data / "server.log")
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", log, "-w", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A fresh PostgreSQL cluster on a free port, removed afterwards."""
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql")
    user = None
    base = Path(tempfile.mkdtemp(prefix="ltsa-pg-"))
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run initdb as")
        user = "postgres"
        os.chown(base, account.pw_uid, account.pw_gid)
    server = PrivatePostgres(bin_dir, base / "data", closed_port(), user)
    server._run(
        str(bin_dir / "initdb"),
        "-D",
        str(server.data),
        "-A",
        "trust",
        "-U",
        "postgres",
        "-E",
        "UTF8",
        "--no-sync",
        timeout=120,
    )
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            server.stop("immediate")
        shutil.rmtree(base, ignore_errors=True)


@dataclass
class Served:
    """`ltsa serve` as a real process (uvicorn), on its own port."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup, as in a crash."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


def serve(env: dict[str, str], log: Path, ready_within: float = 120.0) -> Served:
    """Starts the gateway and waits until /healthz answers (NLU down is fine)."""
    port = closed_port()
    environ = {**os.environ, **env, "PORT": str(port), "LOG_LEVEL": "WARNING"}
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "ltsa"), "serve"],
            env=environ,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    served = Served(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + ready_within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the gateway exited: {log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{served.url}/healthz", timeout=2).status_code == 200:
                return served
        time.sleep(0.2)
    served.kill()
    raise AssertionError(f"the gateway did not start within {ready_within:.0f} s")
