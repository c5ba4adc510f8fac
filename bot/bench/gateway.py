"""A real gateway for the benchmarks: `ltsa serve` as its own process, on a fresh database.

    with running_gateway(database_url, workdir, {"RASA_PROCESSES": "2"}) as gw:
        gw.url, gw.pid, gw.rasa_pids(), gw.metrics()

It starts like `make run` ends (uvicorn, the Rasa server as its child), with Server-Timing on
and its own var/ directory; it is ready when `/healthz` says the NLU is ok.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot.bench.machine import children, command_of
from bot.rasa_process import free_port
from bot.settings import ROOT


@dataclass
class Gateway:
    """A running gateway process."""

    url: str
    process: subprocess.Popen[bytes]
    started: float
    ready_s: float = 0.0

    @property
    def pid(self) -> int:
        return self.process.pid

    def rasa_pids(self) -> list[int]:
        """The Rasa servers it started."""
        return [p for p in children(self.pid) if "rasa" in command_of(p)]

    def worker_pids(self) -> list[int]:
        """Its worker processes (GATEWAY_WORKERS > 1); the gateway itself otherwise."""
        spawned = [p for p in children(self.pid) if "spawn_main" in command_of(p)]
        return spawned or [self.pid]

    def metrics(self) -> dict[str, float]:
        """`GET /metrics` as {"name{labels}": value}."""
        text = httpx.get(f"{self.url}/metrics", timeout=10).text
        values: dict[str, float] = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                with contextlib.suppress(ValueError):
                    values[name] = float(value)
        return values


def wait_healthy(url: str, within: float, process: subprocess.Popen[bytes]) -> float:
    """Seconds until `/healthz` says database and NLU are ok; raises when it never does."""
    started = time.monotonic()
    with httpx.Client(base_url=url, timeout=2.0) as client:
        while time.monotonic() - started < within:
            if process.poll() is not None:
                raise RuntimeError(f"the gateway exited with {process.returncode}")
            with contextlib.suppress(httpx.HTTPError, ValueError):
                body = client.get("/healthz").json()
                if body.get("nlu") == "ok" and body.get("database") == "ok":
                    return time.monotonic() - started
            time.sleep(0.25)
    raise TimeoutError(f"the gateway was not healthy within {within:.0f} s")


def stop(process: subprocess.Popen[bytes], grace: float = 30.0) -> None:
    """SIGTERM to the process group (its Rasa servers stop with it), SIGKILL after `grace`."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextmanager
def running_gateway(
    database_url: str,
    workdir: Path,
    env: dict[str, str] | None = None,
    ready_within: float = 600.0,
) -> Iterator[Gateway]:
    """`ltsa serve` on a free port against `database_url`; stopped on exit."""
    port = free_port(0)
    environ = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_URL": database_url,
        "LTSA_VAR_DIR": str(workdir / "var"),
        "LTSA_SECRET_KEY": "bench-secret-key",
        "LTSA_SERVER_TIMING": "true",
        "RASA_PORT": str(free_port(0)),
        "LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    for name in ("RASA_URL", "TELEGRAM_TOKEN", "WHATSAPP_TOKEN"):
        if name not in (env or {}):
            environ.pop(name, None)
    workdir.mkdir(parents=True, exist_ok=True)
    log = (workdir / "gateway.log").open("ab")
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [str(ROOT / ".venv" / "bin" / "ltsa"), "serve"],
        env=environ,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    gateway = Gateway(f"http://127.0.0.1:{port}", process, time.monotonic())
    try:
        gateway.ready_s = wait_healthy(gateway.url, ready_within, process)
        yield gateway
    finally:
        rasa = gateway.rasa_pids()
        stop(process)
        for pid in rasa:  # normally stopped by the gateway; not left behind if it was killed
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        log.close()
