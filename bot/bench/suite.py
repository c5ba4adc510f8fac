"""The whole benchmark run behind `make bench`: every measurement, one fresh database each.

gateway      one message's cost in-process (bot.bench.pathcost); then
             ltsa serve (uvicorn + Rasa) on a fresh PostgreSQL database: texts at 1, 20
             and 100 conversations, buttons at 20 and 100, repeated texts, memory;
             profiled with py-spy; then with GATEWAY_WORKERS=2 and no parse cache: texts
             and buttons at 100; and texts at 100 with more Rasa processes
             (--rasa-processes)
booking      the booking race (bot.bench.booking_race): 500 at once; and 50 in flight, from
             fresh processes and from processes that have booked before
broadcast    the other developers' broadcast benchmark (bot.bench.broadcast), if present
cold start   `make run` to a healthy service, with the model and without (trains; skipped
             with --quick)
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.bench import booking_race, coldstart, latency, pathcost
from bot.bench.database import fresh_database, postgres_version
from bot.bench.gateway import Gateway, running_gateway
from bot.bench.machine import Machine, describe, rss_mb
from bot.bench.profile import Profile, record, summarise

log = logging.getLogger(__name__)
WORKERS = 2  # GATEWAY_WORKERS of the second gateway: one per core
# presses each race process makes on another session before the race with 50 in flight: a
# fresh process's first presses also pay for compiling statements and opening connections
# (measured with one process and 25 in flight: 300-380 ms, against 120-140 ms after them),
# which a gateway that has been running has done; with two processes the p99 barely moves
# (421 ms fresh, 457 ms warmed up in one run): there its tail is the bookings themselves
WARM_UP = 50


@dataclass
class Results:
    """Everything the report shows."""

    machine: Machine
    engine: str = ""
    scenarios: list[latency.Result] = field(default_factory=list)
    multi: list[latency.Result] = field(default_factory=list)
    rasa_processes: int = 2
    memory: dict[str, tuple[float, float]] = field(default_factory=dict)
    gateway_ready_s: float = 0.0
    profiles: dict[str, Profile] = field(default_factory=dict)
    race: dict[str, Any] = field(default_factory=dict)
    race_50: dict[str, Any] = field(default_factory=dict)  # warmed up, as a running gateway
    race_50_cold: dict[str, Any] = field(default_factory=dict)  # from fresh processes
    broadcast: dict[str, Any] | None = None
    broadcast_note: str = ""
    cold: dict[str, float | str] = field(default_factory=dict)
    path: dict[str, pathcost.Cost] = field(default_factory=dict)  # one message, in-process


def _profiled(
    gateway: Gateway, work: Path, name: str, seconds: int, scenario: Callable[[], Any]
) -> Profile | None:
    """Runs `scenario` while py-spy samples the gateway (its first worker) for `seconds`."""
    out = work / f"profile-{name}.txt"
    done: list[Path | None] = []
    pid = gateway.worker_pids()[0]

    async def both() -> None:
        spy = asyncio.create_task(asyncio.to_thread(record, pid, seconds, out))
        await asyncio.sleep(1.0)  # py-spy attached
        await asyncio.to_thread(scenario)
        done.append(await spy)

    asyncio.run(both())
    return summarise(done[0]) if done and done[0] else None


def gateway_runs(results: Results, url: str, work: Path, rasa_processes: int) -> None:
    """Latency, throughput, memory and profiles through a real gateway process."""
    texts = latency.corpus()
    with running_gateway(url, work / "one") as gw:
        results.gateway_ready_s = round(gw.ready_s, 1)
        latency.run(gw, "warm-up", "text", latency.texts_for(texts, 0, 4, 5), "warm")
        start = 20
        for conversations, each in ((1, 60), (20, 12), (100, 6)):
            messages = latency.texts_for(texts, start, conversations, each)
            start += conversations * each
            result = latency.run(
                gw, f"text x{conversations}", "text", messages, f"t{conversations}"
            )
            results.scenarios.append(result)
            log.info("%s: %s", result.name, result.as_dict())
        repeated = latency.texts_for(texts, start - 600, 100, 6)
        results.scenarios.append(latency.run(gw, "text x100, repeated", "text", repeated, "rep"))
        for conversations, each in ((20, 30), (100, 20)):
            messages = latency.buttons_for(conversations, each)
            result = latency.run(
                gw, f"buttons x{conversations}", "button", messages, f"b{conversations}"
            )
            results.scenarios.append(result)
            log.info("%s: %s", result.name, result.as_dict())
        results.memory["gateway"] = rss_mb(gw.pid)
        for i, pid in enumerate(gw.rasa_pids()):
            results.memory[f"Rasa {i + 1}" if i else "Rasa"] = rss_mb(pid)
        buttons = latency.buttons_for(100, 20)
        profile = _profiled(
            gw, work, "buttons", 8, lambda: latency.run(gw, "profile", "button", buttons, "pb")
        )
        if profile is not None:
            results.profiles["buttons x100"] = profile
    results.rasa_processes = rasa_processes
    # one gateway worker per core in front of one Rasa process, which parses the texts that
    # arrive together as one batch
    env = {"RASA_PROCESSES": "1", "NLU_CACHE_SECONDS": "0", "GATEWAY_WORKERS": str(WORKERS)}
    with running_gateway(url, work / "multi", env) as gw:
        name = f"1 Rasa, {WORKERS} workers"
        messages = latency.texts_for(texts, 0, 100, 6)
        results.multi.append(latency.run(gw, f"text x100, {name}", "text", messages, "m100"))
        buttons = latency.buttons_for(100, 20)
        results.multi.append(
            latency.run(gw, f"buttons x100, {WORKERS} workers", "button", buttons, "mb100")
        )
        for i, pid in enumerate(gw.worker_pids()):
            results.memory[f"gateway worker {i + 1} of {WORKERS}"] = rss_mb(pid)
        messages = latency.texts_for(texts, 600, 100, 6)
        profile = _profiled(
            gw, work, "texts", 8, lambda: latency.run(gw, "profile", "text", messages, "pt")
        )
        if profile is not None:
            results.profiles[f"texts x100 (no cache, {name}; one worker sampled)"] = profile
    # more Rasa processes: each gets a share of the texts, so smaller batches
    more = {**env, "RASA_PROCESSES": str(rasa_processes)}
    with running_gateway(url, work / "more-rasa", more) as gw:
        name = f"{rasa_processes} Rasa, {WORKERS} workers"
        messages = latency.texts_for(texts, 1200, 100, 6)
        results.multi.append(latency.run(gw, f"text x100, {name}", "text", messages, "o100"))
        for i, pid in enumerate(gw.rasa_pids()):
            results.memory[f"Rasa {i + 1} of {rasa_processes}"] = rss_mb(pid)
    log.info("memory: %s", results.memory)


def booking_runs(results: Results, url_of: Callable[[], Any]) -> None:
    """The booking race: 500 at once for 30 seats; 1,000 attempts with 50 in flight, from
    fresh processes and from warmed-up ones."""
    with url_of() as (url, _engine):
        results.race = booking_race.run(url, attempts=500, capacity=30, processes=4, pool_size=5)

    def race_50(warm_up: int) -> dict[str, Any]:
        with url_of() as (url, _engine):
            return booking_race.run(
                url,
                attempts=1000,
                capacity=200,
                processes=2,
                pool_size=13,
                in_flight=25,
                warm_up=warm_up,
            )

    results.race_50_cold = race_50(0)
    results.race_50 = race_50(WARM_UP)


def broadcast_run(results: Results, url_of: Callable[[], Any]) -> None:
    """The broadcast benchmark of `bot.bench.broadcast`, when it is there."""
    try:
        module = importlib.import_module("bot.bench.broadcast")
    except ImportError as exc:
        results.broadcast_note = f"not run: bot.bench.broadcast is missing ({exc})"
        return
    with url_of() as (url, _engine):
        results.broadcast = module.run(url)


def cold_runs(results: Results, quick: bool) -> None:
    """`make run` to healthy, with a model and (unless quick) with a forced training."""
    results.cold["with model"] = coldstart.make_run(with_model=True)
    results.cold["without model"] = "skipped (--quick)" if quick else coldstart.make_run(False)


@contextmanager
def _workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="ltsa-bench-") as tmp:
        yield Path(tmp)


def run_all(
    *, quick: bool = False, rasa_processes: int = 2, sqlite: bool = False, only: str | None = None
) -> Results:
    """Runs the chosen parts (all by default) and returns their results."""
    machine = describe()
    machine.postgres = "(not used)" if sqlite else postgres_version()
    results = Results(machine)

    def fresh() -> Any:
        return fresh_database(sqlite)

    with _workdir() as work:
        if only in (None, "gateway"):
            with fresh() as (url, _engine):
                results.path = pathcost.measure(url)
            with fresh() as (url, engine):
                results.engine = engine
                gateway_runs(results, url, work, rasa_processes)
            machine.sample_load("after the gateway runs")
        if only in (None, "booking"):
            booking_runs(results, fresh)
        if only in (None, "broadcast"):
            broadcast_run(results, fresh)
        machine.sample_load("before the cold starts")
        if only in (None, "cold"):
            cold_runs(results, quick)
    machine.sample_load("end")
    return results
