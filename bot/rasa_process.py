"""The NLU server as a child process of the gateway.

`nlu/rasa-env/server.py`, in Rasa's environment: the trained Rasa model behind Rasa's own
`/model/parse` and `/status` routes, parsing the texts that arrive together as one batch
(`rasa run --enable-api` parses one at a time). It listens on loopback with a fresh token; the
supervisor waits until it answers, restarts it when it dies (with a growing pause, at most
30 s), and stops it on exit. Its output goes to `var/log/rasa.log`, never to the gateway's log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from bot.settings import Settings
from nlu.client import RasaClient
from nlu.gazetteer import Gazetteer
from nlu.train import ensure_model, rasa_env, rasa_python

log = logging.getLogger(__name__)


def free_port(preferred: int) -> int:
    """`preferred` when it is free on loopback, else any free port."""
    for port in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise OSError("no free port on 127.0.0.1")


class RasaSupervisor:
    """Starts, watches and stops one Rasa server."""

    def __init__(
        self,
        model: Path,
        root: Path,
        port: int,
        log_dir: Path,
        *,
        token: str | None = None,
        name: str = "rasa",
    ) -> None:
        self.model = model
        self.root = root
        self.port = free_port(port)
        self.token = token or secrets.token_urlsafe(24)
        self.log_path = log_dir / f"{name}.log"
        self._process: asyncio.subprocess.Process | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._stopping = False
        self.restarts = 0

    @property
    def stopping(self) -> bool:
        return self._stopping

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return self._process.pid if self._process is not None else None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Spawns the server and starts watching it."""
        await self._spawn()
        self._watcher = asyncio.create_task(self._watch(), name="rasa-supervisor")

    async def _spawn(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [
            str(rasa_python(self.root)),
            str(self.root / "nlu" / "rasa-env" / "server.py"),
            "--model",
            str(self.model),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        with self.log_path.open("ab") as out:
            self._process = await asyncio.create_subprocess_exec(
                *command,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
                stdin=asyncio.subprocess.DEVNULL,
                env={**rasa_env(self.root), "NLU_SERVER_TOKEN": self.token},
                cwd=self.root,
                start_new_session=True,
            )
        log.info("started Rasa (pid %s) on %s", self._process.pid, self.url)

    async def wait_ready(self, seconds: float) -> bool:
        """Waits until the server answers with its model loaded; False on timeout."""
        deadline = time.monotonic() + seconds
        async with httpx.AsyncClient(base_url=self.url, timeout=2.0) as client:
            while time.monotonic() < deadline:
                try:
                    response = await client.get("/status", params={"token": self.token})
                    if response.status_code == 200 and response.json().get("model_file"):
                        return True
                except (httpx.HTTPError, ValueError):
                    pass
                await asyncio.sleep(0.5)
        return False

    async def _watch(self) -> None:
        pause = 1.0
        while not self._stopping:
            process = self._process
            if process is None:
                return
            code = await process.wait()
            if self.stopping:
                return
            self.restarts += 1
            log.warning("Rasa exited with %s; restarting in %.0f s", code, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 30.0)
            await self._spawn()

    async def stop(self) -> None:
        """Stops the server (SIGTERM, then SIGKILL after 10 s) and the watcher."""
        self._stopping = True
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        process = self._process
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout=10)
        except TimeoutError:
            process.kill()
            await process.wait()
        log.info("stopped Rasa")


@asynccontextmanager
async def running_nlu(settings: Settings, root: Path) -> AsyncIterator[RasaClient]:
    """A client of a ready Rasa server: RASA_URL's, or one started for the duration."""
    if not settings.rasa_managed:
        client = RasaClient(settings.rasa_url, settings.rasa_token, Gazetteer.load())
        try:
            yield client
        finally:
            await client.close()
        return
    model, _how = ensure_model(settings.models_dir, settings.cache_dir, root)
    supervisor = RasaSupervisor(model, root, settings.rasa_port, settings.var_dir / "log")
    await supervisor.start()
    client = RasaClient(supervisor.url, supervisor.token, Gazetteer.load(), timeout=30.0)
    try:
        if not await supervisor.wait_ready(settings.rasa_start_timeout):
            raise RuntimeError(f"Rasa did not start; see {supervisor.log_path}")
        yield client
    finally:
        await client.close()
        await supervisor.stop()
