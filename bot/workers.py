"""Several gateway processes on one port (`GATEWAY_WORKERS` > 1, PostgreSQL only).

One Python process answers on one core; a district's peak (an OPP day, a crisis abroad in
the news) needs more. The parent does, once, what must happen once:

    the database migrated and the LTSA directory synced
    the NLU model found (or trained) and the Rasa servers started and ready
    the port bound

and then starts the workers, which share the listening socket (the kernel hands each new
connection to one of them). Each worker is the app `ltsa serve` runs, parsing with the
parent's Rasa servers. What runs in the background runs in every worker, safely: the outbox
sender, the scheduler, the broadcast worker and the case sweeper claim their rows with
`FOR UPDATE SKIP LOCKED`, and a chat's next message is claimable only once the one before it
is sent, so its order holds. A platform's overall rate is shared out: each worker sends at
most 1/N of it. Telegram polling (getUpdates) runs in the first worker only.

A worker that dies is started again within a second; SIGTERM or SIGINT stops the workers
(each finishes its requests), then the Rasa servers. `/metrics` adds up every worker's
counters (Prometheus multiprocess mode, files under var/metrics/).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import sys
from dataclasses import replace
from multiprocessing.process import BaseProcess

from bot.settings import Settings

log = logging.getLogger(__name__)

METRICS_ENV = "PROMETHEUS_MULTIPROC_DIR"
STOP_GRACE_S = 15.0


def worker_settings(settings: Settings, servers: list[str], token: str, index: int) -> Settings:
    """A worker's settings: the parent's Rasa servers, its share of the platform rates, and
    Telegram polling only in the first."""
    share = max(1, settings.gateway_workers)
    return replace(
        settings,
        rasa_url=",".join(servers),
        rasa_token=token,
        telegram_rate=settings.telegram_rate / share,
        whatsapp_rate=settings.whatsapp_rate / share,
        telegram_polling=settings.telegram_polling and index == 0,
    )


def bind(host: str, port: int) -> socket.socket:
    """The listening socket all workers accept on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _worker(settings: Settings, sock: socket.socket, index: int) -> None:
    """One worker process: the app on the shared socket (imports after the metrics setting)."""
    logging.basicConfig(
        level=logging.INFO,
        format=f"%(asctime)s %(levelname)s %(name)s[w{index}]: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # Bot API URLs carry the token
    import uvicorn

    from bot.app import create_app

    app = create_app(settings, prepared=True)
    config = uvicorn.Config(
        app,
        log_level=settings.log_level.lower(),
        access_log=False,  # paths carry sender ids; requests are counted in /metrics instead
        timeout_graceful_shutdown=10,
    )
    uvicorn.Server(config).run(sockets=[sock])


class Workers:
    """The worker processes: started, watched, started again, stopped."""

    def __init__(self, settings: Settings, servers: list[str], token: str) -> None:
        self.settings = settings
        self.servers = servers
        self.token = token
        self.context = multiprocessing.get_context("spawn")
        self.processes: list[BaseProcess | None] = [None] * settings.gateway_workers
        self.sock = bind(settings.host, settings.port)

    def start(self, index: int) -> None:
        process = self.context.Process(
            target=_worker,
            args=(
                worker_settings(self.settings, self.servers, self.token, index),
                self.sock,
                index,
            ),
            name=f"ltsa-worker-{index}",
            daemon=False,
        )
        process.start()
        self.processes[index] = process
        log.info("gateway worker %d started (pid %s)", index, process.pid)

    def restart_dead(self) -> None:
        from prometheus_client import multiprocess

        for index, process in enumerate(self.processes):
            if process is not None and process.exitcode is not None:
                log.warning(
                    "gateway worker %d exited with %s; starting it again", index, process.exitcode
                )
                if process.pid is not None:
                    multiprocess.mark_process_dead(process.pid)  # type: ignore[no-untyped-call]
                self.start(index)

    def stop(self, interrupted: bool) -> None:
        """Stops every worker: SIGTERM, then SIGKILL after a grace. After a Ctrl-C the
        terminal has already sent each worker SIGINT, and a second signal would make uvicorn
        drop the requests in flight: they are given a moment to finish first."""
        alive = [p for p in self.processes if p is not None and p.exitcode is None]
        if interrupted:
            for process in alive:
                process.join(STOP_GRACE_S / 3)
            alive = [p for p in alive if p.exitcode is None]
        for process in alive:
            process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        for process in alive:
            process.join(STOP_GRACE_S)
            if process.exitcode is None:
                process.kill()
                process.join(5)
        self.sock.close()


def metrics_dir(settings: Settings) -> str:
    """An empty folder for the workers' metric files (what an earlier run left is gone)."""
    path = settings.var_dir / "metrics"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return str(path)


async def _run(settings: Settings) -> int:
    from bot import services
    from bot.content import load_content
    from bot.db.engine import Database
    from bot.settings import ROOT

    db = Database(settings.database_url, ROOT, pool_size=1)
    try:
        await services.prepare_database(settings, db, load_content(ROOT / "content"))
    finally:
        await db.dispose()
    stopping = asyncio.Event()
    received: list[int] = []
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        received.append(signum)
        stopping.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal, signum)
    rasa = await services.start_rasa(settings)
    workers: Workers | None = None
    try:
        ready = asyncio.create_task(rasa.wait_ready(settings.rasa_start_timeout))
        stop = asyncio.create_task(stopping.wait())
        await asyncio.wait({ready, stop}, return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        stop.cancel()
        if stopping.is_set():  # stopped while Rasa was loading
            return 0
        workers = Workers(settings, rasa.urls, rasa.token)
        for index in range(settings.gateway_workers):
            workers.start(index)
        log.info(
            "starting %d gateway workers on http://%s:%s/ (each says when it is ready)",
            settings.gateway_workers,
            settings.host,
            settings.port,
        )
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=1.0)
            if not stopping.is_set():
                workers.restart_dead()
    finally:
        if workers is not None:
            await asyncio.to_thread(workers.stop, signal.SIGINT in received)
        await rasa.stop()
    return 0


def serve(settings: Settings) -> int:
    """Runs the parent until SIGTERM/SIGINT; the workers and Rasa stop with it."""
    os.environ[METRICS_ENV] = metrics_dir(settings)  # inherited by the spawned workers
    return asyncio.run(_run(settings))
