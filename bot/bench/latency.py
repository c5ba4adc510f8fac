"""End-to-end latency and throughput through `POST /webhooks/rest/webhook` of a real gateway.

A scenario is `concurrency` conversations sending `per_conversation` messages each, all at
once, from the load generator's own process (`bot.bench.load`). Texts are the held-out chat
messages of `nlu/heldout*/` (written apart from the training data), each scenario its own
slice, so that the parse cache does not answer them; button presses are payloads (no NLU).

Per request the gateway's Server-Timing header gives its stages: "outside NLU" is the
gateway's whole time for the request minus the NLU stage (waiting for Rasa included in it).
The CPU time each process group spent during the scenario (`CpuSplit`: the gateway and its
workers, Rasa, the load generator, the rest of the machine's busy time: PostgreSQL, the
kernel) is divided by the messages answered: on 2 cores, 2,000 ms over their sum is the most
messages per second the machine could answer.
"""

from __future__ import annotations

import random
import resource
from dataclasses import dataclass, field
from typing import Any

from bot.bench import load
from bot.bench.gateway import Gateway
from bot.bench.machine import busy_cpu_seconds, cpu_seconds
from bot.settings import ROOT
from nlu.evaluate import heldout_examples

BUTTONS = ("/menu", "/menu_faq", "/faq/passport", "/menu", "/menu_faq", "/faq/skck")


def corpus() -> list[str]:
    """Every held-out chat message, in a fixed shuffled order."""
    texts = [
        e.text for folder in ("heldout", "heldout2") for e in heldout_examples(ROOT, folder=folder)
    ]
    unique = list(dict.fromkeys(texts))
    random.Random(7).shuffle(unique)  # noqa: S311 - a reproducible order, not a secret
    return unique


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass
class Result:
    """What one scenario measured (milliseconds, messages per second)."""

    name: str
    kind: str
    concurrency: int
    requests: int
    ok: int
    wall_s: float
    e2e: tuple[float, float, float]  # client-side p50, p95, p99
    outside_nlu: tuple[float, float, float]  # gateway time minus the NLU stage
    nlu: tuple[float, float, float]
    nlu_share: float  # of the gateway's time, summed over requests
    cache_hits: int = 0
    cache_misses: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    cpu_ms: dict[str, float] = field(default_factory=dict)  # CPU per answered message, by process

    @property
    def per_s(self) -> float:
        return self.ok / self.wall_s if self.wall_s else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "per_s": round(self.per_s, 1)}


def _three(values: list[float]) -> tuple[float, float, float]:
    return (
        round(percentile(values, 50), 2),
        round(percentile(values, 95), 2),
        round(percentile(values, 99), 2),
    )


def run(gateway: Gateway, name: str, kind: str, messages: list[list[str]], prefix: str) -> Result:
    """Runs one scenario against `gateway`; every conversation is its own new sender."""
    before = gateway.metrics()
    senders = [f"{prefix}-{i}" for i in range(len(messages))]
    cpu = CpuSplit(gateway)
    raw = load.run_in_process({"url": gateway.url, "senders": senders, "messages": messages})
    spent = cpu.spent()
    after = gateway.metrics()
    requests = raw["requests"]
    statuses: dict[str, int] = {}
    for _, status, _ in requests:
        if status != 0:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
    for name, count in raw.get("errors", {}).items():  # no answer at all (status 0)
        statuses[f"no answer ({name})"] = count
    good = [(s, st) for s, status, st in requests if status == 200]
    totals = [st.get("total", 0.0) for _, st in good]
    nlus = [st.get("nlu", 0.0) for _, st in good]

    def delta(key: str) -> int:
        return int(after.get(key, 0) - before.get(key, 0))

    return Result(
        name=name,
        kind=kind,
        concurrency=len(messages),
        requests=len(requests),
        ok=len(good),
        wall_s=round(raw["wall_s"], 3),
        e2e=_three([s * 1000 for s, _ in good]),
        outside_nlu=_three([t - n for t, n in zip(totals, nlus, strict=True)]),
        nlu=_three(nlus),
        nlu_share=round(sum(nlus) / sum(totals), 3) if sum(totals) else 0.0,
        cache_hits=delta('ltsa_nlu_cache_lookups{result="hit"}'),
        cache_misses=delta('ltsa_nlu_cache_lookups{result="miss"}'),
        statuses=statuses,
        cpu_ms={k: round(v * 1000 / len(good), 2) for k, v in spent.items()} if good else {},
    )


class CpuSplit:
    """CPU time spent from now on by the gateway (its workers), Rasa, the load generator (the
    child processes this process waits for), and the rest of the machine: PostgreSQL (whose
    short-lived bursts per-process accounting misses), the kernel's network stack, anything
    else running."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = sorted({gateway.pid, *gateway.worker_pids()})
        self.rasa = gateway.rasa_pids()
        self.start = self._now()

    def _now(self) -> dict[str, float]:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {
            "gateway": sum(cpu_seconds(p) for p in self.gateway),
            "Rasa": sum(cpu_seconds(p) for p in self.rasa),
            "load generator": children.ru_utime + children.ru_stime,
            "machine": busy_cpu_seconds(),
        }

    def spent(self) -> dict[str, float]:
        """Seconds of CPU per process group since this was made; "rest": the machine's busy
        time that none of the three spent."""
        now = self._now()
        spent = {k: max(0.0, now[k] - self.start[k]) for k in now}
        machine = spent.pop("machine")
        spent["rest"] = max(0.0, machine - sum(spent.values()))
        return spent


def texts_for(texts: list[str], start: int, conversations: int, each: int) -> list[list[str]]:
    """`conversations` lists of `each` texts taken from `texts` at `start` (wrapping)."""
    n = len(texts)
    return [[texts[(start + c * each + i) % n] for i in range(each)] for c in range(conversations)]


def buttons_for(conversations: int, each: int) -> list[list[str]]:
    """`conversations` lists of `each` button presses walking the menu and two answers."""
    return [[BUTTONS[i % len(BUTTONS)] for i in range(each)] for _ in range(conversations)]
